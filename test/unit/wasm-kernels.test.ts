/**
 * IIT Studio's replacement wasm kernels (server/compute/wasmKernels.ts) give
 * exactly the values of the cpu backend: Slice over every rank and dtype with
 * strided and whole axes, SplitV along each axis, and transposed BatchMatMul;
 * a slice's gradient (a pad) flows through them; Identity shares buffers safely.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { tf } from 'iit-studio';
import { useBackend, withBackend } from '../../server/compute/backends';
import { copySlice } from '../../server/compute/wasmKernels';

after(async () => {
  await tf.setBackend('cpu');
});

const values = (n: number, dtype: 'float32' | 'int32' | 'bool'): number[] =>
  Array.from({ length: n }, (_, i) =>
    dtype === 'bool' ? Number(i % 3 === 0) : dtype === 'int32' ? i * 7 - 50 : i * 0.5 - 3,
  );

/** The same op on cpu and wasm, from the same host values; results as plain arrays. */
async function both(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ cpu: unknown[]; wasm: unknown[] }> {
  const run = async () => {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const got = await Promise.all(list.map(async (t) => ({ shape: t.shape, values: Array.from(await t.data()) })));
    list.forEach((t) => t.dispose());
    return got;
  };
  return { cpu: await withBackend('cpu', run), wasm: await withBackend('wasm', run) };
}

const cases: { shape: number[]; begin: number[]; size: number[] }[] = [
  { shape: [7], begin: [2], size: [3] },
  { shape: [5, 6], begin: [1, 2], size: [3, 3] },
  { shape: [5, 6], begin: [2, 0], size: [2, -1] },
  { shape: [4, 14, 14, 3], begin: [1, 7, 0, 0], size: [2, 7, 7, 3] },
  { shape: [4, 14, 14, 3], begin: [0, 0, 7, 1], size: [-1, 7, 7, 2] },
  { shape: [4, 14, 14, 3], begin: [2, 0, 0, 0], size: [2, 14, 14, 3] },
  { shape: [2, 3, 4, 5, 6], begin: [1, 1, 0, 2, 3], size: [1, 2, 4, 2, 3] },
  { shape: [2, 2, 3, 2, 3, 4], begin: [0, 1, 1, 0, 1, 0], size: [2, 1, 2, 2, 2, 4] },
  { shape: [3, 4], begin: [1, 1], size: [0, 2] },
];

for (const dtype of ['float32', 'int32', 'bool'] as const) {
  test(`wasm Slice equals cpu for ${dtype} at ranks 1–6, strided and whole axes`, async () => {
    for (const c of cases) {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const { cpu, wasm } = await both(() => tf.slice(tf.tensor(values(n, dtype), c.shape, dtype), c.begin, c.size));
      assert.deepEqual(wasm, cpu, JSON.stringify(c));
    }
  });
}

test('wasm SplitV equals cpu along every axis', async () => {
  const shape = [6, 4, 5];
  for (let axis = 0; axis < 3; axis++) {
    const sizes = axis === 0 ? [1, 3, 2] : axis === 1 ? [2, 2] : [1, 1, 3];
    const { cpu, wasm } = await both(() => tf.split(tf.tensor(values(120, 'float32'), shape), sizes, axis));
    assert.equal(cpu.length, sizes.length);
    assert.deepEqual(wasm, cpu, `axis ${axis}`);
  }
});

test('a slice gradient on wasm equals cpu (pad of the upstream gradient)', async () => {
  const { cpu, wasm } = await both(() => {
    const x = tf.tensor(values(4 * 6 * 6 * 2, 'float32'), [4, 6, 6, 2]);
    const f = (t: tf.Tensor) => tf.sum(tf.square(tf.slice(t, [1, 3, 0, 0], [2, 3, 3, -1])));
    return tf.grad(f)(x);
  });
  assert.deepEqual(wasm, cpu);
});

test('wasm BatchMatMul with transposed operands equals cpu', async () => {
  for (const [ta, tb] of [
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    const { cpu, wasm } = await both(() => {
      const a = tf.tensor(values(2 * 5 * 3, 'float32'), ta ? [2, 3, 5] : [2, 5, 3]);
      const b = tf.tensor(values(2 * 3 * 4, 'float32'), tb ? [2, 4, 3] : [2, 3, 4]);
      return tf.matMul(a, b, ta, tb);
    });
    const close = (x: unknown[], y: unknown[]) => {
      const xv = (x[0] as { values: number[] }).values;
      const yv = (y[0] as { values: number[] }).values;
      assert.equal(xv.length, yv.length);
      xv.forEach((v, i) =>
        assert.ok(Math.abs(v - yv[i]!) <= 1e-4 * Math.abs(yv[i]!) + 1e-5, `[${i}] ${v} vs ${yv[i]}`),
      );
    };
    close(wasm, cpu);
  }
});

test('the replacement kernels are the ones wasm runs', async () => {
  await useBackend('wasm');
  const k = tf.getKernel('Slice', 'wasm');
  assert.ok(k, 'wasm registers Slice');
  // Ours reads the input through a heap view; the stock kernel's readSync copy is what it replaces.
  assert.match(String(k.kernelFunc), /copySlice/);
});

test('wasm Identity shares the buffer: a clone outlives its source, and assign leaves the clone alone', async () => {
  await withBackend('wasm', async () => {
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const b = a.clone();
    const bytes = tf.memory().numBytes;
    a.dispose();
    assert.deepEqual(Array.from(await b.data()), [1, 2, 3, 4]);
    const v = tf.variable(b, false);
    const c = v.clone();
    v.assign(tf.tensor([5, 6, 7, 8], [2, 2]));
    assert.deepEqual(Array.from(await c.data()), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(await v.data()), [5, 6, 7, 8]);
    [b, v, c].forEach((t) => t.dispose());
    assert.ok(tf.memory().numBytes < bytes, 'the shared buffer was freed with its last tensor');
  });
});

test('copySlice copies one box of a row-major array', () => {
  const x = Float32Array.from({ length: 24 }, (_, i) => i);
  const out = new Float32Array(4);
  copySlice(x, [2, 3, 4], [1, 1, 2], [1, 2, 2], out);
  assert.deepEqual(Array.from(out), [18, 19, 22, 23]);
});
