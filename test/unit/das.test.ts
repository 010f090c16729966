/**
 * Distributed Alignment Search (DAS) in the engine: rotated and low-rank
 * interventions (server/engine/interventions/), their declaration checks,
 * and align mode (training.freeze: 'network').
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Alignment,
  causalModel,
  crossEntropy,
  evaluate,
  experiment,
  HouseholderBasis,
  interchangeForward,
  mlp,
  network,
  patchSite,
  range,
  Session,
  tf,
  Trainer,
  type AlignmentDecl,
  type Feeds,
  type Network,
  type SubspacePatch,
} from 'iit-studio';

/** X, Y in 0..3; A = X and B = Y share a type; O = (A + B) mod 4. */
const model = causalModel({
  X: { values: range(0, 3) },
  Y: { values: range(0, 3) },
  A: { values: range(0, 3), parents: ['X'], f: ({ X }) => X, type: 'T' },
  B: { values: range(0, 3), parents: ['Y'], f: ({ Y }) => Y, type: 'T' },
  O: { values: range(0, 3), parents: ['A', 'B'], f: ({ A, B }) => (A + B) % 4 },
});

type Small = { X: number; Y: number; A: number; B: number; O: number };

const smallExperiment = (alignment: AlignmentDecl<Small>, training: object = {}) =>
  experiment<Small>({
    name: 'das-small',
    model,
    network: ({ seed }) => mlp({ input: 8, hidden: [8], output: 4, seed }),
    encode: ({ X, Y }) => Array.from({ length: 8 }, (_, i) => (i === X || i === 4 + Y! ? 1 : 0)),
    alignment,
    objectives: { iit: 1 },
    training: { optimizer: { type: 'adam', lr: 0.01 }, batchSize: 32, steps: 20, ...training },
  });

/** A network x[5] → h (tanh, the site, width 6) → logits[4]. */
function tanhNet(seed: number): Network {
  const b = network({ x: [5] }, { seed });
  b.dense('pre', 'x', 6, { activation: 'tanh' });
  b.dense('h', 'pre', 6, { activation: 'tanh' });
  b.dense('logits', 'h', 4);
  return b.build('logits');
}

const rows = (n: number, seed: number) =>
  tf.tensor2d(Array.from({ length: n }, (_, r) => Array.from({ length: 5 }, (_, j) => Math.sin(seed + 3 * r + j))));

const bytes = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).buffer);

function orthogonalityError(q: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(tf.matMul(q, q, true, false), tf.eye(q.shape[1]!)))).dataSync()[0]!);
}

test('declaration: rotate/lowRank keys are checked, offsets follow declaration order, bad alignments are IITErrors', async () => {
  await tf.setBackend('cpu');
  const net = tanhNet(1);
  const code = (decl: object) => {
    try {
      new Alignment(decl, model as never, net).dispose();
      return 'ok';
    } catch (e) {
      return (e as { code: string }).code;
    }
  };
  const al = new Alignment(
    { A: { site: 'h', rotate: { dims: 2 } }, B: { site: 'h', rotate: { dims: 2 } } },
    model as never,
    net,
  );
  assert.deepEqual(al.get('A').coords, [0, 2]);
  assert.deepEqual(al.get('B').coords, [2, 4]);
  assert.deepEqual(al.parameters, ['rotate.h.householder']);
  assert.deepEqual(net.params.get('rotate.h.householder')!.shape, [6, 6]);
  al.dispose();
  const lr = new Alignment(
    { A: { site: 'h', lowRank: { dims: 1 } }, B: { site: 'h', lowRank: { dims: 1, offset: 3 } } },
    model as never,
    net,
  );
  assert.deepEqual(lr.get('B').coords, [3, 4]);
  assert.deepEqual(net.params.get('lowRank.h.householder')!.shape, [4, 6], 'K = 4 reflections of width 6');
  lr.dispose();
  assert.equal(code({ A: { site: 'h', rotate: { dims: 7 } } }), 'slice-out-of-range');
  assert.equal(
    code({ A: { site: 'h', rotate: { dims: 4 } }, B: { site: 'h', rotate: { dims: 3 } } }),
    'slice-out-of-range',
  );
  assert.equal(code({ A: { site: 'h', rotate: { dims: 0 } } }), 'slice-out-of-range');
  assert.equal(code({ A: { site: 'h', slice: [[0, 2]], rotate: { dims: 2 } } }), 'bad-config');
  assert.equal(code({ A: { site: 'h', rotate: { dims: 2 }, lowRank: { dims: 2 } } }), 'bad-config');
  assert.equal(
    code({ A: { site: 'h', rotate: { dims: 3 } }, B: { site: 'h', rotate: { dims: 2, offset: 1 } } }),
    'overlap',
  );
  assert.equal(code({ A: { site: 'h', slice: [[0, 2]] }, B: { site: 'h', rotate: { dims: 2 } } }), 'overlap');
  assert.equal(code({ A: { site: 'h', rotate: { dims: 2 } }, B: { site: 'h', lowRank: { dims: 2 } } }), 'overlap');
  assert.equal(
    code({ A: { site: 'h', rotate: { dims: 1 } }, B: { site: 'h', rotate: { dims: 2 } } }),
    'type-shape-mismatch',
  );
  assert.equal(code({ A: { site: 'h', rotate: { dims: 2, init: 'eye' } } }), 'bad-config');
  net.dispose();

  // Unknown keys inside rotate are declaration errors with a suggestion.
  const typo = smallExperiment({ A: { site: 'h1', rotate: { dimz: 2 } as never } });
  assert.throws(() => typo.resolve(), /alignment\.A\.rotate\.dimz: unknown key; did you mean dims\?/);
  const badFreeze = smallExperiment({ A: { site: 'h1', rotate: { dims: 2 } } }, { freeze: 'all' });
  assert.throws(() => badFreeze.resolve(), /training\.freeze 'all'/);
  // Align mode needs something to train.
  const sliced = smallExperiment({ A: { site: 'h1', slice: [[0, 4]] } }, { freeze: 'network' });
  const s = new Session(sliced, sliced.resolve(), 1);
  assert.throws(() => new Trainer(s, 1), /leaves nothing to train/);
  s.dispose();
});

test('rotated and lowRank swaps at their identity value equal the neuron swap bit for bit', async () => {
  await tf.setBackend('cpu');
  const net = tanhNet(3);
  const neuron = new Alignment(
    { A: { site: 'h', slice: [[0, 2]] }, B: { site: 'h', slice: [[2, 4]] } },
    model as never,
    net,
  );
  const rot = new Alignment(
    {
      A: { site: 'h', rotate: { dims: 2, init: 'identity' } },
      B: { site: 'h', rotate: { dims: 2, init: 'identity' } },
    },
    model as never,
    net,
  );
  const low = new Alignment(
    {
      A: { site: 'h', lowRank: { dims: 2, init: 'identity' } },
      B: { site: 'h', lowRank: { dims: 2, init: 'identity' } },
    },
    model as never,
    net,
  );
  const base = { x: rows(5, 0) };
  const source = { x: rows(5, 7) };
  const all = Int32Array.from({ length: 5 }, (_, i) => i);
  const interventions = [
    [{ from: 'A', to: 'A' }],
    [{ from: 'B', to: 'B' }],
    [{ from: 'A', to: 'B' }],
    [
      { from: 'A', to: 'A' },
      { from: 'B', to: 'B' },
    ],
  ];
  for (const swaps of interventions) {
    const g = [{ swaps, baseRows: all, sourceRows: all }];
    const want = bytes(interchangeForward(net, neuron, base, source, g).groups[0]!);
    for (const al of [rot, low]) {
      assert.ok(bytes(interchangeForward(net, al, base, source, g).groups[0]!).equals(want), JSON.stringify(swaps));
    }
    // The site's patched activations too, not only the output.
    const h = (f: Feeds) => net.run(f, { outputs: ['h'] }).h!;
    const patched = (al: Alignment) => bytes(patchSite(h(base), h(source), al.plan(swaps)[0]!));
    assert.ok(patched(rot).equals(patched(neuron)));
    assert.ok(patched(low).equals(patched(neuron)));
  }
  [neuron, rot, low].forEach((a) => a.dispose());
  net.dispose();
});

/**
 * IIT loss through a rotated alignment at 'h': autodiff gradients of the
 * Householder vectors match central differences, and h's parameters below
 * the site get gradient along both the base's and the source's computation.
 */
test('gradients reach the rotation and, through base and source, the network below the site (finite differences)', async () => {
  await tf.setBackend('cpu');
  const net = tanhNet(5);
  const al = new Alignment(
    { A: { site: 'h', rotate: { dims: 2 } }, B: { site: 'h', rotate: { dims: 2 } } },
    model as never,
    net,
    undefined,
    9,
  );
  const head = { variable: 'O', loss: 'softmax' as const, values: range(0, 3) };
  const base: Feeds = { x: rows(3, 1) };
  const source: Feeds = { x: rows(3, 11) };
  const labels = Int32Array.of(1, 3, 0);
  const group = {
    swaps: [{ from: 'A', to: 'A' }],
    baseRows: Int32Array.of(0, 1, 2),
    sourceRows: Int32Array.of(0, 1, 2),
  };
  const V = net.params.get('rotate.h.householder')!;
  const W = net.params.get('pre.weight')!;
  const loss = () =>
    crossEntropy(head, interchangeForward(net, al, base, source, [group]).groups[0]!, labels) as tf.Scalar;
  const { grads } = tf.variableGrads(loss, [V, W]);
  const gV = grads[V.name]!.dataSync();
  const gW = grads[W.name]!.dataSync();

  const nudge = (v: tf.Variable, idx: number, eps: number) => {
    const d = new Float32Array(v.size);
    d[idx] = eps;
    v.assign(tf.add(v, tf.tensor(d, v.shape)));
  };
  const eps = 1e-2;
  let moved = 0;
  for (let idx = 0; idx < V.size; idx++) {
    const orig = V.clone();
    nudge(V, idx, eps);
    const up = tf.tidy(() => loss().dataSync()[0]!);
    V.assign(orig);
    nudge(V, idx, -eps);
    const down = tf.tidy(() => loss().dataSync()[0]!);
    V.assign(orig);
    orig.dispose();
    const fd = (up - down) / (2 * eps);
    assert.ok(
      Math.abs(gV[idx]! - fd) < 2e-3 + 2e-2 * Math.abs(gV[idx]!),
      `vector entry ${idx}: autodiff ${gV[idx]} vs fd ${fd}`,
    );
    if (Math.abs(fd) > 1e-3) moved++;
  }
  assert.ok(moved >= 6, `the loss depends on the rotation (${moved} entries)`);

  // The loss with pre's weight perturbed in only one of the two computations.
  const lossSplit = (which: 'base' | 'source', idx: number, e: number) =>
    tf.tidy(() => {
      const orig = W.clone();
      const acts = (feeds: Feeds, perturb: boolean) => {
        if (perturb) nudge(W, idx, e);
        const a = net.run(feeds, { outputs: ['h'] }).h!;
        W.assign(orig);
        return a;
      };
      const patched = patchSite(
        acts(base, which === 'base'),
        acts(source, which === 'source'),
        al.plan(group.swaps)[0]!,
      );
      return crossEntropy(head, net.run({}, { known: { h: patched } }).logits!, labels).dataSync()[0]!;
    });
  let both = 0;
  for (let idx = 0; idx < W.size; idx++) {
    const fdBase = (lossSplit('base', idx, eps) - lossSplit('base', idx, -eps)) / (2 * eps);
    const fdSource = (lossSplit('source', idx, eps) - lossSplit('source', idx, -eps)) / (2 * eps);
    assert.ok(
      Math.abs(gW[idx]! - (fdBase + fdSource)) < 2e-3 + 2e-2 * Math.abs(gW[idx]!),
      `weight ${idx}: autodiff ${gW[idx]} vs fd ${fdBase} + ${fdSource}`,
    );
    if (Math.abs(fdBase) > 1e-3 && Math.abs(fdSource) > 1e-3) both++;
  }
  assert.ok(both >= 3, `both paths contribute on several weights (${both})`);
  Object.values(grads).forEach((g) => g?.dispose());
  al.dispose();
  net.dispose();
});

test('align mode: 500 steps keep R orthogonal, train only the rotation, and leave the network bit for bit', async () => {
  await tf.setBackend('cpu');
  for (const kind of ['rotate', 'lowRank'] as const) {
    const exp = smallExperiment(
      { A: { site: 'h1', [kind]: { dims: 2 } }, B: { site: 'h1', [kind]: { dims: 2 } } },
      { freeze: 'network', steps: 500 },
    );
    const session = new Session(exp, exp.resolve(), 2);
    const trainer = new Trainer(session, 2);
    try {
      const name = `${kind}.h1.householder`;
      assert.deepEqual([...trainer.trainable.keys()], [name]);
      const before = await session.net.getParameters();
      const t0 = performance.now();
      const first = await trainer.trainStep();
      let last = first;
      while (trainer.step < 500) last = await trainer.trainStep();
      const after = await session.net.getParameters();
      for (const [p, v] of Object.entries(before)) {
        const same = Buffer.from(Float32Array.from(v.values).buffer).equals(
          Buffer.from(Float32Array.from(after[p]!.values).buffer),
        );
        if (p === name) assert.ok(!same, 'the rotation is trained');
        else assert.ok(same, `${p} is unchanged`);
      }
      const plan = session.alignment.plan([{ from: 'A', to: 'A' }])[0] as SubspacePatch;
      const err = tf.tidy(() => orthogonalityError(plan.basis.matrix()));
      console.log(
        `${kind}: 500 align-mode steps in ${((performance.now() - t0) / 1000).toFixed(1)} s, IIT loss ${first.iit!.toFixed(3)} → ${last.iit!.toFixed(3)}, ‖QᵀQ − I‖∞ = ${err.toExponential(2)}`,
      );
      assert.ok(err < 1e-5, `‖QᵀQ − I‖∞ = ${err}`);
      assert.equal(plan.basis.matrix().shape.join(), kind === 'rotate' ? '8,8' : '8,4');
    } finally {
      trainer.dispose();
      session.dispose();
    }
  }
  // A product of reflections is orthogonal however large its vectors grow.
  const big = tf.variable(tf.mul(tf.randomNormal([16, 16], 0, 1, 'float32', 3), 1e3));
  assert.ok(orthogonalityError(new HouseholderBasis(big, 16).matrix()) < 1e-5);
  big.dispose();
});

test('saving and reloading the parameters (rotation included) reproduces IIA exactly', async () => {
  await tf.setBackend('cpu');
  const exp = smallExperiment(
    { A: { site: 'h1', rotate: { dims: 3 } }, B: { site: 'h1', rotate: { dims: 3 } } },
    { steps: 30 },
  );
  const config = exp.resolve();
  const a = new Session(exp, config, 4);
  const trainer = new Trainer(a, 4);
  while (trainer.step < 30) await trainer.trainStep();
  const saved = JSON.parse(JSON.stringify(await a.net.getParameters())) as Awaited<
    ReturnType<Network['getParameters']>
  >;
  assert.ok('rotate.h1.householder' in saved);
  const m1 = await evaluate(a, { seed: 1 });
  trainer.dispose();
  a.dispose();
  // Another seed: another network and rotation, until the saved values are loaded.
  const b = new Session(exp, config, 5);
  const fresh = await evaluate(b, { seed: 1 });
  b.net.setParameters(saved);
  const m2 = await evaluate(b, { seed: 1 });
  b.dispose();
  console.log(
    `IIA after 30 steps ${m1.train!.iia.overall}, fresh ${fresh.train!.iia.overall}, reloaded ${m2.train!.iia.overall}`,
  );
  assert.deepEqual(m2.train!.iia, m1.train!.iia);
  assert.equal(m2.train!.behavioral, m1.train!.behavioral);
});

test('boundless: the boundary moves, the temperature follows its schedule, R stays orthogonal; reloads exactly', async () => {
  await tf.setBackend('cpu');
  const steps = 60;
  const exp = smallExperiment(
    {
      A: { site: 'h1', boundless: { dims: 2, temperature: { from: 10, to: 0.5 } } },
      B: { site: 'h1', boundless: { dims: 2, temperature: { from: 10, to: 0.5 } } },
    },
    { freeze: 'network', steps, optimizer: { type: 'adam', lr: 0.05 } },
  );
  const session = new Session(exp, exp.resolve(), 3);
  const trainer = new Trainer(session, 3);
  try {
    assert.deepEqual([...trainer.trainable.keys()].sort(), ['boundless.h1.bounds', 'boundless.h1.householder']);
    const bounds = () => Array.from(session.net.params.get('boundless.h1.bounds')!.dataSync());
    const temperature = () => session.net.buffers.get('boundless.h1.temperature')!.dataSync()[0]!;
    assert.deepEqual(bounds(), [0, 2, 2, 4], 'the ends start at the declared ranges');
    assert.equal(temperature(), 10);
    const seen: number[] = [];
    while (trainer.step < steps) {
      await trainer.trainStep();
      seen.push(temperature());
    }
    // Linear from `from` at the first step to `to` at the last.
    seen.forEach((t, i) => assert.ok(Math.abs(t - (10 + (0.5 - 10) * (i / (steps - 1)))) < 1e-5, `step ${i}: ${t}`));
    const moved = bounds().map((b, i) => Math.abs(b - [0, 2, 2, 4][i]!));
    assert.ok(Math.max(...moved) > 1e-3, `the boundary moves (${bounds().map((b) => b.toFixed(3))})`);
    const plan = session.alignment.plan([{ from: 'A', to: 'A' }])[0]!;
    assert.equal(plan.kind, 'boundless');
    assert.ok(tf.tidy(() => orthogonalityError((plan as { basis: HouseholderBasis }).basis.matrix())) < 1e-5);
    // Typed swaps are refused: two learned ranges need not be of one size.
    assert.throws(() => session.alignment.plan([{ from: 'A', to: 'B' }]), /boundless ranges are learned/);

    // The temperature is a buffer: saved with the weights, so a reloaded run evaluates as it ended.
    const saved = JSON.parse(JSON.stringify(await session.net.getParameters())) as Awaited<
      ReturnType<Network['getParameters']>
    >;
    assert.equal(saved['boundless.h1.temperature']!.values[0], seen.at(-1));
    const m1 = await evaluate(session, { seed: 1 });
    const other = new Session(exp, exp.resolve(), 9);
    other.net.setParameters(saved);
    const m2 = await evaluate(other, { seed: 1 });
    other.dispose();
    assert.deepEqual(m2.train!.iia, m1.train!.iia);
  } finally {
    trainer.dispose();
    session.dispose();
  }
});

test('mask: a learned sigmoid mask over neurons trains alone in align mode and anneals', async () => {
  await tf.setBackend('cpu');
  const exp = smallExperiment(
    { A: { site: 'h1', mask: {} }, B: { site: 'h1', mask: { temperature: {} } } },
    { freeze: 'network', steps: 30, optimizer: { type: 'adam', lr: 0.1 } },
  );
  const session = new Session(exp, exp.resolve(), 3);
  const trainer = new Trainer(session, 3);
  try {
    assert.deepEqual([...trainer.trainable.keys()], ['mask.h1.logits']);
    const logits = session.net.params.get('mask.h1.logits')!;
    assert.deepEqual(logits.shape, [2, 8]);
    while (trainer.step < 30) await trainer.trainStep();
    assert.ok(Math.max(...Array.from(logits.dataSync()).map(Math.abs)) > 1e-3, 'the mask logits move');
    assert.ok(Math.abs(session.net.buffers.get('mask.h1.temperature')!.dataSync()[0]! - 0.1) < 1e-6);
    assert.throws(() => session.alignment.plan([{ from: 'B', to: 'A' }]), /learned masks need not be of one size/);
  } finally {
    trainer.dispose();
    session.dispose();
  }
  // A mask with a bad temperature is an alignment error on the declaration.
  const bad = smallExperiment({ A: { site: 'h1', mask: { temperature: { to: 0 } } } });
  assert.throws(() => new Session(bad, bad.resolve(), 0), /temperature\.to = 0/);
});

test('the debugger shows a rotated swap in the learned basis: the swapped coordinates are the source’s, the rest the base’s', async () => {
  await tf.setBackend('cpu');
  const { computeTrace } = await import('../../server/debug/trace');
  const exp = smallExperiment({ A: { site: 'h1', rotate: { dims: 3 } }, B: { site: 'h1', rotate: { dims: 3 } } });
  const session = new Session(exp, exp.resolve(), 6);
  try {
    const t = await computeTrace(session, { input: { X: 1, Y: 2 } }, { input: { X: 3, Y: 0 } }, [
      { from: 'A', to: 'A' },
    ]);
    assert.ok(t.rotated, 'a learned basis is shown');
    assert.deepEqual(t.rotated.coords, [[0, 3]]);
    const { before, after, source } = t.rotated;
    assert.equal(after.values.length, 8);
    after.values.forEach((x, i) => {
      const want = i < 3 ? source.values[i]! : before.values[i]!;
      assert.ok(Math.abs(x - want) < 1e-5, `coordinate ${i}: ${x} vs ${want}`);
    });
    // The neuron basis moves everywhere (a rotation mixes every neuron), unlike a neuron-block swap.
    assert.ok(t.siteAfter.values.some((x, i) => Math.abs(x - t.siteBefore.values[i]!) > 1e-6));
  } finally {
    session.dispose();
  }
});
