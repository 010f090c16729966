/**
 * MQNLI as an experiment's data: the hardest split generated from a seed (or read from JSONL files a user brings),
 * C^QPObj_NatLog over the words, and the batch encoder that lays each pair out as BERT's 27 tokens.
 */
import type { Split } from '../engine/data';
import type { DatasetDecl } from '../engine/experiment';
import { IITError } from '../engine/errors';
import type { Feeds } from '../engine/network';
import { tf } from '../engine/tf';
import type { Setting } from '../engine/causal';
import {
  generateMqnli,
  mqnliVocabulary,
  readMqnliJsonl,
  segmentsOf,
  tokensOf,
  SEQUENCE_LENGTH,
  type MqnliExample,
  type MqnliVocabulary,
} from '../data/mqnli/index';
import { mqnliCausalModel, pairOf, settingOf, type MqnliValues } from './model';

export interface MqnliDataOptions {
  /** Examples per split, generated on the hardest split (train codes disjoint from validation/test codes). */
  train?: number;
  validation?: number;
  test?: number;
  /** Seed of the generator (the split and the words), not of the network. */
  seed?: number;
  /**
   * JSONL files `{premise, hypothesis, label, codes}` per split instead of generating (e.g. the released data,
   * converted); the labels are recomputed by the causal model, so a file must agree with it (`iit-studio data mqnli
   * FILE --check`).
   */
  files?: { train: string; validation?: string; test?: string };
  /**
   * A pretrained checkpoint's vocabulary (`loadBertCheckpoint(dir).vocab`): token ids are then its ids. Every MQNLI
   * word must be one of its entries; `emptystring` may fall back to `[unused0]`. Default: MQNLI's own vocabulary.
   */
  vocab?: ReadonlyMap<string, number>;
}

export interface MqnliData {
  model: ReturnType<typeof mqnliCausalModel>;
  splits: {
    train: Split<Setting<MqnliValues>>;
    validation: Split<Setting<MqnliValues>>;
    test: Split<Setting<MqnliValues>>;
  };
  examples: { train: MqnliExample[]; validation: MqnliExample[]; test: MqnliExample[] };
  /** `input_ids`, `token_type_ids` and `attention_mask` [n, 27] for a batch of inputs. */
  encodeBatch: (inputs: Setting<MqnliValues>[]) => Feeds;
  /** Token ids' vocabulary size (the encoder's embedding rows). */
  vocabSize: number;
  /** The 27 tokens of an input ([CLS] premise [SEP] hypothesis [SEP]): the experiment's `tokens`, for the debugger. */
  tokens: (input: Setting<MqnliValues>) => string[];
  /** token → id, as encodeBatch maps them. */
  tokenId: (token: string) => number;
  dataset: DatasetDecl;
}

/** MQNLI's own token a checkpoint may lack, and the reserved entry it then takes (BERT's vocab.txt has [unused0…]). */
const FALLBACK: Record<string, string> = { emptystring: '[unused0]' };

/** Token ids from a checkpoint's vocabulary: every token MQNLI writes must be one entry of it. */
function checkpointIds(vocab: ReadonlyMap<string, number>, tokens: readonly string[]): (t: string) => number {
  const resolve = (t: string) => (vocab.has(t) ? t : FALLBACK[t] && vocab.has(FALLBACK[t]) ? FALLBACK[t] : undefined);
  const missing = tokens.filter((t) => resolve(t) === undefined);
  if (missing.length)
    throw new IITError(
      'bad-config',
      `mqnliData: ${missing.length} MQNLI token${missing.length === 1 ? ' is' : 's are'} not one wordpiece of the checkpoint's vocab.txt: ${missing.slice(0, 12).join(', ')}${missing.length > 12 ? ', …' : ''}`,
      'use a checkpoint whose vocabulary holds every MQNLI word (bert-base-uncased does), or add them to its vocab.txt',
    );
  const ids = new Map(tokens.map((t) => [t, vocab.get(resolve(t)!)!]));
  return (t) => ids.get(t) ?? vocab.get('[UNK]') ?? 0;
}

function asSplit(examples: MqnliExample[]): Split<Setting<MqnliValues>> {
  const settings = examples.map(settingOf);
  return { size: settings.length, at: (i) => settings[i]! };
}

function readSplits(files: NonNullable<MqnliDataOptions['files']>): MqnliData['examples'] {
  const read = (f: string | undefined) => (f ? readMqnliJsonl(f) : []);
  return { train: read(files.train), validation: read(files.validation), test: read(files.test) };
}

export function mqnliData(opts: MqnliDataOptions = {}): MqnliData {
  const examples = opts.files
    ? readSplits(opts.files)
    : (({ train, validation, test }) => ({ train, validation, test }))(
        generateMqnli({
          train: opts.train ?? 20_000,
          validation: opts.validation ?? 2_000,
          test: opts.test ?? 2_000,
          seed: opts.seed ?? 0,
        }),
      );
  const own: MqnliVocabulary = mqnliVocabulary();
  const tokenId = opts.vocab ? checkpointIds(opts.vocab, own.tokens) : (t: string) => own.id(t);
  const vocabSize = opts.vocab ? Math.max(...opts.vocab.values()) + 1 : own.size;
  const L = SEQUENCE_LENGTH;
  const encodeBatch = (inputs: Setting<MqnliValues>[]): Feeds => {
    const n = inputs.length;
    const ids = new Int32Array(n * L);
    const segs = new Int32Array(n * L);
    inputs.forEach((x, k) => {
      const pair = pairOf(x);
      tokensOf(pair).forEach((t, i) => (ids[k * L + i] = tokenId(t)));
      segs.set(segmentsOf(pair), k * L);
    });
    return {
      input_ids: tf.tensor2d(ids, [n, L], 'int32'),
      token_type_ids: tf.tensor2d(segs, [n, L], 'int32'),
      attention_mask: tf.ones([n, L]),
    };
  };
  const source = opts.files
    ? `JSONL ${[opts.files.train, opts.files.validation, opts.files.test].filter(Boolean).join(', ')}`
    : `generated, hardest split, seed ${opts.seed ?? 0}`;
  return {
    model: mqnliCausalModel(),
    splits: { train: asSplit(examples.train), validation: asSplit(examples.validation), test: asSplit(examples.test) },
    examples,
    encodeBatch,
    vocabSize,
    tokens: (x) => tokensOf(pairOf(x)),
    tokenId,
    dataset: { name: 'mqnli', source },
  };
}
