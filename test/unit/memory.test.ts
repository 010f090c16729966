/**
 * No tensor leaks: the number of live tensors stays flat across 1,000 IIT
 * training steps (task + IIT + typed IIT, Adam) and across evaluations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { causalModel, evaluate, experiment, mlp, range, Session, tf, Trainer } from 'iit-studio';

test('tf.memory().numTensors is flat across 1,000 training steps and evaluations', async () => {
  await tf.setBackend('cpu');
  const model = causalModel({
    A: { values: range(0, 3) },
    B: { values: range(0, 3) },
    YA: { values: range(0, 3), parents: ['A'], f: ({ A }) => A, type: 'Y' },
    YB: { values: range(0, 3), parents: ['B'], f: ({ B }) => B, type: 'Y' },
    O: { values: range(0, 3), parents: ['YA', 'YB'], f: ({ YA, YB }) => (YA + YB) % 4 },
  });
  const exp = experiment({
    model,
    network: ({ seed }) => mlp({ input: 8, hidden: [8, 8], output: 4, seed }),
    encode: ({ A, B }) => [...[0, 1, 2, 3].map((k) => Number(k === A)), ...[0, 1, 2, 3].map((k) => Number(k === B))],
    alignment: { YA: { site: 'h1', slice: [[0, 4]] }, YB: { site: 'h1', slice: [[4, 8]] } },
    objectives: { task: 1, iit: 1, typedIit: 1 },
    training: { optimizer: { type: 'adam', lr: 1e-3 }, batchSize: 8, steps: 1000, pairs: 'sample' },
  });
  const s = new Session(exp, exp.resolve(), 1);
  const t = new Trainer(s, 1);
  try {
    for (let i = 0; i < 10; i++) await t.trainStep();
    await evaluate(s);
    const start = tf.memory().numTensors;
    for (let i = 10; i < 1000; i++) await t.trainStep();
    await evaluate(s);
    const end = tf.memory().numTensors;
    console.log(`live tensors after step 10: ${start}, after step 1000: ${end}`);
    assert.equal(end, start);
  } finally {
    t.dispose();
    s.dispose();
  }
});
