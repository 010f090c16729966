/**
 * The original data files: ReaSCAN's `data-compositional-splits.txt` and gSCAN's `dataset.txt` (one JSON object:
 * `{grid_size, type_grammar, min_object_size, max_object_size, percentage_train, examples: {<split>: [...]},
 * intransitive_verbs, …}`), and the `input_vocabulary.txt` / `target_vocabulary.txt` files beside them.
 *
 * Released files run to hundreds of megabytes, past the longest string V8 can hold, so a file is never read as
 * one string: a byte scanner finds each example's span and only that slice is parsed. Fields this module does
 * not interpret are kept (`extra`) and written back, so read → write → read gives the same dataset.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeDataFile } from '../files';
import { DataError } from '../idx';
import { emptyVocabulary, type Vocabulary } from './grammar';
import {
  COLORS,
  MAX_SIZE,
  MIN_SIZE,
  SHAPES,
  objectVector,
  type Color,
  type Direction,
  type Placed,
  type Position,
  type Shape,
  type World,
} from './world';

export interface PlacedObject extends Placed {
  /** The file's feature string (12 digits in ReaSCAN, 11 in gSCAN), kept as written. */
  vector: string;
}

/** A situation: the world plus what the file says about the target. */
export interface ReascanSituation extends World {
  objects: PlacedObject[];
  target: PlacedObject | null;
  /** Other situation fields as the file has them (distance_to_target, direction_to_target, carrying_object, …). */
  extra: Record<string, unknown>;
}

export interface ReascanExample {
  /** The command's words (the file joins them with commas). */
  command: string[];
  /** The actions (the file joins them with commas; "turn left" is one action). */
  targetCommands: string[];
  verb: string;
  /** '' for none. */
  adverb: string;
  /** The key the file used for the adverb: gSCAN's files say "manner", ReaSCAN's "adverb_in_command". */
  adverbKey?: 'manner';
  /** The target's description, e.g. "small red circle". */
  referredTarget: string;
  situation: ReascanSituation;
  /** Other example fields as the file has them (meaning, derivation, grammer_pattern, …). */
  extra: Record<string, unknown>;
}

export interface ReascanDataset {
  gridSize: number;
  typeGrammar?: string;
  minObjectSize?: number;
  maxObjectSize?: number;
  percentageTrain?: number;
  /** Split name → examples, in the file's order. */
  splits: Record<string, ReascanExample[]>;
  /** Other top-level fields (intransitive_verbs, …, relation_clauses; gSCAN's grammar, max_recursion). */
  extra: Record<string, unknown>;
}

/** The word lists ReaSCAN's generator writes at the top level of its files. */
export const REASCAN_LEXICON: Readonly<Record<string, readonly string[]>> = {
  intransitive_verbs: ['walk'],
  transitive_verbs: ['push', 'pull'],
  adverbs: ['while zigzagging', 'while spinning', 'cautiously', 'hesitantly'],
  nouns: ['circle', 'cylinder', 'square', 'box'],
  color_adjectives: ['red', 'blue', 'green', 'yellow'],
  size_adjectives: ['big', 'small'],
  relative_pronouns: ['that is'],
  relation_clauses: [
    'in the same row as',
    'in the same column as',
    'in the same color as',
    'in the same shape as',
    'in the same size as',
    'inside of',
  ],
};

const FILE_FIX =
  "the file should be ReaSCAN's data-compositional-splits.txt or gSCAN's dataset.txt: one JSON object whose " +
  '"examples" maps split names to lists of examples; download or unzip it again, or regenerate it';

// --- Byte scanner ------------------------------------------------------------------------------------------------

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/**
 * Walks a JSON text's bytes, finding where values start and end without decoding them; a value's bytes are then
 * decoded and parsed on their own. Malformed text inside a value surfaces when that value is parsed.
 */
class Scanner {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly file: string,
  ) {}

  fail(problem: string): never {
    throw new DataError(`${this.file}: not valid JSON at byte ${this.pos}: ${problem}`, FILE_FIX, this.file);
  }

  peek(): number | undefined {
    while (this.pos < this.buf.length && isSpace(this.buf[this.pos]!)) this.pos++;
    return this.buf[this.pos];
  }

  expect(b: number): void {
    if (this.peek() !== b) this.fail(`expected "${String.fromCharCode(b)}"`);
    this.pos++;
  }

  /** Index just past the string whose opening quote is at `i`. */
  private stringEnd(i: number): number {
    for (let j = i + 1; j < this.buf.length; j++) {
      const b = this.buf[j];
      if (b === BACKSLASH) j++;
      else if (b === QUOTE) return j + 1;
    }
    this.pos = i;
    return this.fail('a string is not closed');
  }

  /** Skip the value at the cursor; returns its byte span. */
  skipValue(): [number, number] {
    const first = this.peek();
    const start = this.pos;
    const buf = this.buf;
    let i = start;
    if (first === undefined) this.fail('the text ends where a value should be');
    if (first === QUOTE) {
      i = this.stringEnd(i);
    } else if (first === OPEN_BRACE || first === OPEN_BRACKET) {
      let depth = 0;
      for (; i < buf.length; i++) {
        const b = buf[i];
        if (b === QUOTE) i = this.stringEnd(i) - 1;
        else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
        else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && --depth === 0) break;
      }
      if (depth !== 0) this.fail('an object or list is not closed');
      i++;
    } else {
      while (
        i < buf.length &&
        !isSpace(buf[i]!) &&
        buf[i] !== COMMA &&
        buf[i] !== CLOSE_BRACE &&
        buf[i] !== CLOSE_BRACKET
      )
        i++;
    }
    this.pos = i;
    return [start, i];
  }

  /** Parse the value at the cursor; `where` names it in errors. */
  value(where: string): unknown {
    const [start, end] = this.skipValue();
    try {
      return JSON.parse(this.buf.toString('utf8', start, end));
    } catch (e) {
      throw new DataError(`${where}: not valid JSON (${(e as Error).message})`, FILE_FIX, this.file);
    }
  }

  /** Each member of the object at the cursor; the caller consumes each member's value before asking for the next. */
  *members(where: string): Generator<string> {
    this.expect(OPEN_BRACE);
    if (this.peek() === CLOSE_BRACE) {
      this.pos++;
      return;
    }
    for (;;) {
      if (this.peek() !== QUOTE) this.fail(`${where}: expected a quoted key`);
      const key = this.value(where) as string;
      this.expect(COLON);
      yield key;
      const next = this.peek();
      this.pos++;
      if (next === CLOSE_BRACE) return;
      if (next !== COMMA) this.fail(`${where}: expected "," or "}"`);
    }
  }

  /** Each element of the list at the cursor, by index; the caller consumes each element. */
  *elements(where: string): Generator<number> {
    this.expect(OPEN_BRACKET);
    if (this.peek() === CLOSE_BRACKET) {
      this.pos++;
      return;
    }
    for (let i = 0; ; i++) {
      yield i;
      const next = this.peek();
      this.pos++;
      if (next === CLOSE_BRACKET) return;
      if (next !== COMMA) this.fail(`${where}: expected "," or "]"`);
    }
  }
}

// --- Parsing one example -------------------------------------------------------------------------------------------

function problem(where: string, what: string, file: string): DataError {
  return new DataError(`${where}: ${what}`, FILE_FIX, file);
}

function asRecord(v: unknown, where: string, file: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw problem(where, 'must be a JSON object', file);
  return v as Record<string, unknown>;
}

function asString(v: unknown, where: string, file: string): string {
  if (typeof v !== 'string') throw problem(where, `must be a string, got ${JSON.stringify(v)}`, file);
  return v;
}

/** An integer in [lo, hi]; the files write positions and sizes as strings ("3"), directions as numbers. */
function asInt(v: unknown, lo: number, hi: number, where: string, file: string): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < lo || n > hi) {
    throw problem(where, `must be an integer from ${lo} to ${hi}, got ${JSON.stringify(v)}`, file);
  }
  return n;
}

function rest(o: Record<string, unknown>, known: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !known.includes(k)));
}

function parsePosition(v: unknown, gridSize: number, where: string, file: string): Position {
  const o = asRecord(v, where, file);
  return {
    row: asInt(o.row, 0, gridSize - 1, `${where}.row`, file),
    column: asInt(o.column, 0, gridSize - 1, `${where}.column`, file),
  };
}

function parsePlaced(v: unknown, gridSize: number, where: string, file: string): PlacedObject {
  const o = asRecord(v, where, file);
  const spec = asRecord(o.object, `${where}.object`, file);
  const shape = asString(spec.shape, `${where}.object.shape`, file);
  const color = asString(spec.color, `${where}.object.color`, file);
  if (!(SHAPES as readonly string[]).includes(shape)) {
    throw problem(`${where}.object.shape`, `must be one of ${SHAPES.join(', ')}, got "${shape}"`, file);
  }
  if (!(COLORS as readonly string[]).includes(color)) {
    throw problem(`${where}.object.color`, `must be one of ${COLORS.join(', ')}, got "${color}"`, file);
  }
  const object = {
    shape: shape as Shape,
    color: color as Color,
    size: asInt(spec.size, MIN_SIZE, MAX_SIZE, `${where}.object.size`, file),
  };
  const vector = typeof o.vector === 'string' ? o.vector : objectVector(object);
  return { object, position: parsePosition(o.position, gridSize, `${where}.position`, file), vector };
}

const SITUATION_KEYS = ['grid_size', 'agent_position', 'agent_direction', 'target_object', 'placed_objects'];

function parseSituation(v: unknown, where: string, file: string): ReascanSituation {
  const o = asRecord(v, where, file);
  const gridSize = asInt(o.grid_size, 1, 1000, `${where}.grid_size`, file);
  const placed = asRecord(o.placed_objects, `${where}.placed_objects`, file);
  return {
    gridSize,
    agent: parsePosition(o.agent_position, gridSize, `${where}.agent_position`, file),
    agentDirection: asInt(o.agent_direction, 0, 3, `${where}.agent_direction`, file) as Direction,
    target:
      o.target_object === null || o.target_object === undefined
        ? null
        : parsePlaced(o.target_object, gridSize, `${where}.target_object`, file),
    objects: Object.entries(placed).map(([k, p]) => parsePlaced(p, gridSize, `${where}.placed_objects.${k}`, file)),
    extra: rest(o, SITUATION_KEYS),
  };
}

/** "a,b,c" → ["a", "b", "c"]; "" → [] (an example with no actions). */
function splitCommas(s: string): string[] {
  return s === '' ? [] : s.split(',');
}

const EXAMPLE_KEYS = [
  'command',
  'target_commands',
  'verb_in_command',
  'adverb_in_command',
  'referred_target',
  'situation',
];

function parseExample(v: unknown, where: string, file: string): ReascanExample {
  const o = asRecord(v, where, file);
  const usesManner = !('adverb_in_command' in o) && 'manner' in o;
  const adverb = usesManner ? o.manner : (o.adverb_in_command ?? '');
  const example: ReascanExample = {
    command: splitCommas(asString(o.command, `${where}.command`, file)),
    targetCommands: splitCommas(asString(o.target_commands, `${where}.target_commands`, file)),
    verb: asString(o.verb_in_command, `${where}.verb_in_command`, file),
    adverb: asString(adverb, `${where}.${usesManner ? 'manner' : 'adverb_in_command'}`, file),
    referredTarget: asString(o.referred_target ?? '', `${where}.referred_target`, file),
    situation: parseSituation(o.situation, `${where}.situation`, file),
    extra: rest(o, usesManner ? [...EXAMPLE_KEYS, 'manner'] : EXAMPLE_KEYS),
  };
  if (usesManner) example.adverbKey = 'manner';
  return example;
}

// --- Reading -----------------------------------------------------------------------------------------------------

/** What the scanner reports, in file order: each top-level field and each example. */
type Event =
  | { kind: 'field'; key: string; value: unknown }
  | { kind: 'split'; split: string }
  | { kind: 'example'; split: string; index: number; example: ReascanExample };

function* scanDataset(buf: Buffer, file: string): Generator<Event> {
  const s = new Scanner(buf, file);
  let sawExamples = false;
  for (const key of s.members(file)) {
    if (key !== 'examples') {
      yield { kind: 'field', key, value: s.value(`${file}: "${key}"`) };
      continue;
    }
    sawExamples = true;
    for (const split of s.members(`${file}: examples`)) {
      yield { kind: 'split', split };
      for (const index of s.elements(`${file}: examples.${split}`)) {
        const where = `${file}: examples.${split}[${index}]`;
        yield { kind: 'example', split, index, example: parseExample(s.value(where), where, file) };
      }
    }
  }
  if (s.peek() !== undefined) s.fail('text follows the closing "}"');
  if (!sawExamples) throw new DataError(`${file}: has no "examples" field`, FILE_FIX, file);
}

function readBytes(file: string, what: string): Buffer {
  if (!existsSync(file)) {
    throw new DataError(
      `${file}: no such ${what} file`,
      'check the path; ReaSCAN-Causal ships its data in ReaSCAN-Causal.zip (data-compositional-splits.txt in each ' +
        'folder), gSCAN in data/compositional_splits.zip (dataset.txt), or generate it with generateReascanDataset',
      file,
    );
  }
  return readFileSync(file);
}

function headerField(key: string, value: unknown, file: string): Partial<ReascanDataset> {
  const where = `${file}: "${key}"`;
  switch (key) {
    case 'grid_size':
      return { gridSize: asInt(value, 1, 1000, where, file) };
    case 'type_grammar':
      return { typeGrammar: asString(value, where, file) };
    case 'min_object_size':
      return { minObjectSize: asInt(value, MIN_SIZE, MAX_SIZE, where, file) };
    case 'max_object_size':
      return { maxObjectSize: asInt(value, MIN_SIZE, MAX_SIZE, where, file) };
    case 'percentage_train':
      if (typeof value !== 'number') throw problem(where, `must be a number, got ${JSON.stringify(value)}`, file);
      return { percentageTrain: value };
    default:
      return {};
  }
}

const HEADER_KEYS = ['grid_size', 'type_grammar', 'min_object_size', 'max_object_size', 'percentage_train'];

/** Parse a data file's bytes; `file` names it in errors, which give the split and example index. */
export function parseReascanData(buf: Buffer, file: string): ReascanDataset {
  const ds: ReascanDataset = { gridSize: 0, splits: {}, extra: {} };
  for (const ev of scanDataset(buf, file)) {
    if (ev.kind === 'split') ds.splits[ev.split] = [];
    else if (ev.kind === 'example') ds.splits[ev.split]!.push(ev.example);
    else if (HEADER_KEYS.includes(ev.key)) Object.assign(ds, headerField(ev.key, ev.value, file));
    else ds.extra[ev.key] = ev.value;
  }
  if (ds.gridSize === 0) throw new DataError(`${file}: has no "grid_size" field`, FILE_FIX, file);
  return ds;
}

export function readReascanFile(file: string): ReascanDataset {
  return parseReascanData(readBytes(file, 'ReaSCAN/gSCAN data'), file);
}

/** Each example of a file in order, without holding the parsed dataset (for checks over large files). */
export function* reascanExamples(file: string): Generator<{ split: string; index: number; example: ReascanExample }> {
  for (const ev of scanDataset(readBytes(file, 'ReaSCAN/gSCAN data'), file)) {
    if (ev.kind === 'example') yield ev;
  }
}

// --- Writing -----------------------------------------------------------------------------------------------------

/** `known` and `extra` merged, keys in `order` first (as the authors' writers emit them), then the rest of `extra`. */
function ordered(
  known: Record<string, unknown>,
  extra: Record<string, unknown>,
  order: readonly string[],
): Record<string, unknown> {
  const all = { ...extra, ...known };
  const out: Record<string, unknown> = {};
  for (const k of order) if (k in all) out[k] = all[k];
  for (const k of Object.keys(extra)) if (!(k in out)) out[k] = extra[k];
  return out;
}

function positionRecord(p: Position): Record<string, string> {
  return { row: String(p.row), column: String(p.column) };
}

function placedRecord(p: PlacedObject): Record<string, unknown> {
  return {
    vector: p.vector,
    position: positionRecord(p.position),
    object: { shape: p.object.shape, color: p.object.color, size: String(p.object.size) },
  };
}

const SITUATION_ORDER = [
  'grid_size',
  'agent_position',
  'agent_direction',
  'target_object',
  'distance_to_target',
  'direction_to_target',
  'placed_objects',
  'carrying_object',
];

function situationRecord(s: ReascanSituation): Record<string, unknown> {
  const known = {
    grid_size: s.gridSize,
    agent_position: positionRecord(s.agent),
    agent_direction: s.agentDirection,
    target_object: s.target ? placedRecord(s.target) : null,
    placed_objects: Object.fromEntries(s.objects.map((p, i) => [String(i), placedRecord(p)])),
  };
  return ordered(known, s.extra, SITUATION_ORDER);
}

const EXAMPLE_ORDER = [
  'command',
  'grammer_pattern',
  'meaning',
  'derivation',
  'situation',
  'target_commands',
  'verb_in_command',
  'adverb_in_command',
  'manner',
  'referred_target',
];

/** One example as the files hold it. */
export function exampleRecord(e: ReascanExample): Record<string, unknown> {
  const known = {
    command: e.command.join(','),
    situation: situationRecord(e.situation),
    target_commands: e.targetCommands.join(','),
    verb_in_command: e.verb,
    [e.adverbKey ?? 'adverb_in_command']: e.adverb,
    referred_target: e.referredTarget,
  };
  return ordered(known, e.extra, EXAMPLE_ORDER);
}

const DATASET_ORDER = [
  'grid_size',
  'type_grammar',
  'grammar',
  'min_object_size',
  'max_object_size',
  'max_recursion',
  'percentage_train',
  'examples',
];

/** Python's `json.dump(indent=4)` layout, `depth` levels in. */
function indented(value: unknown, depth: number): string {
  return JSON.stringify(value, null, 4).replaceAll('\n', '\n' + ' '.repeat(4 * depth));
}

/** The file's text in pieces, so a large dataset is never one string. */
function* datasetChunks(ds: ReascanDataset): Generator<string> {
  const header = ordered(
    {
      grid_size: ds.gridSize,
      type_grammar: ds.typeGrammar,
      min_object_size: ds.minObjectSize,
      max_object_size: ds.maxObjectSize,
      percentage_train: ds.percentageTrain,
      examples: null,
    },
    ds.extra,
    DATASET_ORDER,
  );
  const keys = Object.keys(header).filter((k) => header[k] !== undefined);
  yield '{';
  for (const [ki, key] of keys.entries()) {
    yield `${ki ? ',' : ''}\n    ${JSON.stringify(key)}: `;
    if (key !== 'examples') {
      yield indented(header[key], 1);
      continue;
    }
    const splits = Object.entries(ds.splits);
    yield splits.length ? '{' : '{}';
    for (const [si, [split, examples]] of splits.entries()) {
      yield `${si ? ',' : ''}\n        ${JSON.stringify(split)}: ${examples.length ? '[' : '[]'}`;
      for (const [i, e] of examples.entries()) yield `${i ? ',' : ''}\n            ${indented(exampleRecord(e), 3)}`;
      if (examples.length) yield '\n        ]';
    }
    if (splits.length) yield '\n    }';
  }
  yield '\n}';
}

/** Write a dataset in the original layout (ReaSCAN's `json.dump(..., indent=4)`), atomically. */
export function writeReascanFile(file: string, ds: ReascanDataset): void {
  writeDataFile(file, datasetChunks(ds));
}

// --- Vocabulary files --------------------------------------------------------------------------------------------

const VOCAB_FIX =
  'a vocabulary file is JSON {sos_token, eos_token, pad_token, idx_to_word, word_to_idx, word_frequencies}, as ' +
  'ReaSCAN-Causal writes input_vocabulary.txt and target_vocabulary.txt; rebuild it from the train split';

export function readVocabularyFile(file: string): Vocabulary {
  const text = readBytes(file, 'vocabulary').toString('utf8');
  try {
    return parseVocabulary(JSON.parse(text), file);
  } catch (e) {
    if (e instanceof DataError) throw new DataError(e.message, VOCAB_FIX, file);
    throw new DataError(`${file}: not valid JSON (${(e as Error).message})`, VOCAB_FIX, file);
  }
}

function parseVocabulary(json: unknown, file: string): Vocabulary {
  const o = asRecord(json, file, file);
  const words = o.idx_to_word;
  if (!Array.isArray(words) || !words.every((w) => typeof w === 'string')) {
    throw problem(file, '"idx_to_word" must be a list of strings', file);
  }
  const counts = (key: string, hi: number) =>
    new Map(
      Object.entries(asRecord(o[key] ?? {}, `${file}: "${key}"`, file)).map(([w, n]) => [
        w,
        asInt(n, 0, hi, `${file}: ${key} "${w}"`, file),
      ]),
    );
  const v = emptyVocabulary();
  v.idxToWord = [...words];
  v.wordToIdx = counts('word_to_idx', words.length - 1);
  // The authors' files leave PAD out of word_to_idx (their lookup defaults to 0); fill in any word missing.
  for (const [i, w] of v.idxToWord.entries()) if (i > 0 && !v.wordToIdx.has(w)) v.wordToIdx.set(w, i);
  v.frequencies = counts('word_frequencies', Number.MAX_SAFE_INTEGER);
  return v;
}

/** Write a vocabulary as the authors do (PAD is not in `word_to_idx`: their lookup defaults to 0). */
export function writeVocabularyFile(file: string, v: Vocabulary): void {
  const record = {
    sos_token: v.idxToWord[1],
    eos_token: v.idxToWord[2],
    pad_token: v.idxToWord[0],
    idx_to_word: v.idxToWord,
    word_to_idx: Object.fromEntries(v.wordToIdx),
    word_frequencies: Object.fromEntries(v.frequencies),
  };
  writeDataFile(file, [JSON.stringify(record, null, 4)]);
}
