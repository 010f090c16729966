/**
 * The softmax cross-entropy with its closed-form gradient equals plain
 * automatic differentiation of log-sum-exp (value and gradient), on cpu and
 * wasm; with per-row weights it equals the weighted sum of separate means
 * (the task loss plus the mean of the IIT losses in one call); and it runs
 * far fewer kernels.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { crossEntropy, range, Rng, tf } from 'iit-studio';
import { withBackend } from '../../server/compute/backends';

after(async () => {
  await tf.setBackend('cpu');
});

const head = { variable: 'O', loss: 'softmax' as const, values: range(0, 3) };
const rng = new Rng(9);
const R = 12;
const C = 4;
const logitValues = Float32Array.from({ length: R * C }, () => 3 * rng.normal());
const labels = Int32Array.from({ length: R }, () => rng.int(C));

/** The textbook formulation, differentiated by tfjs. */
function reference(z: tf.Tensor, y: Int32Array, w?: Float32Array): tf.Tensor {
  const oneHot = tf.oneHot(tf.tensor1d(y, 'int32'), C);
  const per = tf.sub(tf.logSumExp(z, 1), tf.sum(tf.mul(oneHot, z), 1));
  return w ? tf.sum(tf.mul(per, tf.tensor1d(w))) : tf.mean(per);
}

async function lossAndGrad(f: (z: tf.Tensor) => tf.Tensor): Promise<{ loss: number; grad: number[] }> {
  const z = tf.variable(tf.tensor2d(logitValues, [R, C]), true, `z${Math.random()}`);
  const { value, grads } = tf.variableGrads(() => f(z) as tf.Scalar, [z]);
  const out = { loss: (await value.data())[0]!, grad: Array.from(await grads[z.name]!.data()) };
  value.dispose();
  grads[z.name]!.dispose();
  z.dispose();
  return out;
}

function close(a: number[], b: number[], what: string): void {
  assert.equal(a.length, b.length);
  a.forEach((x, i) =>
    assert.ok(Math.abs(x - b[i]!) <= 1e-6 + 1e-5 * Math.abs(b[i]!), `${what}[${i}]: ${x} vs ${b[i]}`),
  );
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: value and gradient equal autodiff of log-sum-exp`, async () => {
    await withBackend(backend, async () => {
      const got = await lossAndGrad((z) => crossEntropy(head as never, z, labels));
      const want = await lossAndGrad((z) => reference(z, labels));
      close([got.loss], [want.loss], 'loss');
      close(got.grad, want.grad, 'grad');
      assert.ok(
        want.grad.some((g) => Math.abs(g) > 1e-3),
        'a non-trivial gradient',
      );
    });
  });

  test(`${backend}: weighted rows equal the task mean plus the mean of the IIT means`, async () => {
    await withBackend(backend, async () => {
      // Rows 0–3: task; 4–7 and 8–11: two IIT groups, averaged.
      const w = Float32Array.from({ length: R }, (_, i) => (i < 4 ? 1 / 4 : 1 / 8));
      const got = await lossAndGrad((z) => crossEntropy(head as never, z, labels, w));
      const sep = await lossAndGrad((z) => {
        const part = (a: number) => tf.slice(z, [a, 0], [4, C]);
        const ce = (a: number) => crossEntropy(head as never, part(a), labels.slice(a, a + 4));
        return tf.add(ce(0), tf.div(tf.add(ce(4), ce(8)), 2));
      });
      close([got.loss], [sep.loss], 'loss');
      close(got.grad, sep.grad, 'grad');
      close(got.grad, (await lossAndGrad((z) => reference(z, labels, w))).grad, 'grad vs autodiff');
    });
  });
}

test('the closed-form gradient runs far fewer kernels than autodiff of log-sum-exp', async () => {
  await withBackend('cpu', async () => {
    const count = async (f: (z: tf.Tensor) => tf.Tensor) =>
      (await tf.profile(() => lossAndGrad(f).then(() => tf.scalar(0)))).kernels.length;
    const ours = await count((z) => crossEntropy(head as never, z, labels));
    const plain = await count((z) => reference(z, labels));
    assert.ok(ours < plain * 0.7, `${ours} kernels vs ${plain}`);
  });
});

test('a weights array of the wrong length is refused', () => {
  const z = tf.zeros([3, C]);
  assert.throws(
    () => crossEntropy(head as never, z, Int32Array.of(0, 1, 2), new Float32Array(2)),
    /2 weights for 3 rows/,
  );
  z.dispose();
});
