/**
 * The multi-threaded wasm backend (opt-in: IIT_WASM_THREADS, bridged into
 * Node by server/compute/wasmThreads.ts): it starts with the threads asked
 * for, its results match cpu (the kernel and IIT-step conformance tests,
 * re-run with threads), a long run keeps the tensor count flat, and its
 * pthread workers never keep the process alive.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, test } from 'node:test';
import { Alignment, crossEntropy, interchangeForward, mlp, Optimizer, range, Rng, tf, causalModel } from 'iit-studio';
import { useBackend, wasmThreadsWanted } from '../../server/compute/backends';
import { wasmThreadsCount, wasmThreadWorkers } from '../../server/compute/wasmThreads';

const root = path.resolve(import.meta.dirname, '../..');
process.env.IIT_WASM_THREADS = '2';

after(async () => {
  await tf.setBackend('cpu');
});

function node(args: string[]): ReturnType<typeof spawnSync> {
  // Without NODE_TEST_CONTEXT a nested `node --test` prints plain TAP rather than reporting to this runner.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  return spawnSync(process.execPath, ['--import', './scripts/register-ts.mjs', ...args], {
    cwd: root,
    env: { ...env, IIT_WASM_THREADS: '2' },
    encoding: 'utf8',
    // A hang (workers holding the process open) shows as a kill, not as a slow pass.
    timeout: 300_000,
  });
}

test('IIT_WASM_THREADS is validated', () => {
  assert.equal(wasmThreadsWanted({}), 1);
  assert.equal(wasmThreadsWanted({ IIT_WASM_THREADS: '2' }), 2);
  assert.throws(
    () => wasmThreadsWanted({ IIT_WASM_THREADS: 'two' }),
    /IIT_WASM_THREADS must be an integer from 1 to 8, got 'two'/,
  );
  assert.throws(() => wasmThreadsWanted({ IIT_WASM_THREADS: '0' }), /unset it or set e\.g\. 2/);
});

test('wasm starts with 2 threads and says so', async () => {
  const sel = await useBackend('wasm');
  assert.equal(wasmThreadsCount(), 2, sel.device);
  assert.match(sel.device ?? '', /WebAssembly SIMD, 2 threads$/);
  assert.ok(wasmThreadWorkers() >= 1, 'pthread workers are running');
});

test('an IIT training loop on threaded wasm keeps the tensor count flat and lowers the loss', async () => {
  await useBackend('wasm');
  const model = causalModel({
    X: { values: range(0, 1) },
    A: { values: range(0, 1), parents: ['X'], f: ({ X }: { X: number }) => X, type: 'T' },
    B: { values: range(0, 1), parents: ['X'], f: ({ X }: { X: number }) => X, type: 'T' },
    O: { values: range(0, 1), parents: ['A', 'B'], f: ({ A }: { A: number }) => A },
  } as never);
  const net = mlp({ input: 16, hidden: [64, 64], output: 2, seed: 1 });
  const al = new Alignment(
    { A: { site: 'h1', slice: [[0, 32]] }, B: { site: 'h1', slice: [[32, 64]] } } as never,
    model as never,
    net,
  );
  const rng = new Rng(5);
  const B = 256;
  const x = () =>
    tf.tensor2d(
      Float32Array.from({ length: B * 16 }, () => rng.normal()),
      [B, 16],
    );
  const base = x();
  const source = x();
  const labels = Int32Array.from({ length: B }, () => rng.int(2));
  const rows = Int32Array.from({ length: B }, (_, i) => i);
  const groups = [{ swaps: [{ from: 'A', to: 'B' }], baseRows: rows, sourceRows: rows }];
  const head = { variable: 'O', loss: 'softmax' as const, values: range(0, 1) };
  const opt = new Optimizer({ type: 'adam', lr: 1e-2 }, undefined, net.params);
  const names = new Map([...net.params].map(([n, v]) => [v.name, n]));
  const losses: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < 200; i++) {
    const { value, grads } = tf.variableGrads(() => {
      const r = interchangeForward(net, al, { x: base }, { x: source }, groups, { withBase: true, training: true });
      return tf.add(crossEntropy(head, r.base!, labels), crossEntropy(head, r.groups[0]!, labels)) as tf.Scalar;
    }, net.trainableVariables());
    opt.apply(Object.fromEntries(Object.entries(grads).map(([n, g]) => [names.get(n)!, g])));
    losses.push((await value.data())[0]!);
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
    counts.push(tf.memory().numTensors);
  }
  assert.equal(new Set(counts.slice(1)).size, 1, `tensor counts vary: ${[...new Set(counts)].join(', ')}`);
  assert.ok(losses.at(-1)! < losses[0]! * 0.8, `loss ${losses[0]} → ${losses.at(-1)}`);
  [base, source].forEach((t) => t.dispose());
  opt.dispose();
  al.dispose();
  net.dispose();
});

test('the conformance tests pass on threaded wasm', () => {
  const r = node([
    '--test',
    '--test-concurrency=1',
    'test/unit/conformance-kernels.test.ts',
    'test/unit/conformance-iit.test.ts',
    'test/unit/wasm-kernels.test.ts',
  ]);
  assert.equal(r.status, 0, `conformance on IIT_WASM_THREADS=2 failed:\n${String(r.stdout).slice(-3000)}\n${r.stderr}`);
  assert.match(String(r.stdout), /# fail 0/);
});

test('pthread workers do not keep the process alive', () => {
  const r = node(['test/unit/wasm-threads-child.ts']);
  assert.equal(r.signal, null, 'the process had to be killed: the workers kept it alive');
  assert.equal(r.status, 0, String(r.stderr));
  const out = JSON.parse(String(r.stdout).trim().split('\n').at(-1)!) as { threads: number; values: number[] };
  assert.equal(out.threads, 2);
  assert.deepEqual(out.values, [7, 10, 15, 22]);
});
