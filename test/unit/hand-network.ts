/** Test fixture: a causal model with two typed variables and a network that realises it exactly, by hand. */
import { causalModel, network, range, tf } from 'iit-studio';

/** O = (Y1 − Y2) mod 3 with Y1 = X1, Y2 = X2 of one type: typed swaps change the answer asymmetrically. */
export const modModel = () =>
  causalModel({
    X1: { values: range(0, 2) },
    X2: { values: range(0, 2) },
    Y1: { values: range(0, 2), parents: ['X1'], f: ({ X1 }) => X1, type: 'Y' },
    Y2: { values: range(0, 2), parents: ['X2'], f: ({ X2 }) => X2, type: 'Y' },
    O: { values: range(0, 2), parents: ['Y1', 'Y2'], f: ({ Y1, Y2 }) => (Y1 - Y2 + 3) % 3 },
  });

export const oneHot = (v: number) => [0, 1, 2].map((k) => Number(k === v));
export const encodeMod = ({ X1, X2 }: { X1?: number; X2?: number }) => [...oneHot(X1!), ...oneHot(X2!)];

/**
 * Site h = [one-hot Y1, one-hot Y2]; logits = scale · (h1 ⊗ h2)·M with
 * M[(i, j), (i − j) mod 3] = 1, so the right class gets `scale` and the others
 * 0. With `ignoreY2` the logits read h1 only, as if Y2 were always 0; with
 * `bypass` they read the input x instead of the site h (patches do nothing).
 */
export function handNetwork(opts: { scale?: number; ignoreY2?: boolean; bypass?: boolean } = {}) {
  const b = network({ x: [6] });
  const scale = b.param('scale', [], opts.scale ?? 1);
  const M = Array.from({ length: 27 }, (_, k) => {
    const [row, o] = [Math.floor(k / 3), k % 3];
    return Number((Math.floor(row / 3) - (row % 3) + 3) % 3 === o);
  });
  b.stage('h', 'x', ([x]) => tf.mul(x!, 1));
  b.stage('logits', opts.bypass ? ['h', 'x'] : 'h', ([site, x]) => {
    const h = opts.bypass ? x : site;
    const h1 = tf.slice(h!, [0, 0], [-1, 3]);
    const h2 = opts.ignoreY2 ? tf.tensor2d([[1, 0, 0]]) : tf.slice(h!, [0, 3], [-1, 3]);
    const outer = tf.reshape(tf.mul(tf.expandDims(h1, 2), tf.expandDims(h2, 1)), [-1, 9]);
    return tf.mul(tf.matMul(outer, tf.tensor2d(M, [9, 3])), scale);
  });
  return b.build('logits');
}
