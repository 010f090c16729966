/**
 * The BERT encoder (server/engine/transformer.ts) loaded from a Hugging Face-style checkpoint equals PyTorch:
 * test/fixtures/bert-tiny holds a tiny BertForSequenceClassification (config.json, model.safetensors, vocab.txt)
 * and what bench/reference/bert_reference.py computed on it in PyTorch (expected.json); every site, embeddings to
 * logits, must agree to 1e-4. The loader's name mapping (no `bert.` prefix, gamma/beta, pretraining heads, absent
 * pooler and classifier) and its errors are checked on variants of the same weights.
 *
 * The script itself is kept true here too: with numpy (npm test's set-up installs Debian's python3-numpy) it must
 * regenerate the fixture's weights byte for byte. Recomputing expected.json needs PyTorch, which CI does not install
 * (bench/install-reference.sh does): `/usr/bin/python3 bench/reference/bert_reference.py --out DIR` and compare.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { bertEncoder, tf } from 'iit-studio';
import { loadBertCheckpoint, wordpieceCheck } from '../../server/data/bert';
import { DataError } from '../../server/data/idx';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '../../server/data/safetensors';

const root = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(root, 'test/fixtures/bert-tiny');
const SCRIPT = path.join(root, 'bench/reference/bert_reference.py');
const TOL = 1e-4;
const SITES = ['embeddings', 'layer0', 'layer1', 'pooled', 'logits'];

interface Site {
  shape: number[];
  values: number[];
}
interface Expected {
  torch: string;
  inputs: { input_ids: number[][]; token_type_ids: number[][]; attention_mask: number[][] };
  outputs: Record<string, Site>;
}

const readExpected = (folder: string) =>
  JSON.parse(readFileSync(path.join(folder, 'expected.json'), 'utf8')) as Expected;

const temps: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'bert-tiny-'));
  temps.push(d);
  return d;
}

before(async () => {
  await tf.setBackend('cpu');
});
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** Max |encoder − PyTorch| at each site, for the checkpoint in `folder` on its expected.json's inputs. */
function siteDiffs(folder: string, expected = readExpected(folder), sites = SITES): Record<string, number> {
  const ckpt = loadBertCheckpoint(folder, { length: 27 });
  const net = bertEncoder(ckpt.options);
  try {
    ckpt.apply(net);
    return tf.tidy(() => {
      const { input_ids, token_type_ids, attention_mask } = expected.inputs;
      const outs = net.run(
        {
          input_ids: tf.tensor2d(input_ids, undefined, 'int32'),
          token_type_ids: tf.tensor2d(token_type_ids, undefined, 'int32'),
          attention_mask: tf.tensor2d(attention_mask, undefined, 'float32'),
        },
        { outputs: sites },
      );
      const diffs: Record<string, number> = {};
      for (const s of sites) {
        const want = expected.outputs[s]!;
        const got = outs[s]!;
        assert.deepEqual(got.shape, want.shape, `${s}: shape`);
        const g = got.dataSync();
        let d = 0;
        for (let i = 0; i < g.length; i++) d = Math.max(d, Math.abs(g[i]! - want.values[i]!));
        diffs[s] = d;
      }
      return diffs;
    });
  } finally {
    net.dispose();
  }
}

function assertClose(diffs: Record<string, number>, what: string): void {
  const bad = Object.entries(diffs).filter(([, d]) => !(d <= TOL));
  assert.deepEqual(
    bad,
    [],
    `${what}: sites differing from PyTorch by more than ${TOL}: ${bad.map(([s, d]) => `${s} ${d.toExponential(2)}`).join(', ')}`,
  );
}

const fmt = (diffs: Record<string, number>) =>
  Object.entries(diffs)
    .map(([s, d]) => `${s} ${d.toExponential(1)}`)
    .join(', ');

test('tiny BERT from safetensors: embeddings, every layer, pooled and logits equal PyTorch to 1e-4', (t) => {
  const ckpt = loadBertCheckpoint(FIXTURE, { length: 27 });
  assert.deepEqual(ckpt.missing, []);
  assert.deepEqual(ckpt.ignored, ['bert.embeddings.position_ids']);
  assert.deepEqual(ckpt.notes, []);
  assert.deepEqual(ckpt.labels, ['entailment', 'neutral', 'contradiction']);
  assert.equal(ckpt.options.classes, 3);
  assert.equal(ckpt.options.layerNormEps, 1e-12);
  // Linear weights are transposed into the encoder's [in, out].
  assert.deepEqual(ckpt.weights.get('encoder.layer.0.intermediate.dense.weight')!.shape, [32, 64]);
  assert.deepEqual(ckpt.weights.get('classifier.weight')!.shape, [32, 3]);
  const diffs = siteDiffs(FIXTURE);
  t.diagnostic(`max |Δ| vs PyTorch ${readExpected(FIXTURE).torch}: ${fmt(diffs)}`);
  assertClose(diffs, 'committed fixture');
});

/** The fixture's tensors, to write variants of. */
function fixtureTensors(): Record<string, TensorToWrite> {
  const f = readSafetensors(path.join(FIXTURE, 'model.safetensors'));
  const out: Record<string, TensorToWrite> = {};
  for (const [name, e] of f.entries) {
    const v = f.tensor(name).values;
    out[name] =
      e.dtype === 'I64'
        ? { dtype: 'I64', shape: e.shape, values: v as BigInt64Array }
        : { dtype: 'F32', shape: e.shape, values: v as Float32Array };
  }
  return out;
}

/** A copy of the fixture with `tensors` as its weights and `config` edited. */
function variant(
  tensors: Record<string, TensorToWrite>,
  edit: (c: Record<string, unknown>) => void = () => {},
): string {
  const d = tempDir();
  for (const f of ['vocab.txt', 'expected.json']) copyFileSync(path.join(FIXTURE, f), path.join(d, f));
  const config = JSON.parse(readFileSync(path.join(FIXTURE, 'config.json'), 'utf8')) as Record<string, unknown>;
  edit(config);
  writeFileSync(path.join(d, 'config.json'), JSON.stringify(config));
  writeSafetensors(path.join(d, 'model.safetensors'), tensors, { format: 'pt' });
  return d;
}

test('a bare BertModel with TF-era gamma/beta names and a pretraining head: encoder sites match, heads stay initialised', () => {
  const renamed: Record<string, TensorToWrite> = {};
  for (const [name, t] of Object.entries(fixtureTensors())) {
    if (/^(bert\.pooler|classifier)\./.test(name)) continue;
    const n = name
      .replace(/^bert\./, '')
      .replace(/LayerNorm\.weight$/, 'LayerNorm.gamma')
      .replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
    renamed[n] = t;
  }
  renamed['cls.predictions.bias'] = { shape: [40], values: new Float32Array(40) };
  const d = variant(renamed);
  const ckpt = loadBertCheckpoint(d, { length: 27 });
  assert.deepEqual(ckpt.missing, ['pooler.dense.weight', 'pooler.dense.bias', 'classifier.weight', 'classifier.bias']);
  assert.deepEqual(ckpt.ignored.sort(), ['cls.predictions.bias', 'embeddings.position_ids']);
  assert.ok(
    ckpt.notes.some((n) => /no pooler or classifier weights/.test(n) && /initial values/.test(n)),
    ckpt.notes.join('; '),
  );
  assert.ok(
    ckpt.notes.some((n) => /not loaded: cls\.predictions\.bias/.test(n)),
    ckpt.notes.join('; '),
  );
  assertClose(siteDiffs(d, undefined, ['embeddings', 'layer0', 'layer1']), 'renamed checkpoint');
});

test('a checkpoint whose tensors do not fit its config: errors name the tensor, the file and the shapes', () => {
  const all = fixtureTensors();
  const withoutOne = { ...all };
  delete withoutOne['bert.encoder.layer.1.output.dense.weight'];
  assert.throws(
    () => loadBertCheckpoint(variant(withoutOne)),
    (e: unknown) =>
      e instanceof DataError &&
      /model\.safetensors: no tensor for the encoder's encoder\.layer\.1\.output\.dense\.weight/.test(e.message) &&
      /bert\.encoder\.layer\.1\.output\.dense\.weight/.test(e.message),
  );

  const reshaped = { ...all };
  reshaped['bert.encoder.layer.0.intermediate.dense.weight'] = { shape: [32, 64], values: new Float32Array(2048) };
  assert.throws(
    () => loadBertCheckpoint(variant(reshaped)),
    (e: unknown) =>
      e instanceof DataError &&
      /tensor 'bert\.encoder\.layer\.0\.intermediate\.dense\.weight' has shape \[32, 64\]; config\.json's sizes make it \[64, 32\]/.test(
        e.message,
      ),
  );

  assert.throws(
    () => loadBertCheckpoint(variant(all, (c) => (c.num_hidden_layers = 1))),
    (e: unknown) => e instanceof DataError && /'bert\.encoder\.layer\.1\.[^']+' is not a parameter/.test(e.message),
  );
  assert.throws(
    () => loadBertCheckpoint(variant(all, (c) => (c.hidden_act = 'gelu_new'))),
    (e: unknown) => e instanceof DataError && /config\.json: hidden_act is 'gelu_new'/.test(e.message),
  );
  assert.throws(
    () => loadBertCheckpoint(variant(all, (c) => delete c.hidden_size)),
    (e: unknown) => e instanceof DataError && /config\.json has no hidden_size/.test(e.message),
  );
  assert.throws(
    () => loadBertCheckpoint(FIXTURE, { classes: 2 }),
    (e: unknown) => e instanceof DataError && /classifies into 3 classes, not the 2 asked for/.test(e.message),
  );
  const fresh = loadBertCheckpoint(FIXTURE, { classes: 2, dropClassifier: true });
  assert.equal(fresh.options.classes, 2);
  assert.deepEqual(fresh.missing, ['classifier.weight', 'classifier.bias']);
  // A network of the wrong size is refused before any weight is written.
  const ckpt = loadBertCheckpoint(FIXTURE);
  const small = bertEncoder({ ...ckpt.options, layers: 1 });
  try {
    assert.throws(() => ckpt.apply(small), /the network has no parameter 'encoder\.layer\.1\./);
  } finally {
    small.dispose();
  }
});

test('wordpieceCheck: the words that are not one entry of the vocabulary, case-insensitively', () => {
  const { vocab, lowercase } = loadBertCheckpoint(FIXTURE);
  assert.equal(lowercase, true);
  assert.equal(vocab.get('[CLS]'), 2);
  assert.equal(vocab.get('.'), 39);
  assert.deepEqual(wordpieceCheck(vocab, ['Every', 'dog', 'NOT', 'dogs', 'unicorn', 'dog', 'happy cat']), [
    'dogs',
    'unicorn',
    'happy cat',
  ]);
  assert.deepEqual(wordpieceCheck(vocab, ['Every', 'every'], { lowercase: false }), ['Every']);
});

/** The first interpreter that imports `module`: $IIT_PYTHON alone if set, else Debian's /usr/bin/python3 (torch's home), then python3. */
function pythonWith(module: string): string | undefined {
  const candidates = process.env.IIT_PYTHON ? [process.env.IIT_PYTHON] : ['/usr/bin/python3', 'python3'];
  for (const p of new Set(candidates)) {
    const r = spawnSync(p, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 60_000 });
    if (r.status === 0) return p;
  }
  return undefined;
}

function runScript(python: string, args: string[]): void {
  const r = spawnSync(python, [SCRIPT, ...args], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `${python} ${SCRIPT} ${args.join(' ')} failed:\n${r.stderr}`);
}

const numpyPython = pythonWith('numpy');

test('bert_reference.py regenerates config.json, vocab.txt and model.safetensors byte for byte', () => {
  assert.ok(numpyPython, 'no python3 with numpy: run `bash .ci/install-numpy.sh` (Debian python3-numpy)');
  const d = tempDir();
  runScript(numpyPython!, ['--out', d, '--weights-only']);
  for (const f of ['config.json', 'vocab.txt', 'model.safetensors'])
    assert.ok(
      readFileSync(path.join(d, f)).equals(readFileSync(path.join(FIXTURE, f))),
      `${f} from the script differs from test/fixtures/bert-tiny/${f}: rerun /usr/bin/python3 ${path.relative(root, SCRIPT)}`,
    );
});

test('the committed fixture is well-formed: HF names and dtypes, inputs as MQNLI lays them out', () => {
  const st = readSafetensors(path.join(FIXTURE, 'model.safetensors'));
  assert.deepEqual(st.metadata, { format: 'pt' });
  for (const [name, e] of st.entries) {
    assert.match(name, /^(bert\.(embeddings|encoder|pooler)\.|classifier\.)/, name);
    assert.equal(e.dtype, name === 'bert.embeddings.position_ids' ? 'I64' : 'F32', name);
  }
  assert.equal(st.entries.size, 2 * 16 + 5 + 2 + 2 + 1); // layers, embeddings, pooler, classifier, position_ids
  assert.deepEqual(st.entries.get('bert.encoder.layer.0.intermediate.dense.weight')!.shape, [64, 32]);
  const ex = readExpected(FIXTURE);
  assert.equal(ex.inputs.input_ids.length, 3);
  for (let i = 0; i < 3; i++) {
    assert.equal(ex.inputs.input_ids[i]!.length, 27);
    assert.deepEqual(ex.inputs.token_type_ids[i], [...Array(14).fill(0), ...Array(13).fill(1)]);
  }
  assert.ok(
    ex.inputs.attention_mask.some((m) => m.includes(0)),
    'one example is padded',
  );
  const want: Record<string, number[]> = {
    embeddings: [3, 27, 32],
    layer0: [3, 27, 32],
    layer1: [3, 27, 32],
    pooled: [3, 32],
    logits: [3, 3],
  };
  for (const [s, shape] of Object.entries(want)) {
    assert.deepEqual(ex.outputs[s]!.shape, shape, s);
    assert.equal(
      ex.outputs[s]!.values.length,
      shape.reduce((a, b) => a * b, 1),
      s,
    );
  }
});
