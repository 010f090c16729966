/**
 * The recurrent stages for ReaSCAN: a bidirectional LSTM layer (directions summed) equals PyTorch's nn.LSTM on the
 * same weights (test/fixtures/lstm-tiny, written by bench/reference/lstm_reference.py), per step and in its final
 * state; its output at a token position is a site whose gradient reaches the LSTM's weights; additive attention
 * equals its formula worked by hand and gives masked keys no weight.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { network, tf } from 'iit-studio';
import { additiveAttention, lstmLayer } from '../../server/engine/recurrent';

const root = path.resolve(import.meta.dirname, '../..');
interface T {
  shape: number[];
  values: number[];
}
const ref = JSON.parse(readFileSync(path.join(root, 'test/fixtures/lstm-tiny/expected.json'), 'utf8')) as {
  weights: Record<string, T>;
  input: T;
  outputs: { steps: T; final: T };
};

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test("a bidirectional LSTM layer equals PyTorch's nn.LSTM: every step (directions summed) and the final state", async () => {
  await tf.setBackend('cpu');
  const b = network({ x: [4, 3] }, { seed: 1 });
  lstmLayer(b, 'enc', 'x', { hidden: 5, bidirectional: true });
  const net = b.build('enc');
  assert.deepEqual(net.siteShape('enc'), [4, 5]);
  assert.deepEqual(net.siteShape('enc.final'), [5]);
  // PyTorch's [4H, in] weights, transposed into ours [in, 4H]; biases as they are.
  for (const [name, w] of Object.entries(ref.weights)) {
    const v = net.params.get(`enc.${name}`);
    assert.ok(v, `parameter enc.${name}`);
    const t =
      w.shape.length === 2 ? tf.transpose(tf.tensor2d(w.values, w.shape as [number, number])) : tf.tensor(w.values);
    assert.deepEqual(v.shape, t.shape, name);
    v.assign(t);
  }
  const x = tf.tensor3d(ref.input.values, ref.input.shape as [number, number, number]);
  const out = net.run({ x }, { outputs: ['enc', 'enc.final'] });
  const steps = maxDiff(out.enc!.dataSync(), ref.outputs.steps.values);
  const final = maxDiff(out['enc.final']!.dataSync(), ref.outputs.final.values);
  assert.ok(steps < 1e-5, `steps differ by ${steps}`);
  assert.ok(final < 1e-5, `final state differs by ${final}`);
  net.dispose();
});

test('the output at one token position is a site: its gradient reaches the input weights of both directions', async () => {
  await tf.setBackend('cpu');
  const b = network({ x: [4, 3] }, { seed: 2 });
  lstmLayer(b, 'enc', 'x', { hidden: 5, bidirectional: true });
  b.stage('noun', 'enc', ([h]) => tf.reshape(tf.slice(h!, [0, 2, 0], [-1, 1, -1]), [-1, 5]));
  const net = b.build('noun');
  const x = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 5);
  const vars = ['enc.weight_ih_l0', 'enc.weight_ih_l0_reverse'].map((n) => net.params.get(n)!);
  const { grads } = tf.variableGrads(() => tf.sum(tf.square(net.forward({ x }))) as tf.Scalar, vars);
  for (const v of vars) assert.ok(tf.max(tf.abs(grads[v.name]!)).dataSync()[0]! > 1e-4, `${v.name} gets a gradient`);
  net.dispose();
});

test('additive attention: vᵀtanh(q·W_q + k·W_k) by hand, values the projected keys, masked keys weigh nothing', async () => {
  await tf.setBackend('cpu');
  const wq = tf.tensor2d([
    [1, 0],
    [0, 1],
  ]);
  const wk = tf.tensor2d([
    [0.5, 0],
    [0, 2],
  ]);
  const v = tf.tensor2d([[1], [-1]]);
  const q = tf.tensor2d([[0.2, -0.1]]);
  const keys = tf.tensor3d([
    [
      [1, 0],
      [0, 1],
      [1, 1],
    ],
  ]);
  const { context, weights } = additiveAttention(q, keys, { wq, wk, v });
  // Projected keys: [0.5, 0], [0, 2], [0.5, 2]; scores tanh(pk + q)·[1, −1].
  const pk = [
    [0.5, 0],
    [0, 2],
    [0.5, 2],
  ];
  const s = pk.map(([a, c]) => Math.tanh(a! + 0.2) - Math.tanh(c! - 0.1));
  const e = s.map(Math.exp);
  const z = e.reduce((x, y) => x + y, 0);
  const w = e.map((x) => x / z);
  assert.ok(maxDiff(weights.dataSync(), w) < 1e-6);
  const ctx = [0, 1].map((j) => w.reduce((acc, wi, i) => acc + wi * pk[i]![j]!, 0));
  assert.ok(maxDiff(context.dataSync(), ctx) < 1e-6);
  const masked = additiveAttention(q, keys, { wq, wk, v }, tf.tensor2d([[1, 0, 1]]));
  const mw = masked.weights.dataSync();
  assert.ok(mw[1]! < 1e-12, `masked weight ${mw[1]}`);
  assert.ok(Math.abs(mw[0]! + mw[2]! - 1) < 1e-6);
});
