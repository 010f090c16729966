import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tf } from 'iit-studio';
import { AUTO_ORDER, missingKernels, probeBackends, useBackend } from '../../server/compute/backends';

test('probe reports all five backends, each with a device or a reason', async () => {
  const reports = await probeBackends();
  assert.deepEqual(reports.map((r) => r.name), ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
  for (const r of reports) assert.ok(r.available ? r.device : r.reason, JSON.stringify(r));
  assert.ok(reports.find((r) => r.name === 'cpu')!.available);
  assert.ok(reports.find((r) => r.name === 'wasm')!.available);
  // CI installs Mesa's lavapipe, so WebGPU must be there (a software adapter).
  if (process.env.CI === 'true') assert.ok(reports.find((r) => r.name === 'webgpu')!.available, JSON.stringify(reports[1]));
});

test('auto picks the best available backend and records what it passed over', async () => {
  const reports = await probeBackends();
  const sel = await useBackend('auto');
  assert.equal(tf.getBackend(), sel.name === 'tensorflow-gpu' ? 'tensorflow' : sel.name);
  const firstHardware = reports.find((r) => r.available && !r.software)!;
  assert.equal(sel.name, firstHardware.name);
  for (const f of sel.fallbacks) assert.ok(AUTO_ORDER.indexOf(f.name) < AUTO_ORDER.indexOf(sel.name) || f.name === 'webgpu');
  await useBackend('cpu');
});

test('a convolutional experiment skips wasm (no Conv2DBackpropFilter) and says why', async () => {
  assert.deepEqual(missingKernels('wasm', ['Conv2DBackpropFilter', 'BatchMatMul']), ['Conv2DBackpropFilter']);
  const sel = await useBackend('auto', { requiredKernels: ['Conv2DBackpropFilter'] });
  assert.notEqual(sel.name, 'wasm');
  const wasm = sel.fallbacks.find((f) => f.name === 'wasm');
  if (AUTO_ORDER.indexOf(sel.name) > AUTO_ORDER.indexOf('wasm') || sel.name === 'webgpu') assert.match(wasm!.reason, /Conv2DBackpropFilter/);
  await assert.rejects(useBackend('wasm', { requiredKernels: ['Conv2DBackpropFilter'] }), /wasm lacks kernels Conv2DBackpropFilter/);
  await useBackend('cpu');
});

test('an explicit backend that is not available fails with the reason', async () => {
  const reports = await probeBackends();
  const missing = reports.find((r) => !r.available);
  if (missing) await assert.rejects(useBackend(missing.name), new RegExp(`backend ${missing.name} is not available: `));
  await assert.rejects(useBackend('tpu'), /unknown backend 'tpu'/);
});
