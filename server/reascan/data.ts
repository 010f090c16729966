/**
 * ReaSCAN as an experiment's data: the examples (generated from a seed with Figure 3b's four held-out splits, or read
 * from a ReaSCAN / gSCAN data file a user brings), the causal model over them and the batch encoder that lays each
 * example out as the CNN-LSTM's inputs (command ids, world tensor, noun position).
 */
import type { Setting } from '../engine/causal';
import type { Split } from '../engine/data';
import { IITError } from '../engine/errors';
import type { DatasetDecl } from '../engine/experiment';
import type { Feeds } from '../engine/network';
import { tf } from '../engine/tf';
import {
  ACTIONS,
  EOS_TOKEN,
  FIGURE_3B_SPLITS,
  PAD_INDEX,
  PAD_TOKEN,
  SOS_TOKEN,
  WORLD_CHANNELS,
  buildVocabulary,
  encodeTokens,
  generateReascanDataset,
  readReascanFile,
  worldTensor,
  type CommandSet,
  type ReascanDataset,
  type ReascanExample,
  type Vocabulary,
} from '../data/reascan/index';
import { descriptionOf, reascanCausalModel, type ReascanValues } from './model';

export interface ReascanDataOptions {
  /** Seed of the generator (worlds and splits), not of the network. */
  seed?: number;
  /**
   * The commands generated: 'plain' (default) walk, push and pull of each of the 45 descriptions, no adverb;
   * 'simple' walk only; 'all' with the four adverbs too.
   */
  commands?: CommandSet;
  /** Distinct worlds per command; default 60. */
  worldsPerCommand?: number;
  /** Objects in each generated world, the target and its distractors included; default 13 (ReaSCAN-Causal's). */
  maxObjects?: number;
  /** Longest action sequence kept (the decoder decodes one step more, for EOS); default 20. */
  maxActions?: number;
  /** Cap on train and on each held-out split. */
  maxTrain?: number;
  maxHeldOut?: number;
  /**
   * A ReaSCAN (`data-compositional-splits.txt`) or gSCAN (`dataset.txt`) file instead of generating: its splits as
   * named there, the held-out ones of Figure 3b renamed (new_color → novel-color, …).
   */
  file?: string;
}

/** Figure 3b's held-out splits under the names the table shows, from the names in the data files. */
const FIGURE_NAMES: Record<string, string> = Object.fromEntries(
  Object.entries(FIGURE_3B_SPLITS).map(([figure, { heldOut }]) => [heldOut, figure]),
);

export interface ReascanData {
  model: ReturnType<typeof reascanCausalModel>;
  /** train, test, dev and novel-color, novel-size, novel-direction, novel-length (generated). */
  splits: Record<string, Split<Setting<ReascanValues>>>;
  /** Every split's examples in one table: the input `example` is an index into it. */
  examples: ReascanExample[];
  /** `command` [n, L], `world` [n, G, G, 17] and `noun` [n, 1] for a batch of inputs. */
  encodeBatch: (inputs: Setting<ReascanValues>[]) => Feeds;
  /** The command's tokens (SOS, words, EOS, PAD), for the debugger's token grid of `encoder`. */
  tokens: (input: Setting<ReascanValues>) => string[];
  vocabulary: Vocabulary;
  /** The network's sizes: command vocabulary and length, action tokens and decoding steps. */
  sizes: { inputVocab: number; commandLength: number; actions: number; steps: number; gridSize: number };
  dataset: DatasetDecl;
}

function loaded(o: ReascanDataOptions): { ds: ReascanDataset; source: string } {
  if (o.file) return { ds: readReascanFile(o.file), source: o.file };
  const seed = o.seed ?? 0;
  const ds = generateReascanDataset('figure3b', {
    seed,
    worldsPerCommand: o.worldsPerCommand ?? 60,
    commands: o.commands ?? 'plain',
    maxActions: o.maxActions ?? 20,
    ...(o.maxObjects !== undefined ? { maxObjects: o.maxObjects } : {}),
    ...(o.maxTrain !== undefined ? { maxTrain: o.maxTrain } : {}),
    ...(o.maxHeldOut !== undefined ? { maxHeldOut: o.maxHeldOut } : {}),
  });
  const per = `${o.commands ?? 'plain'} commands, ${o.worldsPerCommand ?? 60} worlds each, ${o.maxObjects ?? 13} objects per world`;
  return { ds, source: `generated, Figure 3b splits, seed ${seed}, ${per}` };
}

/** The index of the referred object's shape word in the encoder's input (SOS first, so the word's index + 1). */
export function nounPosition(e: ReascanExample): number {
  const i = e.command.indexOf(descriptionOf(e).shape);
  if (i < 0) throw new Error(`command "${e.command.join(' ')}" does not name its target's shape`);
  return i + 1;
}

export function reascanData(o: ReascanDataOptions = {}): ReascanData {
  const { ds, source } = loaded(o);
  const examples: ReascanExample[] = [];
  const splits: ReascanData['splits'] = {};
  for (const [name, xs] of Object.entries(ds.splits)) {
    const first = examples.length;
    examples.push(...xs.filter((e) => e.situation.target));
    const n = examples.length - first;
    splits[FIGURE_NAMES[name] ?? name] = { size: n, at: (i) => ({ example: first + i }) };
  }
  if (!splits.train?.size)
    throw new IITError(
      'bad-config',
      `reascanData: ${o.file ?? 'the generated data'} has no examples in a 'train' split`,
      o.file ? 'give a ReaSCAN or gSCAN data file with a train split' : 'raise worldsPerCommand',
    );
  // Loops, not Math.max(...xs): a released file's hundreds of thousands of examples overflow the call stack.
  const longest = (f: (e: ReascanExample) => number) => examples.reduce((m, e) => Math.max(m, f(e)), 0);
  const maxActions = Math.max(
    o.maxActions ?? 0,
    longest((e) => e.targetCommands.length),
  );
  const vocabulary = buildVocabulary(examples.map((e) => e.command));
  const L = longest((e) => e.command.length) + 2;
  const G = ds.gridSize;
  const ids = examples.map((e) => {
    const t = encodeTokens(vocabulary, e.command);
    return [...t, ...new Array<number>(L - t.length).fill(PAD_INDEX)];
  });
  const encodeBatch = (inputs: Setting<ReascanValues>[]): Feeds => {
    const n = inputs.length;
    const command = new Int32Array(n * L);
    const world = new Float32Array(n * G * G * WORLD_CHANNELS);
    const noun = new Int32Array(n);
    inputs.forEach((x, k) => {
      const e = examples[x.example!]!;
      command.set(ids[x.example!]!, k * L);
      world.set(worldTensor(e.situation).data, k * G * G * WORLD_CHANNELS);
      noun[k] = nounPosition(e);
    });
    return {
      command: tf.tensor2d(command, [n, L], 'int32'),
      world: tf.tensor4d(world, [n, G, G, WORLD_CHANNELS]),
      noun: tf.tensor2d(noun, [n, 1], 'int32'),
    };
  };
  const tokens = (x: Setting<ReascanValues>) => {
    const words = [SOS_TOKEN, ...examples[x.example!]!.command, EOS_TOKEN];
    return [...words, ...new Array<string>(L - words.length).fill(PAD_TOKEN)];
  };
  return {
    model: reascanCausalModel(examples, { maxActions }),
    splits,
    examples,
    encodeBatch,
    tokens,
    vocabulary,
    sizes: {
      inputVocab: vocabulary.idxToWord.length,
      commandLength: L,
      actions: ACTIONS.length,
      steps: maxActions + 1,
      gridSize: G,
    },
    dataset: { name: 'reascan', source },
  };
}
