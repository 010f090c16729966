/**
 * Convolutional networks for MNIST-PVR: ResNet-18 (torchvision's layout) runs
 * IIT steps on the best backend that has its kernels, its first max-pool is
 * 14×14×64 for 56×56 input and each 7×7 quadrant depends on its own input
 * quadrant; the quick quadrant network's stem is a true stride-p convolution,
 * it is quadrant-local (so is each slot of its per-quadrant encoder), and wasm
 * has every kernel it needs for training.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  causalModel,
  experiment,
  range,
  resnet18,
  quadrantNet,
  patchEmbed,
  network,
  Session,
  Trainer,
  tf,
  type Network,
} from 'iit-studio';
import { quadrantAlignment, quadrantSlots } from 'iit-studio/pvr';
import { missingKernels, useBackend } from '../../server/compute/backends';
import { kernelsNeeded } from '../../server/app/backend';

after(async () => {
  await tf.setBackend('cpu');
});

/** A four-quadrant model whose inputs are small integers, encoded as constant-valued quadrants. */
function tinyPvr(net: (seed: number) => Network, site: string, side: number, input = 56) {
  const cls = range(0, 9);
  const model = causalModel({
    ITL: { values: cls },
    ITR: { values: cls },
    IBL: { values: cls },
    IBR: { values: cls },
    YTL: { values: cls, parents: ['ITL'], f: ({ ITL }) => ITL, type: 'Y' },
    YTR: { values: cls, parents: ['ITR'], f: ({ ITR }) => ITR, type: 'Y' },
    YBL: { values: cls, parents: ['IBL'], f: ({ IBL }) => IBL, type: 'Y' },
    YBR: { values: cls, parents: ['IBR'], f: ({ IBR }) => IBR, type: 'Y' },
    O: {
      values: cls,
      parents: ['YTL', 'YTR', 'YBL', 'YBR'],
      f: (y) => (y.YTL <= 3 ? y.YTR : y.YTL <= 6 ? y.YBL : y.YBR),
    },
  });
  const inputs = [0, 1, 2, 3].map((k) => ({ ITL: k, ITR: (3 * k + 1) % 10, IBL: (7 * k + 2) % 10, IBR: (k + 5) % 10 }));
  return experiment({
    model,
    network: ({ seed }) => net(seed),
    encode: (x) => {
      const px = new Float32Array(input * input);
      const vals = [x.ITL!, x.ITR!, x.IBL!, x.IBR!];
      const h = input / 2;
      for (let r = 0; r < input; r++)
        for (let c = 0; c < input; c++) px[r * input + c] = vals[(r >= h ? 2 : 0) + (c >= h ? 1 : 0)]! / 10;
      return px;
    },
    data: { train: inputs },
    alignment: quadrantAlignment(site, side) as never,
    objectives: { task: 1, typedIit: 1 },
    training: { batchSize: 2, steps: 2, pairs: 'sample', optimizer: { type: 'sgd', lr: 0.01 } },
  });
}

/** Max |Δ| of each 7×7 (or h×h) quadrant of `site` when one input quadrant's pixels change. */
function quadrantResponse(net: Network, site: string, changed: number): number[] {
  return tf.tidy(() => {
    const x = tf.randomUniform([1, 56, 56, 1], 0, 1, 'float32', 3);
    const r0 = (changed >> 1) * 28;
    const c0 = (changed & 1) * 28;
    // Perturb the quadrant's interior (6 px from its edges): ResNet's max-pool quadrants see up to 5 px across the midline.
    const mask = tf.buffer([1, 56, 56, 1]);
    for (let r = r0 + 6; r < r0 + 22; r++) for (let c = c0 + 6; c < c0 + 22; c++) mask.set(1, 0, r, c, 0);
    const y = tf.add(x, tf.mul(mask.toTensor(), 0.5));
    const a = net.run({ x }, { outputs: [site] })[site]!;
    const b = net.run({ x: y }, { outputs: [site] })[site]!;
    const d = tf.abs(tf.sub(a, b)).arraySync() as number[][][][];
    const h = d[0]!.length / 2;
    return [0, 1, 2, 3].map((q) => {
      let m = 0;
      for (let r = 0; r < h; r++)
        for (let c = 0; c < h; c++) for (const v of d[0]![(q >> 1) * h + r]![(q & 1) * h + c]!) m = Math.max(m, v);
      return m;
    });
  });
}

test('ResNet-18: torchvision shapes for 56×56×1, first max-pool 14×14×64, 11.2M parameters', async () => {
  await tf.setBackend('cpu');
  const net = resnet18({ classes: 10, seed: 1 });
  try {
    assert.deepEqual(net.siteShape('conv1'), [28, 28, 64]);
    assert.deepEqual(net.siteShape('maxpool'), [14, 14, 64]);
    assert.deepEqual(net.siteShape('layer1.1'), [14, 14, 64]);
    assert.deepEqual(net.siteShape('layer2.0'), [7, 7, 128]);
    assert.deepEqual(net.siteShape('layer3.0'), [4, 4, 256]);
    assert.deepEqual(net.siteShape('layer4.1'), [2, 2, 512]);
    assert.deepEqual(net.siteShape('fc'), [10]);
    // torchvision's resnet18 with a 1-channel conv1 and 10 classes: 11,175,370 trainable parameters.
    const count = [...net.params.values()].reduce((n, v) => n + v.size, 0);
    assert.equal(count, 11_175_370);
    // Each max-pool quadrant responds to its own input quadrant and to no other.
    for (let q = 0; q < 4; q++) {
      const resp = quadrantResponse(net, 'maxpool', q);
      resp.forEach((m, k) =>
        k === q
          ? assert.ok(m > 1e-3, `quadrant ${k} ignores input quadrant ${q}`)
          : assert.equal(m, 0, `quadrant ${k} sees input quadrant ${q}`),
      );
    }
  } finally {
    net.dispose();
  }
});

test('ResNet-18: two typed-IIT steps end to end (16×16 grid), aligned to the max-pool quadrants', async () => {
  // ResNet-18's layers and parameters on a 16×16 grid (max-pool 4×4×64): the 56×56 steps take minutes on cpu.
  const exp = tinyPvr((seed) => resnet18({ classes: 10, seed, input: [16, 16, 1] }), 'maxpool', 4, 16);
  const cfg = exp.resolve();
  const kernels = await kernelsNeeded(exp, cfg, 0);
  assert.ok(kernels.includes('Conv2DBackpropFilter') && kernels.includes('MaxPoolGrad'), kernels.join(','));
  // wasm cannot train convolutions, so auto never picks it for ResNet-18.
  assert.ok((await missingKernels('wasm', kernels)).includes('Conv2DBackpropFilter'));
  // The steps run on cpu: on lavapipe (the best conv backend without a GPU) two 56×56 steps took 729 s on this
  // loaded 2-core machine; IIT_RESNET_BACKEND=auto runs them on a GPU machine's best backend.
  await useBackend(process.env.IIT_RESNET_BACKEND ?? 'cpu', { requiredKernels: kernels });
  const session = new Session(exp, cfg, 0);
  try {
    const a = session.alignment;
    assert.deepEqual(session.net.siteShape('maxpool'), [4, 4, 64]);
    assert.deepEqual(a.get('YTL').ranges, [
      [0, 2],
      [0, 2],
      [0, 64],
    ]);
    assert.deepEqual(a.get('YTR').ranges, [
      [0, 2],
      [2, 4],
      [0, 64],
    ]);
    assert.deepEqual(a.get('YBL').ranges, [
      [2, 4],
      [0, 2],
      [0, 64],
    ]);
    assert.deepEqual(a.get('YBR').ranges, [
      [2, 4],
      [2, 4],
      [0, 64],
    ]);
    const out = session.net.forward(session.split('train').features(Int32Array.of(0, 1)));
    assert.deepEqual(out.shape, [2, 10]);
    out.dispose();
    const trainer = new Trainer(session, 0);
    const before = await session.net.params.get('conv1.conv.weight')!.data();
    const l1 = await trainer.trainStep();
    const l2 = await trainer.trainStep();
    for (const l of [l1, l2]) assert.ok(Number.isFinite(l.total) && l.total > 0 && l.typedIit! > 0, JSON.stringify(l));
    const after_ = await session.net.params.get('conv1.conv.weight')!.data();
    assert.ok(
      after_.some((v, i) => v !== before[i]),
      'conv1 did not move',
    );
    // Batch norm's running statistics moved off their initial values while training.
    const rm = await session.net.buffers.get('conv1.bn.running_mean')!.data();
    assert.ok(rm.some((v) => v !== 0));
    trainer.dispose();
  } finally {
    session.dispose();
    await tf.setBackend('cpu');
  }
});

test('patchEmbed equals a stride-p convolution with the same weights', async () => {
  await tf.setBackend('cpu');
  const b = network({ x: [8, 12, 2] }, { seed: 4 });
  patchEmbed(b, 'p', 'x', { patch: 4, channels: 3 });
  const net = b.build('p');
  try {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 8, 12, 2], 0, 1, 'float32', 9);
      const got = net.forward({ x });
      const w = tf.reshape(net.params.get('p.weight')!, [4, 4, 2, 3]) as tf.Tensor4D;
      const want = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, w, 4, 'valid'), net.params.get('p.bias')!));
      assert.deepEqual(got.shape, [2, 2, 3, 3]);
      const err = tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]!;
      assert.ok(err < 1e-5, `max |diff| ${err}`);
      assert.ok(tf.max(want).dataSync()[0]! > 0);
    });
  } finally {
    net.dispose();
  }
});

test('quadrantNet: stem quadrants are local to their input quadrants, and wasm has every kernel to train it', async () => {
  await tf.setBackend('cpu');
  const net = quadrantNet({ classes: 10, seed: 2 });
  try {
    assert.deepEqual(net.siteShape('stem'), [14, 14, 16]);
    assert.deepEqual(net.siteShape('logits'), [10]);
    for (let q = 0; q < 4; q++) {
      const resp = quadrantResponse(net, 'stem', q);
      resp.forEach((m, k) => (k === q ? assert.ok(m > 1e-3) : assert.equal(m, 0)));
    }
  } finally {
    net.dispose();
  }
  const exp = tinyPvr((seed) => quadrantNet({ classes: 10, seed }), 'stem', 14);
  const kernels = await kernelsNeeded(exp, exp.resolve(), 0);
  assert.deepEqual(await missingKernels('wasm', kernels), []);
  const sel = await useBackend('auto', { requiredKernels: kernels });
  assert.equal(sel.name, 'wasm');
  await tf.setBackend('cpu');
});

test('quadrantNet: quad1[w] (quadrantSlots) responds to input quadrant w only; the slots align four typed variables', async () => {
  await tf.setBackend('cpu');
  const net = quadrantNet({ classes: 10, seed: 4 });
  try {
    assert.deepEqual(net.siteShape('quad1'), [4, 128]);
    const x = tf.randomUniform([1, 56, 56, 1], 0, 1, 'float32', 5);
    for (let q = 0; q < 4; q++) {
      const r0 = (q >> 1) * 28;
      const c0 = (q & 1) * 28;
      const mask = tf.buffer([1, 56, 56, 1]);
      for (let r = r0; r < r0 + 28; r++) for (let c = c0; c < c0 + 28; c++) mask.set(1, 0, r, c, 0);
      const y = tf.add(x, tf.mul(mask.toTensor(), 0.5));
      const a = net.run({ x }, { outputs: ['quad1'] }).quad1!.arraySync() as number[][][];
      const b = net.run({ x: y }, { outputs: ['quad1'] }).quad1!.arraySync() as number[][][];
      for (let k = 0; k < 4; k++) {
        const d = Math.max(...a[0]![k]!.map((v, i) => Math.abs(v - b[0]![k]![i]!)));
        if (k === q) assert.ok(d > 1e-3, `slot ${k} ignores input quadrant ${q}`);
        else assert.equal(d, 0, `slot ${k} sees input quadrant ${q}`);
      }
    }
  } finally {
    net.dispose();
  }
  // The alignment validates against the network: four 128-neuron blocks of one type.
  const exp = tinyPvr((seed) => quadrantNet({ classes: 10, seed }), 'stem', 14);
  const slots = experiment({ ...exp.decl, alignment: quadrantSlots('quad1') as never });
  const s = new Session(slots, slots.resolve(), 0);
  try {
    assert.deepEqual(
      s.alignment.variables.map((v) => s.alignment.entries.get(v)!.shape),
      [
        [1, 128],
        [1, 128],
        [1, 128],
        [1, 128],
      ],
    );
    assert.equal(s.interventions('typed').length, 16);
  } finally {
    s.dispose();
  }
});
