import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Alignment,
  causalModel,
  crossEntropy,
  interchangeForward,
  network,
  patchSite,
  range,
  tf,
  type Feeds,
  type Network,
} from 'iit-studio';

const model = () =>
  causalModel({
    X: { values: range(0, 3) },
    A: { values: range(0, 3), parents: ['X'], f: ({ X }) => X, type: 'T' },
    B: { values: range(0, 3), parents: ['X'], f: ({ X }) => 3 - X, type: 'T' },
    O: { values: range(0, 3), parents: ['A', 'B'], f: ({ A, B }) => (A + B) % 4 },
  });

test('a typed interchange moves exactly the source block of V into the base block of V′', async () => {
  await tf.setBackend('cpu');
  // Site 's' is the input reshaped to [2, 2, 3]; the network's output is the site itself.
  const b = network({ x: [12] });
  b.stage('s', 'x', ([x]) => tf.reshape(x!, [-1, 2, 2, 3]));
  b.stage('out', 's', ([s]) => tf.reshape(s!, [-1, 12]));
  const net = b.build('out');
  const al = new Alignment(
    {
      A: {
        site: 's',
        slice: [
          [0, 1],
          [0, 1],
        ],
      },
      B: {
        site: 's',
        slice: [
          [1, 2],
          [1, 2],
        ],
      },
    },
    model() as never,
    net,
  );
  const base = tf.tensor2d([Array.from({ length: 12 }, (_, i) => i)]);
  const source = tf.tensor2d([Array.from({ length: 12 }, (_, i) => 100 + i)]);
  const run = (swaps: { from: string; to: string }[]) =>
    Array.from(
      interchangeForward(net, al, { x: base }, { x: source }, [
        { swaps, baseRows: Int32Array.of(0), sourceRows: Int32Array.of(0) },
      ]).groups[0]!.dataSync(),
    );
  // A = s[0,0,:] = flat 0..2; B = s[1,1,:] = flat 9..11.
  assert.deepEqual(run([{ from: 'A', to: 'B' }]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 100, 101, 102]);
  assert.deepEqual(run([{ from: 'B', to: 'A' }]), [109, 110, 111, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(run([{ from: 'A', to: 'A' }]), [100, 101, 102, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(
    run([
      { from: 'A', to: 'A' },
      { from: 'B', to: 'B' },
    ]),
    [100, 101, 102, 3, 4, 5, 6, 7, 8, 109, 110, 111],
  );
  // A direct patch with the cached plan agrees.
  const p = al.plan([{ from: 'A', to: 'B' }])[0]!;
  assert.deepEqual(
    Array.from(patchSite(tf.reshape(base, [1, 2, 2, 3]), tf.reshape(source, [1, 2, 2, 3]), p).dataSync()).slice(9),
    [100, 101, 102],
  );
  al.dispose();
  net.dispose();
});

test('alignment validation: unknown site, out-of-range slice, overlap, unknown variable, unequal typed shapes', () => {
  const b = network({ x: [4] });
  b.dense('h', 'x', 6);
  const net = b.build();
  const m = model() as never;
  const code = (decl: object) => {
    try {
      new Alignment(decl, m, net);
      return 'ok';
    } catch (e) {
      return (e as { code: string }).code;
    }
  };
  assert.equal(code({ A: { site: 'h', slice: [[0, 3]] }, B: { site: 'h', slice: [[3, 6]] } }), 'ok');
  assert.equal(code({ A: { site: 'nope' } }), 'unknown-site');
  assert.equal(code({ A: { site: 'h', slice: [[4, 7]] } }), 'slice-out-of-range');
  assert.equal(code({ A: { site: 'h', slice: [[0, 3]] }, B: { site: 'h', slice: [[2, 5]] } }), 'overlap');
  assert.equal(code({ Q: { site: 'h' } }), 'unknown-variable');
  assert.equal(code({ O: { site: 'h' } }), 'unknown-variable');
  assert.equal(code({ A: { site: 'h', slice: [[0, 2]] }, B: { site: 'h', slice: [[3, 6]] } }), 'type-shape-mismatch');
  net.dispose();
});

/**
 * Network x → h1 → s (site) → logits. The IIT loss must send gradients into
 * h1's weights (below the site) along both the base's and the source's
 * computation: each path's finite difference is non-zero and the autodiff
 * gradient equals their sum.
 */
test('IIT gradients reach parameters below the site through base and source (finite differences)', async () => {
  await tf.setBackend('cpu');
  const build = (seed: number): Network => {
    const b = network({ x: [3] }, { seed });
    b.dense('h1', 'x', 4, { activation: 'tanh' });
    b.dense('s', 'h1', 4, { activation: 'tanh' });
    b.dense('logits', 's', 4);
    return b.build('logits');
  };
  const net = build(11);
  const al = new Alignment(
    { A: { site: 's', slice: [[0, 2]] }, B: { site: 's', slice: [[2, 4]] } },
    model() as never,
    net,
  );
  const head = { variable: 'O', loss: 'softmax' as const, values: range(0, 3) };
  const base: Feeds = {
    x: tf.tensor2d([
      [0.3, -0.2, 0.5],
      [0.1, 0.9, -0.4],
    ]),
  };
  const source: Feeds = {
    x: tf.tensor2d([
      [-0.7, 0.4, 0.2],
      [0.6, -0.5, 0.8],
    ]),
  };
  const labels = Int32Array.of(1, 3);
  const group = { swaps: [{ from: 'A', to: 'A' }], baseRows: Int32Array.of(0, 1), sourceRows: Int32Array.of(0, 1) };
  const W = net.params.get('h1.weight')!;
  const lossOf = () =>
    tf.tidy(
      () => crossEntropy(head, interchangeForward(net, al, base, source, [group]).groups[0]!, labels).dataSync()[0]!,
    );

  // Loss with h1's weight perturbed in only one of the two computations.
  const lossSplit = (which: 'base' | 'source', idx: number, eps: number) =>
    tf.tidy(() => {
      const orig = W.clone();
      const acts = (feeds: Feeds, perturb: boolean) => {
        if (perturb) {
          const d = new Float32Array(W.size);
          d[idx] = eps;
          W.assign(tf.add(orig, tf.tensor(d, W.shape)));
        }
        const a = net.run(feeds, { outputs: ['s'] }).s!;
        W.assign(orig);
        return a;
      };
      const sb = acts(base, which === 'base');
      const ss = acts(source, which === 'source');
      const patched = patchSite(sb, ss, al.plan(group.swaps)[0]!);
      const y = net.run({}, { known: { s: patched } }).logits!;
      return crossEntropy(head, y, labels).dataSync()[0]!;
    });

  const grads = tf.variableGrads(
    () => crossEntropy(head, interchangeForward(net, al, base, source, [group]).groups[0]!, labels) as tf.Scalar,
    [W],
  ).grads;
  const g = grads[W.name]!.dataSync();
  const eps = 1e-2;
  let checked = 0;
  for (let idx = 0; idx < W.size; idx++) {
    const fdBase = (lossSplit('base', idx, eps) - lossSplit('base', idx, -eps)) / (2 * eps);
    const fdSource = (lossSplit('source', idx, eps) - lossSplit('source', idx, -eps)) / (2 * eps);
    assert.ok(
      Math.abs(g[idx]! - (fdBase + fdSource)) < 2e-3 + 2e-2 * Math.abs(g[idx]!),
      `weight ${idx}: autodiff ${g[idx]} vs fd ${fdBase} + ${fdSource}`,
    );
    if (Math.abs(fdBase) > 1e-3 && Math.abs(fdSource) > 1e-3) checked++;
  }
  assert.ok(checked >= 3, `both paths contribute on several weights (${checked})`);
  // Sanity: the unsplit loss matches the split one with no perturbation.
  assert.ok(Math.abs(lossOf() - lossSplit('base', 0, 0)) < 1e-6);
  al.dispose();
  net.dispose();
});
