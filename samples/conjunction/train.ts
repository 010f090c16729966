/**
 * Figure 1's network from a seeded random start, trained with the task and
 * IIT losses over all 16 ordered input pairs × 2 variables until IIA is 100%.
 */
import { experiment, network, tf } from 'iit-studio';
import { conjunction, encode } from './model';

export default experiment({
  name: 'conjunction-train',
  model: conjunction,
  network: ({ seed }) => {
    const b = network({ x: [2] }, { seed });
    const W1 = b.param('W1', [2], 'glorot');
    const W2 = b.param('W2', [2], 'glorot');
    const w = b.param('w', [2], 'glorot');
    const bias = b.param('b', [], 'zeros');
    b.stage('h1', 'x', ([x]) => tf.sum(tf.mul(x!, W1), -1, true));
    b.stage('h2', 'x', ([x]) => tf.sum(tf.mul(x!, W2), -1, true));
    b.stage('y', ['h1', 'h2'], ([h1, h2]) => tf.add(tf.sum(tf.mul(tf.concat([h1!, h2!], 1), w), -1, true), bias));
    return b.build('y');
  },
  encode,
  alignment: {
    V1: { site: 'h1' },
    V2: { site: 'h2' },
  },
  objectives: { task: 1, iit: 1 },
  training: {
    optimizer: { type: 'adam', lr: 0.05 },
    pairs: 'all',
    batchSize: 32,
    epochs: 400,
    evalEvery: 10,
    until: { iia: 1, behavioral: 1 },
  },
  evaluation: { before: true },
});
