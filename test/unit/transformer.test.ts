/**
 * The BERT-shaped encoder: its sites form the (layer × token) grid, padding
 * keys are masked out of attention, and IIT's gradient at a (layer, position)
 * site reaches the parameters below it through both the base and the source
 * computation (finite differences, as test/unit/intervention.test.ts does for
 * an MLP).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Alignment,
  bertEncoder,
  causalModel,
  crossEntropy,
  interchangeForward,
  patchSite,
  range,
  tf,
  type Feeds,
} from 'iit-studio';

const L = 10;
const small = (seed = 3) =>
  bertEncoder({
    vocabSize: 20,
    length: L,
    hidden: 8,
    layers: 2,
    heads: 2,
    intermediate: 16,
    classes: 4,
    seed,
    initRange: 0.3,
  });

function feeds(rows: number[][], masks?: number[][]): Feeds {
  const n = rows.length;
  return {
    input_ids: tf.tensor2d(rows, [n, L], 'int32'),
    token_type_ids: tf.tensor2d(
      rows.map(() => Array.from({ length: L }, (_, i) => (i < L / 2 ? 0 : 1))),
      [n, L],
      'int32',
    ),
    attention_mask: tf.tensor2d(masks ?? rows.map(() => Array(L).fill(1)), [n, L]),
  };
}

const ids = (seed: number) => Array.from({ length: L }, (_, i) => (i * 7 + seed * 3) % 20);

test('sites form the layer × token grid with Hugging Face parameter names', async () => {
  await tf.setBackend('cpu');
  const net = small();
  assert.deepEqual(net.sites, [
    'embeddings',
    'layer0.attention',
    'layer0',
    'layer1.attention',
    'layer1',
    'pooled',
    'logits',
  ]);
  assert.deepEqual(net.siteShape('layer1'), [L, 8]);
  assert.deepEqual(net.siteShape('logits'), [4]);
  assert.ok(net.params.has('encoder.layer.1.attention.self.query.weight'));
  assert.deepEqual(net.params.get('encoder.layer.0.intermediate.dense.weight')!.shape, [8, 16]);
  assert.ok(net.params.has('embeddings.LayerNorm.weight') && net.params.has('classifier.bias'));
  const y = net.forward(feeds([ids(1), ids(2)]));
  assert.deepEqual(y.shape, [2, 4]);
  assert.ok([...y.dataSync()].every(Number.isFinite));
  net.dispose();
});

test('a masked token changes no other position; an attended one does', async () => {
  await tf.setBackend('cpu');
  const net = small();
  const mask = Array.from({ length: L }, (_, i) => (i >= L - 3 ? 0 : 1));
  const a = ids(1);
  const masked = [...a];
  masked[L - 2] = (a[L - 2]! + 5) % 20; // a padding position
  const attended = [...a];
  attended[2] = (a[2]! + 5) % 20;
  const out = net.run(feeds([a, masked, attended], [mask, mask, mask]), { outputs: ['layer1'] }).layer1!;
  const h = out.arraySync() as number[][][];
  const maxDiff = (x: number[][], y: number[][], rows: number[]) =>
    Math.max(...rows.flatMap((r) => x[r]!.map((v, j) => Math.abs(v - y[r]![j]!))));
  const kept = Array.from({ length: L - 3 }, (_, i) => i);
  assert.ok(maxDiff(h[0]!, h[1]!, kept) < 1e-5, `masked key leaked: ${maxDiff(h[0]!, h[1]!, kept)}`);
  assert.ok(maxDiff(h[0]!, h[2]!, [0, 5]) > 1e-3, 'an attended token moves other positions');
  net.dispose();
});

test('IIT gradients at a (layer, position) site reach parameters below it through base and source', async () => {
  await tf.setBackend('cpu');
  const net = small(5);
  const model = causalModel({
    X: { values: range(0, 3) },
    A: { values: range(0, 3), parents: ['X'], f: ({ X }) => X },
    O: { values: range(0, 3), parents: ['A'], f: ({ A }) => A },
  });
  // Position 4 of layer 0's output, all of its hidden units.
  const al = new Alignment({ A: { site: 'layer0', slice: [[4, 5]] } }, model as never, net);
  const head = { variable: 'O', loss: 'softmax' as const, values: range(0, 3) };
  const base = feeds([ids(1), ids(2)]);
  const source = feeds([ids(3), ids(4)]);
  const labels = Int32Array.of(1, 3);
  const group = { swaps: [{ from: 'A', to: 'A' }], baseRows: Int32Array.of(0, 1), sourceRows: Int32Array.of(0, 1) };
  const W = net.params.get('encoder.layer.0.attention.self.value.weight')!;

  const lossSplit = (which: 'base' | 'source', idx: number, eps: number) =>
    tf.tidy(() => {
      const orig = W.clone();
      const acts = (f: Feeds, perturb: boolean) => {
        if (perturb) {
          const d = new Float32Array(W.size);
          d[idx] = eps;
          W.assign(tf.add(orig, tf.tensor(d, W.shape)));
        }
        const a = net.run(f, { outputs: ['layer0'] }).layer0!;
        W.assign(orig);
        return a;
      };
      const patched = patchSite(
        acts(base, which === 'base'),
        acts(source, which === 'source'),
        al.plan(group.swaps)[0]!,
      );
      const y = net.run({ attention_mask: base.attention_mask! }, { known: { layer0: patched } }).logits!;
      return crossEntropy(head, y, labels).dataSync()[0]!;
    });

  const g = tf
    .variableGrads(
      () => crossEntropy(head, interchangeForward(net, al, base, source, [group]).groups[0]!, labels) as tf.Scalar,
      [W],
    )
    .grads[W.name]!.dataSync();
  const eps = 1e-2;
  let both = 0;
  for (let idx = 0; idx < W.size; idx += 3) {
    const fdBase = (lossSplit('base', idx, eps) - lossSplit('base', idx, -eps)) / (2 * eps);
    const fdSource = (lossSplit('source', idx, eps) - lossSplit('source', idx, -eps)) / (2 * eps);
    assert.ok(
      Math.abs(g[idx]! - (fdBase + fdSource)) < 3e-3 + 3e-2 * Math.abs(g[idx]!),
      `weight ${idx}: autodiff ${g[idx]} vs fd ${fdBase} + ${fdSource}`,
    );
    if (Math.abs(fdBase) > 1e-4 && Math.abs(fdSource) > 1e-4) both++;
  }
  assert.ok(both >= 3, `both paths contribute on several weights (${both})`);
  al.dispose();
  net.dispose();
});
