import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { tf } from 'iit-studio';
import {
  AUTO_ORDER,
  autoRanking,
  measureMatmulPeak,
  missingKernels,
  probeBackends,
  resolveFrom,
  tfBackendName,
  useBackend,
  withBackend,
  type BackendReport,
} from '../../server/compute/backends';

const CI = process.env.CI === 'true';
const reports = await probeBackends();
const report = (name: string) => reports.find((r) => r.name === name)!;
const webgpu = report('webgpu');

after(async () => {
  await tf.setBackend('cpu');
});

test('probe reports all five backends in AUTO_ORDER, each with a device or a reason', () => {
  assert.deepEqual(AUTO_ORDER, ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
  assert.deepEqual(
    reports.map((r) => r.name),
    AUTO_ORDER,
  );
  for (const r of reports) {
    if (r.available) assert.ok(r.device, `${r.name} is available but names no device: ${JSON.stringify(r)}`);
    else assert.ok(r.reason, `${r.name} is unavailable but gives no reason: ${JSON.stringify(r)}`);
  }
  assert.equal(report('cpu').available, true);
  assert.equal(report('wasm').available, true, report('wasm').reason);
  assert.match(report('wasm').device!, /WebAssembly SIMD/);
  // The tfjs-node packages are never dependencies of IIT Studio itself.
  for (const name of ['tensorflow-gpu', 'tensorflow']) {
    if (!report(name).available) assert.ok(report(name).reason!.length > 0);
  }
});

test(
  'webgpu: CI has Mesa lavapipe, so a (software) adapter must be found',
  { skip: !CI && !webgpu.available ? `no WebGPU adapter here: ${webgpu.reason}` : false },
  async () => {
    assert.equal(webgpu.available, true, `webgpu must be available in CI: ${webgpu.reason}`);
    assert.ok(webgpu.device);
    if (/llvmpipe|lavapipe/i.test(webgpu.device!)) assert.equal(webgpu.software, true);
    const sel = await useBackend('webgpu');
    assert.equal(sel.name, 'webgpu');
    assert.equal(tf.getBackend(), 'webgpu');
    // A real computation on the adapter, read back asynchronously.
    const y = tf.matMul(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
      tf.tensor2d([
        [5, 6],
        [7, 8],
      ]),
    );
    assert.deepEqual(Array.from(await y.data()), [19, 22, 43, 50]);
    y.dispose();
    await useBackend('cpu');
  },
);

test('auto picks the best usable backend and records every one it passed over', async () => {
  const logs: string[] = [];
  const sel = await useBackend('auto', { log: (m) => logs.push(m) });
  assert.equal(tf.getBackend(), tfBackendName(sel.name));
  const expected = autoRanking(reports).find((r) => r.available)!;
  assert.equal(sel.name, expected.name);
  assert.ok(
    logs.some((m) => m.startsWith(`backend: ${sel.name}`)),
    logs.join('\n'),
  );
  // Every unavailable backend ranked above the choice is in fallbacks with its reason.
  for (const r of autoRanking(reports)) {
    if (r.name === sel.name) break;
    if (!r.available) assert.deepEqual(sel.fallbacks.find((f) => f.name === r.name)?.reason, r.reason);
  }
  if (webgpu.available && webgpu.software && sel.name === 'wasm') {
    assert.match(sel.fallbacks.find((f) => f.name === 'webgpu')!.reason, /software adapter only/);
  }
  await useBackend('cpu');
});

test('auto ranking: a hardware adapter leads, a software one goes after wasm but before cpu', () => {
  const base = (webgpuReport: Partial<BackendReport>): BackendReport[] =>
    AUTO_ORDER.map((name) =>
      name === 'webgpu'
        ? { name, available: true, device: 'x', ...webgpuReport }
        : { name, available: name === 'wasm' || name === 'cpu', reason: 'not installed' },
    );
  assert.deepEqual(
    autoRanking(base({ software: false })).map((r) => r.name),
    AUTO_ORDER,
  );
  assert.deepEqual(
    autoRanking(base({ software: true })).map((r) => r.name),
    ['tensorflow-gpu', 'tensorflow', 'wasm', 'webgpu', 'cpu'],
  );
});

test('requiredKernels [Conv2DBackpropFilter] skips wasm and says why', async () => {
  assert.deepEqual(await missingKernels('wasm', ['Conv2DBackpropFilter', 'BatchMatMul']), ['Conv2DBackpropFilter']);
  assert.deepEqual(await missingKernels('cpu', ['Conv2DBackpropFilter', 'BatchMatMul']), []);
  // tf.profile lists a custom-gradient op (the cross-entropy's) as 'unnamed scope': not a kernel, never missing.
  assert.deepEqual(await missingKernels('wasm', ['unnamed scope', 'Conv2DBackpropFilter']), ['Conv2DBackpropFilter']);
  const sel = await useBackend('auto', { requiredKernels: ['Conv2DBackpropFilter'] });
  assert.notEqual(sel.name, 'wasm');
  if (AUTO_ORDER.indexOf(sel.name) > AUTO_ORDER.indexOf('wasm') || sel.name === 'webgpu') {
    assert.match(sel.fallbacks.find((f) => f.name === 'wasm')!.reason, /lacks kernels Conv2DBackpropFilter/);
  }
  // Here (no tfjs-node) a convolutional experiment runs on webgpu when an adapter exists, else on cpu.
  if (!report('tensorflow-gpu').available && !report('tensorflow').available) {
    assert.equal(sel.name, webgpu.available ? 'webgpu' : 'cpu');
  }
  await assert.rejects(
    useBackend('wasm', { requiredKernels: ['Conv2DBackpropFilter'] }),
    /backend wasm lacks kernels Conv2DBackpropFilter .*available backends: .*cpu/,
  );
  await useBackend('cpu');
});

test('an explicit backend that is not available fails with the reason and the alternatives', async () => {
  const missing = reports.find((r) => !r.available);
  if (missing) {
    await assert.rejects(
      useBackend(missing.name),
      (e: Error) =>
        e.message.includes(`backend ${missing.name} is not available: ${missing.reason}`) &&
        /available backends: .*wasm, cpu/.test(e.message),
    );
  }
  await assert.rejects(
    useBackend('tpu'),
    /unknown backend 'tpu': use auto, tensorflow-gpu, webgpu, tensorflow, wasm, cpu/,
  );
});

test('tfjs-node is resolved from the workspace first, and a broken install is reported, not thrown', async () => {
  const ws = mkdtempSync(path.join(os.tmpdir(), 'iit-ws-'));
  try {
    // A tfjs-node whose native addon was never built (what `npm install` gives with no internet).
    const pkg = path.join(ws, 'node_modules', '@tensorflow', 'tfjs-node');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      path.join(pkg, 'package.json'),
      JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'index.js' }),
    );
    writeFileSync(
      path.join(pkg, 'index.js'),
      `throw new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: ' + __dirname + '/lib/napi-v8/tfjs_binding.node.');`,
    );
    assert.equal(resolveFrom('@tensorflow/tfjs-node', ws), path.join(pkg, 'index.js'));
    const r = (await probeBackends({ workspaceRoot: ws })).find((x) => x.name === 'tensorflow')!;
    assert.equal(r.available, false);
    assert.match(r.reason!, /native addon was never built: run `npm rebuild @tensorflow\/tfjs-node`/);
    await assert.rejects(
      useBackend('tensorflow', { workspaceRoot: ws }),
      /backend tensorflow is not available: installed, but/,
    );
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});

test('withBackend runs on the named backend and restores the previous one', async () => {
  await useBackend('cpu');
  const seen = await withBackend('wasm', async () => {
    const t = tf.add(tf.scalar(2), tf.scalar(3));
    const v = (await t.data())[0];
    t.dispose();
    return { backend: tf.getBackend(), v };
  });
  assert.deepEqual(seen, { backend: 'wasm', v: 5 });
  assert.equal(tf.getBackend(), 'cpu');
  await assert.rejects(
    withBackend('wasm', () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(tf.getBackend(), 'cpu');
});

test('measureMatmulPeak gives a positive GFLOP/s on the active backend and rejects bad sizes', async () => {
  await useBackend('wasm');
  const g = await measureMatmulPeak(64);
  assert.ok(Number.isFinite(g) && g > 0, `GFLOP/s ${g}`);
  await assert.rejects(measureMatmulPeak(0), /size must be a positive integer, got 0/);
  await useBackend('cpu');
});
