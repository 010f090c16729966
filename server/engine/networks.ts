/** Ready-made networks: Figure 1's linear network and MLPs. */
import { network, type Initializer, type Network } from './network';
import { tf } from './tf';

export interface Figure1Params {
  W1: [number, number];
  W2: [number, number];
  w: [number, number];
  b: number;
}

/** The paper's Figure 1 initial parameters. */
export const FIGURE1_START: Figure1Params = { W1: [0.45, 0.05], W2: [0.05, 0.5], w: [1, 1], b: -1 };

/**
 * Figure 1: h1 = W1·[x1,x2], h2 = W2·[x1,x2], y = w·[h1;h2] + b, one logit
 * (TRUE iff y > 0). Sites: h1, h2, y.
 */
export function figure1Network(p: Figure1Params = FIGURE1_START): Network {
  const b = network({ x: [2] });
  const W1 = b.param('W1', [2], p.W1);
  const W2 = b.param('W2', [2], p.W2);
  const w = b.param('w', [2], p.w);
  const bias = b.param('b', [], p.b);
  b.stage('h1', 'x', ([x]) => tf.sum(tf.mul(x!, W1), -1, true));
  b.stage('h2', 'x', ([x]) => tf.sum(tf.mul(x!, W2), -1, true));
  b.stage('y', ['h1', 'h2'], ([h1, h2]) => tf.add(tf.sum(tf.mul(tf.concat([h1!, h2!], 1), w), -1, true), bias));
  return b.build('y');
}

export interface MlpOptions {
  input: number;
  hidden: number[];
  output: number;
  activation?: 'relu' | 'tanh';
  seed?: number;
  init?: Initializer;
}

/** MLP with sites h1..hn (post-activation) and `logits`; input named `x`. */
export function mlp(o: MlpOptions): Network {
  const b = network({ x: [o.input] }, { seed: o.seed ?? 0 });
  let prev = 'x';
  o.hidden.forEach((units, i) => {
    const name = `h${i + 1}`;
    b.dense(name, prev, units, { activation: o.activation ?? 'relu', init: o.init ?? 'glorot' });
    prev = name;
  });
  b.dense('logits', prev, o.output, { init: o.init ?? 'glorot' });
  return b.build('logits');
}
