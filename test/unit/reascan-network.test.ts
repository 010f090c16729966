/**
 * The CNN-LSTM of ReaSCAN ('iit-studio/reascan'): its sites' shapes, teacher forcing against greedy decoding, the
 * noun-position site that reads and patches a different token of base and source, and the sequence IIT loss whose
 * gradient reaches the encoder's weights (below the site) through both base and source (finite differences).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Alignment,
  causalModel,
  crossEntropy,
  interchangeForward,
  oneOf,
  range,
  sequence,
  tf,
  type Feeds,
} from 'iit-studio';
import { reascanNetwork } from 'iit-studio/reascan';

const A = 3; // action tokens; index 3 is EOS
const T = 4;
const L = 6;
const H = 8;
const small = (seed = 1) =>
  reascanNetwork({
    inputVocab: 7,
    commandLength: L,
    actions: A,
    steps: T,
    gridSize: 3,
    worldChannels: 4,
    embedding: 5,
    hidden: H,
    cnnChannels: 2,
    decoderEmbedding: 6,
    dropout: 0,
    seed,
  });

/** Two commands whose noun sits at positions 2 and 4, and two worlds. */
function feeds(): Feeds {
  const world = Array.from({ length: 2 * 3 * 3 * 4 }, (_, i) => ((i * 7) % 5) / 5);
  return {
    command: tf.tensor2d(
      [
        [1, 3, 4, 2, 0, 0],
        [1, 5, 3, 6, 4, 2],
      ],
      [2, L],
      'int32',
    ),
    world: tf.tensor4d(world, [2, 3, 3, 4]),
    noun: tf.tensor2d([[2], [4]], [2, 1], 'int32'),
  };
}
const rowOf = (f: Feeds, r: number): Feeds =>
  Object.fromEntries(Object.entries(f).map(([k, t]) => [k, tf.slice(t, r, 1)]));

const model = () =>
  causalModel({
    X: { values: range(0, 1) },
    N: { values: range(0, 1), parents: ['X'], f: ({ X }) => X },
    O: { values: sequence(oneOf(0, 1, 2), T - 1), parents: ['N'], f: ({ N }) => [N as 0 | 1] },
  });

test('sites have their declared shapes; teacher forcing on the greedy decode reproduces it', async () => {
  await tf.setBackend('cpu');
  const net = small();
  const f = feeds();
  const out = net.run(f, { outputs: [...net.sites] });
  for (const s of ['encoder', 'encoder.noun', 'situation', 'decoder.step1', 'logits'])
    assert.deepEqual(out[s]!.shape.slice(1), net.siteShape(s), s);
  assert.deepEqual(net.siteShape('logits'), [T, A + 1]);
  assert.deepEqual(net.siteShape('situation'), [9, 6]);
  const greedy = out.logits!;
  // Feeding the greedy tokens as targets gives the same logits: step k reads the token step k−1 chose.
  const targets = tf.cast(tf.argMax(greedy, 2), 'float32');
  const forced = net.run({ ...f, targets }, { outputs: ['logits'] }).logits!;
  assert.ok(tf.max(tf.abs(tf.sub(forced, greedy))).dataSync()[0]! < 1e-5);
  // Other targets change the later steps but not the first (it reads SOS).
  const other = net.run({ ...f, targets: tf.sub(2, targets) }, { outputs: ['logits'] }).logits!;
  assert.ok(
    tf.max(tf.abs(tf.sub(tf.slice(other, [0, 0], [-1, 1]), tf.slice(greedy, [0, 0], [-1, 1])))).dataSync()[0]! < 1e-6,
  );
  assert.ok(tf.max(tf.abs(tf.sub(other, greedy))).dataSync()[0]! > 1e-4);
  net.dispose();
});

test('encoder.noun reads the noun of each example and an interchange writes the source noun into the base noun', async () => {
  await tf.setBackend('cpu');
  const net = small();
  const f = feeds();
  const enc = net.run(f, { outputs: ['encoder', 'encoder.noun'] });
  const rows = enc.encoder!.arraySync() as number[][][];
  const noun = enc['encoder.noun']!.arraySync() as number[][];
  assert.deepEqual(noun[0], rows[0]![2]);
  assert.deepEqual(noun[1], rows[1]![4]);
  // Base = example 0 (noun at 2), source = example 1 (noun at 4), the whole noun vector aligned.
  const al = new Alignment({ N: { site: 'encoder.noun' } }, model() as never, net);
  const base = rowOf(f, 0);
  const source = rowOf(f, 1);
  const out = interchangeForward(net, al, base, source, [
    { swaps: [{ from: 'N', to: 'N' }], baseRows: Int32Array.of(0), sourceRows: Int32Array.of(0) },
  ]).groups[0]!;
  // By hand: the base's encoder outputs with row 2 replaced by the source's row 4; every other row the base's own.
  const patched = rows[0]!.map((r, i) => (i === 2 ? rows[1]![4]! : r));
  const expected = net.run(base, { known: { 'encoder.patched': tf.tensor3d([patched]) } }).logits!;
  assert.ok(tf.max(tf.abs(tf.sub(out, expected))).dataSync()[0]! < 1e-6);
  // And it is an intervention: the base's own logits differ.
  const own = net.run(base, { outputs: ['logits'] }).logits!;
  assert.ok(tf.max(tf.abs(tf.sub(out, own))).dataSync()[0]! > 1e-4);
  al.dispose();
  net.dispose();
});

test('the sequence IIT loss sends gradients into the encoder LSTM through base and source (finite differences)', async () => {
  await tf.setBackend('cpu');
  const net = small(3);
  const f = feeds();
  const base = rowOf(f, 0);
  const source = rowOf(f, 1);
  const al = new Alignment({ N: { site: 'encoder.noun', slice: [[0, H / 2]] } }, model() as never, net);
  const head = {
    variable: 'O',
    loss: 'sequence' as const,
    values: sequence(oneOf(0, 1, 2), T - 1),
    teacher: 'targets',
  };
  const labels = Int32Array.of(head.values.indexOf([1, 0]));
  const targets = tf.tensor2d([[1, 0, A, A]]);
  const group = {
    swaps: [{ from: 'N', to: 'N' }],
    baseRows: Int32Array.of(0),
    sourceRows: Int32Array.of(0),
    feeds: { targets },
  };
  const W = net.params.get('encoder.weight_ih_l0')!;
  const loss = () => crossEntropy(head, interchangeForward(net, al, base, source, [group]).groups[0]!, labels);
  const g = tf.variableGrads(() => loss() as tf.Scalar, [W]).grads[W.name]!.dataSync();

  // The loss with W perturbed in one computation only: the source's pass to the site, or the base's whole pass.
  const lossSplit = (which: 'base' | 'source', idx: number, eps: number) =>
    tf.tidy(() => {
      const orig = W.clone();
      const perturbed = (on: boolean) => {
        const d = new Float32Array(W.size);
        d[idx] = on ? eps : 0;
        W.assign(tf.add(orig, tf.tensor(d, W.shape)));
      };
      perturbed(which === 'source');
      const sNoun = net.run(source, { outputs: ['encoder.noun'] })['encoder.noun']!;
      perturbed(which === 'base');
      const bNoun = net.run(base, { outputs: ['encoder.noun'] })['encoder.noun']!;
      const mixed = tf.concat([tf.slice(sNoun, [0, 0], [1, H / 2]), tf.slice(bNoun, [0, H / 2], [1, H / 2])], 1);
      const y = net.run({ ...base, targets }, { known: { 'encoder.noun': mixed } }).logits!;
      W.assign(orig);
      return crossEntropy(head, y, labels).dataSync()[0]!;
    });
  const eps = 1e-2;
  let both = 0;
  for (let idx = 0; idx < Math.min(W.size, 40); idx++) {
    const fdBase = (lossSplit('base', idx, eps) - lossSplit('base', idx, -eps)) / (2 * eps);
    const fdSource = (lossSplit('source', idx, eps) - lossSplit('source', idx, -eps)) / (2 * eps);
    assert.ok(
      Math.abs(g[idx]! - (fdBase + fdSource)) < 3e-3 + 3e-2 * Math.abs(g[idx]!),
      `weight ${idx}: autodiff ${g[idx]} vs finite differences ${fdBase} (base) + ${fdSource} (source)`,
    );
    if (Math.abs(fdBase) > 1e-4 && Math.abs(fdSource) > 1e-4) both++;
  }
  assert.ok(both >= 3, `both paths move the loss on several weights (${both})`);
  al.dispose();
  net.dispose();
});
