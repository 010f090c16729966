/**
 * Hugging Face BERT checkpoints (a folder with config.json, model.safetensors and vocab.txt, as
 * `BertModel`/`BertForSequenceClassification.save_pretrained` and the Hub ship them) loaded into the engine's
 * BERT-shaped encoder (server/engine/transformer.ts, `bertEncoder`).
 *
 * The encoder's parameters carry HF's names without the `bert.` prefix, and its dense weights are [in, out], the
 * transpose of PyTorch's Linear [out, in]; so loading strips the prefix, maps TF-era `LayerNorm.gamma/beta` to
 * `weight/bias`, transposes every Linear weight and converts F16/BF16 to float32. The `embeddings.position_ids`
 * buffer and pretraining heads (`cls.*`) are skipped. A checkpoint without a pooler or classifier (a bare BertModel,
 * or a pretraining checkpoint) leaves those as the encoder initialised them, and the result says so.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Network } from '../engine/network';
import { tf } from '../engine/tf';
import type { BertOptions } from '../engine/transformer';
import { DataError, readDataFile } from './idx';
import { readSafetensors, type SafetensorsFile } from './safetensors';

/** The fields of Hugging Face's BertConfig that shape the encoder (config.json). */
export interface HfBertConfig {
  model_type?: string;
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  max_position_embeddings: number;
  type_vocab_size?: number;
  layer_norm_eps?: number;
  hidden_act?: string;
  position_embedding_type?: string;
  num_labels?: number;
  id2label?: Record<string, string>;
  hidden_dropout_prob?: number;
  initializer_range?: number;
  [key: string]: unknown;
}

/** A weight in the encoder's layout (names without `bert.`, Linear weights [in, out]). */
export interface BertWeight {
  shape: number[];
  values: Float32Array;
  /** The tensor's name and dtype in the checkpoint file. */
  source: string;
  dtype: string;
}

export interface BertCheckpoint {
  folder: string;
  /** config.json as read. */
  config: HfBertConfig;
  /** Options for `bertEncoder` that reproduce the checkpoint's architecture. */
  options: BertOptions;
  /** Class names in id order (config.json's id2label), when it has them. */
  labels?: string[];
  /** Wordpiece → id (vocab.txt's line number, from 0). */
  vocab: Map<string, number>;
  /** Whether the tokenizer lowercases and strips accents (tokenizer_config.json's do_lower_case; uncased by default). */
  lowercase: boolean;
  /** The encoder's parameters that the checkpoint supplies, by encoder name. */
  weights: Map<string, BertWeight>;
  /** Encoder parameters the checkpoint lacks (pooler, classifier): `apply` leaves them as `bertEncoder` initialised them. */
  missing: string[];
  /** Tensors in the file that are not loaded (position_ids, pretraining heads, other heads). */
  ignored: string[];
  /** One line each about what was done beyond a plain load (missing heads, converted dtypes, a short vocabulary). */
  notes: string[];
  /** Puts the weights into `net`, a network from `bertEncoder(options)`; checks every name and shape first. */
  apply(net: Network): void;
}

export interface LoadBertOptions {
  /** Sequence length of the encoder's inputs; default max_position_embeddings. */
  length?: number;
  /** Output classes; default the checkpoint's classifier, else config.json's num_labels / id2label (HF's 2 if neither). */
  classes?: number;
  /** Leave the checkpoint's classifier out (a fresh head, e.g. for fine-tuning on another task). */
  dropClassifier?: boolean;
  /** Dropout while training (BertOptions.dropout); default 0. */
  dropout?: number;
  seed?: number;
}

const HEADS = /^(pooler|classifier)\./;

function fail(file: string, what: string, fix: string): DataError {
  return new DataError(`${file}: ${what}`, fix, file);
}

function readJson(file: string, what: string, fix: string): unknown {
  const text = readDataFile(file, fix, what, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw fail(file, `${what} is not valid JSON (${(e as Error).message})`, fix);
  }
}

const CHECKPOINT_FIX =
  'a Hugging Face BERT folder holds config.json, model.safetensors and vocab.txt (save_pretrained writes them)';

/** config.json, checked: every size a positive integer, GELU the exact one, absolute positions. */
export function readBertConfig(file: string): HfBertConfig {
  const raw = readJson(file, 'config.json', CHECKPOINT_FIX);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw fail(file, 'config.json is not a JSON object', CHECKPOINT_FIX);
  const c = raw as HfBertConfig;
  if (c.model_type !== undefined && c.model_type !== 'bert')
    throw fail(
      file,
      `model_type is '${c.model_type}', not 'bert'`,
      'only BERT checkpoints load into bertEncoder (RoBERTa, DistilBERT, ALBERT name and shape their weights differently)',
    );
  const sizes = [
    'vocab_size',
    'hidden_size',
    'num_hidden_layers',
    'num_attention_heads',
    'intermediate_size',
    'max_position_embeddings',
  ] as const;
  for (const k of sizes) {
    const v = c[k];
    if (!(typeof v === 'number' && Number.isInteger(v) && v > 0))
      throw fail(
        file,
        v === undefined
          ? `config.json has no ${k}`
          : `config.json's ${k} is ${JSON.stringify(v)}, not a positive integer`,
        'use the config.json saved with the checkpoint (BertConfig.save_pretrained writes every size)',
      );
  }
  for (const k of ['type_vocab_size', 'num_labels'] as const) {
    const v = c[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v > 0))
      throw fail(file, `config.json's ${k} is ${JSON.stringify(v)}, not a positive integer`, 'fix or remove it');
  }
  if (c.layer_norm_eps !== undefined && !(typeof c.layer_norm_eps === 'number' && c.layer_norm_eps > 0))
    throw fail(file, `config.json's layer_norm_eps is ${JSON.stringify(c.layer_norm_eps)}`, 'give a positive number');
  if (c.hidden_size % c.num_attention_heads)
    throw fail(
      file,
      `hidden_size ${c.hidden_size} is not a multiple of num_attention_heads ${c.num_attention_heads}`,
      'the config does not describe a BERT; use the one saved with the checkpoint',
    );
  const act = c.hidden_act ?? 'gelu';
  if (act !== 'gelu')
    throw fail(
      file,
      `hidden_act is '${act}'; bertEncoder computes only 'gelu' (the exact erf form)`,
      "use a checkpoint trained with hidden_act 'gelu' (BERT's own), or add the activation to the encoder",
    );
  const pos = c.position_embedding_type ?? 'absolute';
  if (pos !== 'absolute')
    throw fail(
      file,
      `position_embedding_type is '${pos}'; bertEncoder has absolute position embeddings only`,
      "use a checkpoint with position_embedding_type 'absolute'",
    );
  if (c.id2label !== undefined && (typeof c.id2label !== 'object' || c.id2label === null))
    throw fail(file, 'config.json\'s id2label is not an object {"0": name, …}', 'fix or remove it');
  return c;
}

/** Class names in id order from id2label, when its keys are exactly 0…n-1. */
function labelsOf(c: HfBertConfig, file: string): string[] | undefined {
  if (!c.id2label) return undefined;
  const keys = Object.keys(c.id2label);
  const labels = keys.map((_, i) => c.id2label![String(i)]);
  if (labels.some((l) => typeof l !== 'string'))
    throw fail(
      file,
      `config.json's id2label keys are ${keys.join(', ')}, not 0…${keys.length - 1}`,
      'number the classes from 0 without gaps',
    );
  return labels as string[];
}

/** vocab.txt: one wordpiece a line, its id the line number (from 0). The first of a repeated token wins, as in HF. */
export function readVocab(file: string): Map<string, number> {
  const text = readDataFile(file, CHECKPOINT_FIX, 'the vocabulary', 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const vocab = new Map<string, number>();
  lines.forEach((l, i) => {
    const t = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (!vocab.has(t)) vocab.set(t, i);
  });
  if (vocab.size === 0) throw fail(file, 'the vocabulary is empty', CHECKPOINT_FIX);
  return vocab;
}

/** The checkpoint's tensors by encoder name: `bert.` stripped, `LayerNorm.gamma/beta` → `weight/bias`. */
function encoderName(name: string): string {
  return name
    .replace(/^bert\./, '')
    .replace(/\.LayerNorm\.gamma$/, '.LayerNorm.weight')
    .replace(/\.LayerNorm\.beta$/, '.LayerNorm.bias');
}

/** The encoder's parameters for a config, with their shapes in PyTorch's layout ([out, in] for Linear weights). */
function expectedTensors(c: HfBertConfig, classes: number): Map<string, { shape: number[]; linear: boolean }> {
  const H = c.hidden_size;
  const I = c.intermediate_size;
  const out = new Map<string, { shape: number[]; linear: boolean }>();
  const lin = (n: string, inDim: number, outDim: number) => {
    out.set(`${n}.weight`, { shape: [outDim, inDim], linear: true });
    out.set(`${n}.bias`, { shape: [outDim], linear: false });
  };
  const norm = (n: string) => {
    out.set(`${n}.weight`, { shape: [H], linear: false });
    out.set(`${n}.bias`, { shape: [H], linear: false });
  };
  out.set('embeddings.word_embeddings.weight', { shape: [c.vocab_size, H], linear: false });
  out.set('embeddings.position_embeddings.weight', { shape: [c.max_position_embeddings, H], linear: false });
  out.set('embeddings.token_type_embeddings.weight', { shape: [c.type_vocab_size ?? 2, H], linear: false });
  norm('embeddings.LayerNorm');
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `encoder.layer.${i}`;
    for (const m of ['query', 'key', 'value']) lin(`${p}.attention.self.${m}`, H, H);
    lin(`${p}.attention.output.dense`, H, H);
    norm(`${p}.attention.output.LayerNorm`);
    lin(`${p}.intermediate.dense`, H, I);
    lin(`${p}.output.dense`, I, H);
    norm(`${p}.output.LayerNorm`);
  }
  lin('pooler.dense', H, H);
  lin('classifier', H, classes);
  return out;
}

/** The safetensors file(s) of a checkpoint folder: model.safetensors, or the shards model.safetensors.index.json names. */
function openWeights(folder: string): SafetensorsFile[] {
  const single = path.join(folder, 'model.safetensors');
  if (existsSync(single)) return [readSafetensors(single)];
  const index = path.join(folder, 'model.safetensors.index.json');
  if (existsSync(index)) {
    const raw = readJson(index, 'the safetensors index', CHECKPOINT_FIX) as { weight_map?: Record<string, string> };
    const map = raw?.weight_map;
    if (!map || typeof map !== 'object')
      throw fail(index, 'the safetensors index has no weight_map', 'use the index saved with the shards');
    return [...new Set(Object.values(map))].map((f) => readSafetensors(path.join(folder, f)));
  }
  const bin = ['pytorch_model.bin', 'tf_model.h5', 'flax_model.msgpack'].find((f) => existsSync(path.join(folder, f)));
  throw fail(
    folder,
    `no model.safetensors${bin ? ` (only ${bin}, which is not read here)` : ''}`,
    bin
      ? 'convert it in Python: load it with the class that saved it (e.g. BertForSequenceClassification.from_pretrained(folder)), then .save_pretrained(folder, safe_serialization=True)'
      : CHECKPOINT_FIX,
  );
}

/** [rows, cols] row-major → [cols, rows]. */
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c]!;
  return out;
}

const fmtShape = (s: number[]) => `[${s.join(', ')}]`;

/**
 * Read a Hugging Face BERT checkpoint folder: config.json, model.safetensors (or its shards) and vocab.txt.
 * Every tensor is checked by name and shape against the config before anything is returned.
 */
export function loadBertCheckpoint(folder: string, opts: LoadBertOptions = {}): BertCheckpoint {
  const configFile = path.join(folder, 'config.json');
  if (!existsSync(folder))
    throw fail(
      folder,
      'the checkpoint folder does not exist',
      `give the folder that holds config.json; ${CHECKPOINT_FIX}`,
    );
  const config = readBertConfig(configFile);
  const labels = labelsOf(config, configFile);
  const vocabFile = path.join(folder, 'vocab.txt');
  const vocab = readVocab(vocabFile);
  const notes: string[] = [];
  if (vocab.size > config.vocab_size)
    throw fail(
      vocabFile,
      `the vocabulary has ${vocab.size} wordpieces but config.json's vocab_size is ${config.vocab_size}: ids past ${config.vocab_size - 1} have no embedding`,
      'use the vocab.txt saved with the checkpoint',
    );
  let lowercase = true;
  const tokConfig = path.join(folder, 'tokenizer_config.json');
  if (existsSync(tokConfig)) {
    const t = readJson(tokConfig, 'tokenizer_config.json', 'fix or remove it') as { do_lower_case?: unknown };
    if (typeof t?.do_lower_case === 'boolean') lowercase = t.do_lower_case;
  }

  const files = openWeights(folder);
  // Encoder name → where it is in the files.
  const found = new Map<string, { file: SafetensorsFile; name: string }>();
  const ignored: string[] = [];
  for (const f of files)
    for (const name of f.entries.keys()) {
      const n = encoderName(name);
      if (/^(embeddings|encoder|pooler|classifier)\./.test(n) && n !== 'embeddings.position_ids') {
        const prev = found.get(n);
        if (prev)
          throw fail(
            f.file,
            `tensors '${prev.name}' and '${name}' are both the encoder's ${n}`,
            'keep one of them (a checkpoint saved with and without the bert. prefix?)',
          );
        found.set(n, { file: f, name });
      } else ignored.push(name);
    }

  const classifier = found.get('classifier.weight');
  const fileClasses =
    classifier && !opts.dropClassifier ? classifier.file.entries.get(classifier.name)!.shape[0] : undefined;
  const configClasses = config.num_labels ?? labels?.length;
  if (opts.classes !== undefined && fileClasses !== undefined && opts.classes !== fileClasses)
    throw fail(
      classifier!.file.file,
      `'${classifier!.name}' classifies into ${fileClasses} classes, not the ${opts.classes} asked for`,
      'leave classes out to use the checkpoint’s head, or pass dropClassifier: true to start a fresh one',
    );
  const classes = opts.classes ?? fileClasses ?? configClasses ?? 2;
  if (opts.classes === undefined && fileClasses === undefined && configClasses === undefined)
    notes.push('config.json gives no num_labels or id2label: 2 classes, as in Hugging Face');
  if (opts.dropClassifier && classifier) {
    ignored.push(classifier.name);
    const bias = found.get('classifier.bias');
    if (bias) ignored.push(bias.name);
    found.delete('classifier.weight');
    found.delete('classifier.bias');
  }

  const expected = expectedTensors(config, classes);
  for (const [n, at] of found)
    if (!expected.has(n))
      throw fail(
        at.file.file,
        `tensor '${at.name}' is not a parameter of a BERT with config.json's sizes (${config.num_hidden_layers} layers)`,
        'use the config.json saved with these weights',
      );

  const weights = new Map<string, BertWeight>();
  const missing: string[] = [];
  const converted = new Set<string>();
  for (const [n, want] of expected) {
    const at = found.get(n);
    if (!at) {
      if (HEADS.test(n)) {
        missing.push(n);
        continue;
      }
      throw fail(
        files[0]!.file,
        `no tensor for the encoder's ${n} (looked for 'bert.${n}' and '${n}'${/LayerNorm\.(weight|bias)$/.test(n) ? ', and the gamma/beta spelling' : ''})`,
        'the file is not a BERT checkpoint with config.json’s sizes, or it is cut off; use the model.safetensors saved with config.json',
      );
    }
    const e = at.file.entries.get(at.name)!;
    if (fmtShape(e.shape) !== fmtShape(want.shape))
      throw fail(
        at.file.file,
        `tensor '${at.name}' has shape ${fmtShape(e.shape)}; config.json's sizes make it ${fmtShape(want.shape)}`,
        'use the config.json saved with these weights',
      );
    if (!['F32', 'F16', 'BF16', 'F64'].includes(e.dtype))
      throw fail(
        at.file.file,
        `tensor '${at.name}' is ${e.dtype}, not a float`,
        'weights must be F32, F16, BF16 or F64',
      );
    if (e.dtype !== 'F32') converted.add(e.dtype);
    const values = at.file.tensor(at.name).values as Float32Array;
    const w: BertWeight = want.linear
      ? {
          shape: [want.shape[1]!, want.shape[0]!],
          values: transpose(values, want.shape[0]!, want.shape[1]!),
          source: at.name,
          dtype: e.dtype,
        }
      : { shape: want.shape, values, source: at.name, dtype: e.dtype };
    weights.set(n, w);
  }
  if (missing.length) {
    const parts = [...new Set(missing.map((m) => m.split('.')[0]))];
    notes.push(
      `the checkpoint has no ${parts.join(' or ')} weights: ${missing.join(', ')} keep bertEncoder's initial values`,
    );
  }
  if (converted.size) notes.push(`converted ${[...converted].join(', ')} weights to float32`);
  if (vocab.size < config.vocab_size)
    notes.push(`vocab.txt has ${vocab.size} wordpieces, fewer than vocab_size ${config.vocab_size}`);
  const skipped = ignored.filter((n) => !/(^|\.)embeddings\.position_ids$/.test(n));
  if (skipped.length) notes.push(`not loaded: ${skipped.join(', ')}`);

  const options: BertOptions = {
    vocabSize: config.vocab_size,
    length: opts.length ?? config.max_position_embeddings,
    hidden: config.hidden_size,
    layers: config.num_hidden_layers,
    heads: config.num_attention_heads,
    intermediate: config.intermediate_size,
    maxPositions: config.max_position_embeddings,
    typeVocab: config.type_vocab_size ?? 2,
    classes,
    layerNormEps: config.layer_norm_eps ?? 1e-12,
    dropout: opts.dropout ?? 0,
    ...(typeof config.initializer_range === 'number' ? { initRange: config.initializer_range } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
  };
  if (options.length > options.maxPositions!)
    throw fail(
      configFile,
      `sequences of ${options.length} tokens need ${options.length} positions; the checkpoint has ${options.maxPositions}`,
      `use at most ${options.maxPositions} tokens`,
    );

  return {
    folder,
    config,
    options,
    ...(labels ? { labels } : {}),
    vocab,
    lowercase,
    weights,
    missing,
    ignored,
    notes,
    apply(net: Network) {
      for (const [n, w] of weights) {
        const v = net.params.get(n);
        if (!v)
          throw fail(
            folder,
            `the network has no parameter '${n}' (for '${w.source}')`,
            'build the network with bertEncoder(checkpoint.options)',
          );
        if (fmtShape(v.shape) !== fmtShape(w.shape))
          throw fail(
            folder,
            `the network's ${n} is ${fmtShape(v.shape)}, the checkpoint's '${w.source}' makes it ${fmtShape(w.shape)}`,
            'build the network with bertEncoder(checkpoint.options)',
          );
      }
      for (const n of net.params.keys())
        if (!weights.has(n) && !missing.includes(n))
          throw fail(
            folder,
            `the network's parameter '${n}' is not in the checkpoint`,
            'build the network with bertEncoder(checkpoint.options)',
          );
      for (const [n, w] of weights) {
        const t = tf.tensor(w.values, w.shape, 'float32');
        net.params.get(n)!.assign(t);
        t.dispose();
      }
    },
  };
}

/** A word as BERT's basic tokenizer sees it: lowercased and stripped of accents when the model is uncased. */
function normalise(word: string, lowercase: boolean): string {
  return lowercase
    ? word
        .toLowerCase()
        .normalize('NFD')
        .replace(/\p{Mn}/gu, '')
    : word;
}

/**
 * The words (each once, in the order given) that are not a single entry of `vocab` and so would be split into
 * several wordpieces, or [UNK]; case-insensitive unless `lowercase` is false, as uncased BERT lowercases its input.
 */
export function wordpieceCheck(
  vocab: ReadonlyMap<string, number>,
  words: Iterable<string>,
  opts: { lowercase?: boolean } = {},
): string[] {
  const lc = opts.lowercase ?? true;
  const out: string[] = [];
  const seen = new Set<string>();
  for (const w of words) {
    if (seen.has(w)) continue;
    seen.add(w);
    if (!vocab.has(normalise(w, lc))) out.push(w);
  }
  return out;
}
