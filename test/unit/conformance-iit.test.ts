/**
 * Backend conformance of the whole IIT step: forward on base and source,
 * patched forward, task + IIT loss, gradients and one Adam step give the same
 * numbers on cpu, wasm and webgpu (lavapipe in CI), for an MLP and for a
 * small CNN with typed quadrant swaps (wasm lacks Conv2DBackpropFilter, so it
 * sits the CNN out). Tolerance: 1e-4 relative + 1e-5 absolute (float32 sums in
 * different orders).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Alignment,
  causalModel,
  crossEntropy,
  interchangeForward,
  mlp,
  network,
  Optimizer,
  range,
  Rng,
  tf,
  type Network,
  type PairGroup,
} from 'iit-studio';
import { probeBackends, useBackend } from '../../server/compute/backends';

const RTOL = 1e-4;
const ATOL = 1e-5;

const model = () =>
  causalModel({
    A: { values: range(0, 1) },
    B: { values: range(0, 1) },
    C: { values: range(0, 1) },
    D: { values: range(0, 1) },
    YA: { values: range(0, 1), parents: ['A'], f: ({ A }) => A, type: 'Y' },
    YB: { values: range(0, 1), parents: ['B'], f: ({ B }) => B, type: 'Y' },
    YC: { values: range(0, 1), parents: ['C'], f: ({ C }) => C, type: 'Y' },
    YD: { values: range(0, 1), parents: ['D'], f: ({ D }) => D, type: 'Y' },
    O: { values: range(0, 1), parents: ['YA', 'YB', 'YC', 'YD'], f: ({ YA, YB, YC, YD }) => (YA + YB + YC + YD) % 2 },
  });

interface Case {
  name: string;
  inputShape: number[];
  build: () => Network;
  alignment: object;
  kernels: string[];
}

const cases: Case[] = [
  {
    name: 'mlp',
    inputShape: [16],
    build: () => mlp({ input: 16, hidden: [16, 16], output: 2, seed: 7 }),
    alignment: {
      YA: { site: 'h1', slice: [[0, 4]] },
      YB: { site: 'h1', slice: [[4, 8]] },
      YC: { site: 'h1', slice: [[8, 12]] },
      YD: { site: 'h1', slice: [[12, 16]] },
    },
    kernels: [],
  },
  {
    name: 'cnn',
    inputShape: [8, 8, 1],
    build: () => {
      const b = network({ x: [8, 8, 1] }, { seed: 7 });
      const k1 = b.param('conv1', [3, 3, 1, 4], 'he');
      const k2 = b.param('conv2', [3, 3, 4, 4], 'he');
      b.stage('pool', 'x', ([x]) =>
        tf.maxPool(tf.relu(tf.conv2d(x as tf.Tensor4D, k1 as tf.Tensor4D, 1, 'same')), 2, 2, 'valid'),
      );
      b.stage('conv', 'pool', ([x]) => tf.relu(tf.conv2d(x as tf.Tensor4D, k2 as tf.Tensor4D, 1, 'same')));
      b.dense('logits', 'conv', 2);
      return b.build('logits');
    },
    // Four 2×2 quadrants of the 4×4 pooled map, all channels: one type.
    alignment: {
      YA: {
        site: 'pool',
        slice: [
          [0, 2],
          [0, 2],
        ],
      },
      YB: {
        site: 'pool',
        slice: [
          [0, 2],
          [2, 4],
        ],
      },
      YC: {
        site: 'pool',
        slice: [
          [2, 4],
          [0, 2],
        ],
      },
      YD: {
        site: 'pool',
        slice: [
          [2, 4],
          [2, 4],
        ],
      },
    },
    kernels: ['Conv2DBackpropFilter'],
  },
];

const head = { variable: 'O', loss: 'softmax' as const, values: range(0, 1) };

/** One IIT step with typed swaps; returns the loss, the gradients and the parameters after the step. */
async function step(
  c: Case,
): Promise<{ loss: number; grads: Record<string, Float32Array>; after: Record<string, Float32Array> }> {
  const net = c.build();
  const al = new Alignment(c.alignment as never, model() as never, net);
  const rng = new Rng(3);
  const B = 8;
  const n = c.inputShape.reduce((a, b) => a * b, 1);
  const x = (seed: number) =>
    tf.tensor(
      Float32Array.from({ length: B * n }, () => rng.normal() + seed * 0),
      [B, ...c.inputShape],
    );
  const base = { x: x(0) };
  const source = { x: x(1) };
  const rows = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
  const groups: PairGroup[] = [
    { swaps: [{ from: 'YA', to: 'YA' }], baseRows: rows(0, 4), sourceRows: rows(0, 4) },
    { swaps: [{ from: 'YB', to: 'YD' }], baseRows: rows(4, 8), sourceRows: rows(4, 8) },
  ];
  const yTask = Int32Array.from({ length: B }, () => rng.int(2));
  const yCf = Int32Array.from({ length: B }, () => rng.int(2));
  const names = new Map([...net.params].map(([k, v]) => [v.name, k]));
  const { value, grads } = tf.variableGrads(() => {
    const r = interchangeForward(net, al, base, source, groups, { withBase: true, training: true });
    return tf.add(crossEntropy(head, r.base!, yTask), crossEntropy(head, tf.concat(r.groups, 0), yCf)) as tf.Scalar;
  }, net.trainableVariables());
  const named = Object.fromEntries(Object.entries(grads).map(([k, g]) => [names.get(k)!, g]));
  // Asynchronous reads: webgpu in Node cannot read synchronously.
  const out = {
    loss: (await value.data())[0]!,
    grads: {} as Record<string, Float32Array>,
    after: {} as Record<string, Float32Array>,
  };
  for (const [k, g] of Object.entries(named)) out.grads[k] = (await g.data()) as Float32Array;
  const opt = new Optimizer({ type: 'adam', lr: 1e-2 }, undefined, net.params);
  opt.apply(named);
  for (const [k, v] of net.params) out.after[k] = (await v.data()) as Float32Array;
  opt.dispose();
  al.dispose();
  net.dispose();
  return out;
}

function close(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i]! - b[i]!) <= ATOL + RTOL * Math.abs(b[i]!), `${what}[${i}]: ${a[i]} vs cpu ${b[i]}`);
  }
}

const reports = await probeBackends();
const available = new Set(reports.filter((r) => r.available).map((r) => r.name));

for (const c of cases) {
  for (const backend of ['wasm', 'webgpu'] as const) {
    // wasm has no Conv2DBackpropFilter: it cannot train the CNN, so there is nothing to compare.
    if (backend === 'wasm' && c.kernels.length > 0) continue;
    const must = backend === 'wasm' || process.env.CI === 'true';
    test(
      `IIT step on ${backend} matches cpu: ${c.name}`,
      { skip: !available.has(backend) && !must ? `${backend} not available here` : false },
      async () => {
        assert.ok(
          available.has(backend),
          `${backend} must be available (${reports.find((r) => r.name === backend)?.reason})`,
        );
        await useBackend('cpu');
        const ref = await step(c);
        await useBackend(backend);
        const got = await step(c);
        await useBackend('cpu');
        assert.ok(
          Math.abs(got.loss - ref.loss) <= ATOL + RTOL * Math.abs(ref.loss),
          `loss ${got.loss} vs cpu ${ref.loss}`,
        );
        for (const k of Object.keys(ref.grads)) close(got.grads[k]!, ref.grads[k]!, `grad ${k}`);
        for (const k of Object.keys(ref.after)) close(got.after[k]!, ref.after[k]!, `param ${k} after Adam`);
      },
    );
  }
}
