/**
 * The fused Adam/AdamW update (one pass over the concatenated parameters)
 * gives bit-identical parameters to the per-parameter update, on cpu and
 * wasm; its state round-trips through getState/setState per parameter name;
 * and it leaves no tensors behind.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Optimizer, Rng, tf, type OptimizerDecl } from 'iit-studio';
import { withBackend } from '../../server/compute/backends';

after(async () => {
  await tf.setBackend('cpu');
});

const SHAPES: Record<string, number[]> = { 'l1.weight': [5, 3], 'l1.bias': [3], 'l2.weight': [3, 2], 'l2.bias': [2] };

function params(seed: number): Map<string, tf.Variable> {
  const rng = new Rng(seed);
  return new Map(
    Object.entries(SHAPES).map(([n, shape]) => [
      n,
      tf.variable(
        tf.tensor(
          Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
          shape,
        ),
        true,
        `${n}-${seed}-${Math.random()}`,
      ),
    ]),
  );
}

function grads(step: number): Record<string, tf.Tensor> {
  const rng = new Rng(100 + step);
  return Object.fromEntries(
    Object.entries(SHAPES).map(([n, shape]) => [
      n,
      tf.tensor(
        Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
        shape,
      ),
    ]),
  );
}

async function values(p: Map<string, tf.Variable>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [n, v] of p) out[n] = Array.from(await v.data());
  return out;
}

const DECLS: OptimizerDecl[] = [
  { type: 'adam', lr: 0.01 },
  { type: 'adam', lr: 0.01, weightDecay: 0.1 },
  { type: 'adamw', lr: 0.01 },
];

for (const backend of ['cpu', 'wasm'] as const) {
  for (const decl of DECLS) {
    test(`${backend}: fused ${decl.type}${decl.weightDecay ? ' + weight decay' : ''} equals the per-parameter update exactly`, async () => {
      await withBackend(backend, async () => {
        const fusedParams = params(1);
        const eachParams = params(1);
        const fused = new Optimizer(decl, { type: 'step', every: 2, gamma: 0.5 }, fusedParams);
        // One optimizer per parameter: each takes the per-parameter path.
        const each = [...eachParams].map(
          ([n, v]) => [n, new Optimizer(decl, { type: 'step', every: 2, gamma: 0.5 }, new Map([[n, v]]))] as const,
        );
        const before = await values(fusedParams);
        for (let step = 0; step < 5; step++) {
          const g = grads(step);
          fused.apply(g);
          for (const [n, o] of each) o.apply({ [n]: g[n]! });
          Object.values(g).forEach((t) => t.dispose());
        }
        const got = await values(fusedParams);
        assert.deepEqual(got, await values(eachParams));
        assert.notDeepEqual(got, before, 'the parameters moved');
        fused.dispose();
        each.forEach(([, o]) => o.dispose());
        [...fusedParams.values(), ...eachParams.values()].forEach((v) => v.dispose());
      });
    });
  }
}

test('fused Adam state resumes exactly through getState/setState, per parameter name', async () => {
  const decl: OptimizerDecl = { type: 'adam', lr: 0.05 };
  const a = params(2);
  const b = params(2);
  const oa = new Optimizer(decl, undefined, a);
  for (let step = 0; step < 3; step++) {
    const g = grads(step);
    oa.apply(g);
    Object.values(g).forEach((t) => t.dispose());
  }
  const state = JSON.parse(JSON.stringify(await oa.getState())) as Awaited<ReturnType<Optimizer['getState']>>;
  assert.deepEqual(Object.keys(state.slots).sort(), Object.keys(SHAPES).sort());
  for (const [n, shape] of Object.entries(SHAPES)) {
    assert.equal(state.slots[n]!.length, 2, `${n}: m and s`);
    assert.deepEqual(state.slots[n]![0]!.shape, shape);
    assert.ok(
      state.slots[n]![1]!.values.some((x) => x > 0),
      `${n}: second moment filled`,
    );
  }
  // b takes a's parameters and optimizer state, then both continue.
  for (const [n, v] of b) v.assign(a.get(n)!);
  const ob = new Optimizer(decl, undefined, b);
  ob.setState(state);
  for (let step = 3; step < 6; step++) {
    const g = grads(step);
    oa.apply(g);
    ob.apply(g);
    Object.values(g).forEach((t) => t.dispose());
  }
  assert.deepEqual(await values(b), await values(a));
  assert.equal(ob.step, oa.step);
  oa.dispose();
  ob.dispose();
  [...a.values(), ...b.values()].forEach((v) => v.dispose());
});

test('fused Adam keeps the tensor count flat across steps and frees everything on dispose', async () => {
  const p = params(3);
  const start = tf.memory().numTensors;
  const o = new Optimizer({ type: 'adamw', lr: 0.01 }, undefined, p);
  const counts: number[] = [];
  for (let step = 0; step < 6; step++) {
    const g = grads(step);
    o.apply(g);
    Object.values(g).forEach((t) => t.dispose());
    counts.push(tf.memory().numTensors);
  }
  assert.equal(new Set(counts).size, 1, `tensor counts ${counts.join(', ')}`);
  o.dispose();
  assert.equal(tf.memory().numTensors, start);
  [...p.values()].forEach((v) => v.dispose());
});

test('a step over fewer parameters falls back to per-parameter slots without losing the moments', async () => {
  const decl: OptimizerDecl = { type: 'adam', lr: 0.02 };
  const a = params(4);
  const b = params(4);
  const oa = new Optimizer(decl, undefined, a);
  const each = [...b].map(([n, v]) => [n, new Optimizer(decl, undefined, new Map([[n, v]]))] as const);
  for (let step = 0; step < 4; step++) {
    const g = grads(step);
    // Step 2 updates only the weights (as when some gradients are absent).
    const only = step === 2 ? Object.fromEntries(Object.entries(g).filter(([n]) => n.endsWith('weight'))) : g;
    oa.apply(only);
    for (const [n, o] of each) if (only[n]) o.apply({ [n]: only[n] });
    Object.values(g).forEach((t) => t.dispose());
  }
  // The weights saw every step in both (the biases' per-parameter optimizers counted one step fewer).
  const [va, vb] = [await values(a), await values(b)];
  for (const n of ['l1.weight', 'l2.weight']) assert.deepEqual(va[n], vb[n], n);
  oa.dispose();
  each.forEach(([, o]) => o.dispose());
  [...a.values(), ...b.values()].forEach((v) => v.dispose());
});
