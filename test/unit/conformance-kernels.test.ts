/**
 * Kernel-level backend conformance: the same MLP and small CNN (conv2d →
 * maxPool → conv2d → maxPool → dense, softmax cross-entropy), built from the
 * same seeded host arrays, give the same loss and the same gradient for every
 * parameter (tf.variableGrads) on cpu, wasm (MLP only: wasm has no
 * Conv2DBackpropFilter) and webgpu (Mesa lavapipe in CI).
 * Tolerance: |got − cpu| ≤ 1e-4·|cpu| + 1e-5 elementwise — float32 sums
 * accumulated in different orders; a wrong kernel is off by far more.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { tf } from 'iit-studio';
import { probeBackends, useBackend, withBackend, type BackendName } from '../../server/compute/backends';
import { convProblem, lossAndGrads, mlpProblem, type Problem } from '../../server/compute/measure';

const RTOL = 1e-4;
const ATOL = 1e-5;

const problems: Problem[] = [
  mlpProblem({ batch: 16, input: 20, hidden: 32, classes: 5 }, 11),
  convProblem({ batch: 4, side: 8, filters: [4, 6], classes: 3 }, 12),
];

const reports = await probeBackends();
const available = new Set(reports.filter((r) => r.available).map((r) => r.name));

after(async () => {
  await tf.setBackend('cpu');
});

function close(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    assert.ok(err <= ATOL + RTOL * Math.abs(want[i]!), `${what}[${i}]: ${got[i]} vs cpu ${want[i]} (|diff| ${err})`);
  }
  // A gradient that is all zeros on both sides would prove nothing.
  assert.ok(
    want.some((v) => v !== 0),
    `${what}: cpu gradient is all zeros`,
  );
}

test('reference problems are non-trivial on cpu', async () => {
  for (const p of problems) {
    const ref = await withBackend('cpu', () => lossAndGrads(p));
    assert.ok(Number.isFinite(ref.loss) && ref.loss > 0, `${p.kind} loss ${ref.loss}`);
    assert.deepEqual(Object.keys(ref.grads).sort(), Object.keys(p.params).sort());
  }
});

for (const p of problems) {
  for (const backend of ['wasm', 'webgpu'] as BackendName[]) {
    if (backend === 'wasm' && p.kind === 'conv') continue;
    // wasm is always there; webgpu must be in CI (lavapipe), and elsewhere is checked when an adapter exists.
    const must = backend === 'wasm' || process.env.CI === 'true';
    const skip = !available.has(backend) && !must ? `${backend} not available here` : false;
    test(`${p.kind}: loss and gradients on ${backend} match cpu`, { skip }, async () => {
      const r = reports.find((x) => x.name === backend)!;
      assert.ok(available.has(backend), `${backend} must be available: ${r.reason}`);
      const ref = await withBackend('cpu', () => lossAndGrads(p));
      const got = await withBackend(backend, async () => {
        const out = await lossAndGrads(p);
        // The computation really ran there: tfjs would otherwise silently use whichever backend is active.
        assert.equal(tf.getBackend(), backend);
        return out;
      });
      assert.ok(
        Math.abs(got.loss - ref.loss) <= ATOL + RTOL * Math.abs(ref.loss),
        `loss ${got.loss} vs cpu ${ref.loss}`,
      );
      for (const k of Object.keys(ref.grads)) close(got.grads[k]!, ref.grads[k]!, `${p.kind} grad ${k} on ${backend}`);
    });
  }
}

test('a wrong computation is caught: gradients of a different problem do not match', async () => {
  const a = await withBackend('cpu', () => lossAndGrads(problems[0]!));
  const b = await withBackend('wasm', () =>
    lossAndGrads(mlpProblem({ batch: 16, input: 20, hidden: 32, classes: 5 }, 99)),
  );
  assert.throws(() => close(b.grads.w1!, a.grads.w1!, 'w1'), /w1\[\d+\]/);
  await useBackend('cpu');
});
