/**
 * MQNLI examples as 12-integer codes, the hardest generalisation split ("0gendata"), a label-balanced generator,
 * and the 27-token BERT layout. A code records everything the label depends on (quantifiers, negations, and how the
 * premise's and hypothesis' words relate), not the words themselves; `realise` draws words for a code.
 */
import { IITError } from '../../engine/errors';
import { Rng } from '../../engine/rng';
import {
  DETERMINERS,
  EMPTY,
  FUNCTION_WORDS,
  LEXICON,
  LEXICON_CATEGORIES,
  lexiconProblems,
  type MqnliLexicon,
  type Quantifier,
} from './lexicon';
import {
  composeInputs,
  labelId,
  LABELS,
  negSig,
  PHRASE_RELATIONS,
  quantifierRelation,
  RELATIONS,
  type Composition,
  type MqnliLabel,
  type MqnliPair,
  type MqnliSentence,
  type Relation,
} from './natlog';

// ---------------------------------------------------------------------------------------------------------------
// The 12-integer code

/** The fields of a code, in order (the authors' example_to_encoding). */
export const CODE_FIELDS = [
  'negV_p',
  'Q_S_p',
  'Q_O_p',
  'negV_h',
  'Q_S_h',
  'Q_O_h',
  'adjS',
  'adjO',
  'adv',
  'sameN_S',
  'sameV',
  'sameN_O',
] as const;
export const CODE_LENGTH = CODE_FIELDS.length;

/** How many values each field takes: negations 0/1, quantifiers 0..3 (DETERMINERS order), modifiers 0..3, sameness 0/1. */
export const CODE_RADICES: readonly number[] = [2, 4, 4, 2, 4, 4, 4, 4, 4, 2, 2, 2];

/**
 * Every code there is: 2·4·4 · 2·4·4 · 4·4·4 · 2·2·2 = 2^19 = 524,288. This is also the number of keys the authors'
 * label file (`simple_solutions`, written by fol_model.build_simple_file) has: it enumerates 4^8 = 65,536
 * quantifier/modifier/negation combinations and stores each with all 8 sameness triples, and create_gen_split's
 * complement loop runs over the same twelve ranges. The hardest split's held-out pool is therefore 2^19 − 536 =
 * 523,752 codes. (A figure of 262,144 = 2^18 is half of this space; nothing in their code produces it.)
 */
export const CODE_SPACE = CODE_RADICES.reduce((a, b) => a * b, 1);

/**
 * Modifier (adjective/adverb) codes: 0 the same word (or both ε), 1 ε in the premise only (relation ⊐), 2 ε in the
 * hypothesis only (⊏), 3 two different words (#).
 */
export const MODIFIER_RELATIONS: readonly Relation[] = ['equivalence', 'reverse', 'forward', 'independence'];

export type MqnliCode = number[];

/** A realised, labelled example; `codes` is its 12-integer code. */
export interface MqnliExample extends MqnliPair {
  label: MqnliLabel;
  codes: MqnliCode;
}

function quantifierIndex(q: Quantifier): number {
  return DETERMINERS.indexOf(q);
}

function isEmptyWord(w: string): boolean {
  return w === '' || w === EMPTY;
}

function modifierCode(premiseWord: string, hypothesisWord: string): number {
  const p = isEmptyWord(premiseWord) ? '' : premiseWord;
  const h = isEmptyWord(hypothesisWord) ? '' : hypothesisWord;
  if (p === h) return 0;
  if (p === '') return 1;
  if (h === '') return 2;
  return 3;
}

/** The code of a pair (the authors' example_to_encoding). */
export function encode(pair: MqnliPair): MqnliCode {
  const { premise: p, hypothesis: h } = pair;
  return [
    p.negated ? 1 : 0,
    quantifierIndex(p.subjectQ),
    quantifierIndex(p.objectQ),
    h.negated ? 1 : 0,
    quantifierIndex(h.subjectQ),
    quantifierIndex(h.objectQ),
    modifierCode(p.subjectAdj, h.subjectAdj),
    modifierCode(p.objectAdj, h.objectAdj),
    modifierCode(p.adverb, h.adverb),
    p.subjectNoun === h.subjectNoun ? 1 : 0,
    p.verb === h.verb ? 1 : 0,
    p.objectNoun === h.objectNoun ? 1 : 0,
  ];
}

/** Why `code` is not a code, or undefined if it is one. */
export function codeProblem(code: unknown): string | undefined {
  if (!Array.isArray(code) || code.length !== CODE_LENGTH) return `a code is an array of ${CODE_LENGTH} integers`;
  for (let i = 0; i < CODE_LENGTH; i++) {
    const v: unknown = code[i];
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= CODE_RADICES[i]!) {
      return `${CODE_FIELDS[i]} (entry ${i + 1}) must be an integer in 0..${CODE_RADICES[i]! - 1}, got ${JSON.stringify(v)}`;
    }
  }
  return undefined;
}

function assertCode(code: readonly number[]): void {
  const problem = codeProblem(code);
  if (problem) throw new RangeError(`not an MQNLI code [${code.join(',')}]: ${problem}`);
}

/** A code as one integer in [0, CODE_SPACE) (mixed radix, first field most significant): for sets and tables. */
export function codeIndex(code: readonly number[]): number {
  let i = 0;
  for (let f = 0; f < CODE_LENGTH; f++) i = i * CODE_RADICES[f]! + code[f]!;
  return i;
}

export function codeAt(index: number): MqnliCode {
  const code = new Array<number>(CODE_LENGTH);
  for (let f = CODE_LENGTH - 1; f >= 0; f--) {
    code[f] = index % CODE_RADICES[f]!;
    index = Math.floor(index / CODE_RADICES[f]!);
  }
  return code;
}

function headRelation(same: number): Relation {
  return same === 1 ? 'equivalence' : 'independence';
}

/** The natural-logic composition of any pair with this code (words do not change it). */
export function composeCode(code: readonly number[]): Composition {
  assertCode(code);
  return composeInputs({
    premise: { negated: code[0] === 1, subjectQ: DETERMINERS[code[1]!]!, objectQ: DETERMINERS[code[2]!]! },
    hypothesis: { negated: code[3] === 1, subjectQ: DETERMINERS[code[4]!]!, objectQ: DETERMINERS[code[5]!]! },
    lexical: {
      subjectAdj: MODIFIER_RELATIONS[code[6]!]!,
      objectAdj: MODIFIER_RELATIONS[code[7]!]!,
      adverb: MODIFIER_RELATIONS[code[8]!]!,
      subjectNoun: headRelation(code[9]!),
      verb: headRelation(code[10]!),
      objectNoun: headRelation(code[11]!),
    },
  });
}

let codeLabels: Uint8Array | undefined;

/** IC label id (neutral 0, entailment 1, contradiction 2) of every code, by code index; computed once. */
export function codeLabelTable(): Uint8Array {
  if (!codeLabels) {
    const t = new Uint8Array(CODE_SPACE);
    for (let i = 0; i < CODE_SPACE; i++) t[i] = composeCode(codeAt(i)).labelId;
    codeLabels = t;
  }
  return codeLabels;
}

// ---------------------------------------------------------------------------------------------------------------
// Realising a code with words

function pickIndex(n: number, rng: Rng): number {
  return rng.int(n);
}

/** An index other than `i` among n, uniformly (the authors' select_new). */
function otherIndex(n: number, i: number, rng: Rng): number {
  const j = rng.int(n - 1);
  return j >= i ? j + 1 : j;
}

function headPair(words: readonly string[], same: number, rng: Rng): [string, string] {
  const i = pickIndex(words.length, rng);
  return [words[i]!, words[same === 1 ? i : otherIndex(words.length, i, rng)]!];
}

function modifierPair(words: readonly string[], code: number, rng: Rng): [string, string] {
  const n = words.length;
  if (code === 0) {
    // The same word, where "no word" is one of the n + 1 choices.
    const i = rng.int(n + 1);
    const w = i === n ? '' : words[i]!;
    return [w, w];
  }
  if (code === 1) return ['', words[pickIndex(n, rng)]!];
  if (code === 2) return [words[pickIndex(n, rng)]!, ''];
  const i = pickIndex(n, rng);
  return [words[i]!, words[otherIndex(n, i, rng)]!];
}

/** Draw words for a code (the authors' encoding_to_example, with our lexicon); encode(realise(c)) equals c. */
export function realise(code: readonly number[], rng: Rng, lexicon: MqnliLexicon = LEXICON): MqnliPair {
  assertCode(code);
  const [subjP, subjH] = headPair(lexicon.agents, code[9]!, rng);
  const [verbP, verbH] = headPair(lexicon.verbs, code[10]!, rng);
  const [objP, objH] = headPair(lexicon.things, code[11]!, rng);
  const [sAdjP, sAdjH] = modifierPair(lexicon.subjectAdjectives, code[6]!, rng);
  const [oAdjP, oAdjH] = modifierPair(lexicon.objectAdjectives, code[7]!, rng);
  const [advP, advH] = modifierPair(lexicon.adverbs, code[8]!, rng);
  const sentence = (neg: number, q1: number, q2: number, w: string[]): MqnliSentence => ({
    subjectQ: DETERMINERS[q1]!,
    subjectAdj: w[0]!,
    subjectNoun: w[1]!,
    negated: neg === 1,
    adverb: w[2]!,
    verb: w[3]!,
    objectQ: DETERMINERS[q2]!,
    objectAdj: w[4]!,
    objectNoun: w[5]!,
  });
  return {
    premise: sentence(code[0]!, code[1]!, code[2]!, [sAdjP, subjP, advP, verbP, oAdjP, objP]),
    hypothesis: sentence(code[3]!, code[4]!, code[5]!, [sAdjH, subjH, advH, verbH, oAdjH, objH]),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The hardest split (the authors' create_gen_split(0), which makes "0gendata")

/** Verb-negation combinations (premise, hypothesis), one per quarter of each QP_obj group. */
const VERB_NEGATIONS: readonly [boolean, boolean][] = [
  [true, true],
  [false, true],
  [true, false],
  [false, false],
];

/** The object half of a training skeleton, then the verb negation, then the subject half. */
interface Skeleton {
  objQ: [Quantifier, Quantifier];
  objNP: Relation;
  VP: Relation;
  QP_obj: Relation;
  negV: [boolean, boolean];
  negP: Relation;
  subjQ: [Quantifier, Quantifier];
  subjNP: Relation;
}

type ObjectPart = Pick<Skeleton, 'objQ' | 'objNP' | 'VP' | 'QP_obj'>;
type NegatedPart = ObjectPart & Pick<Skeleton, 'negV' | 'negP'>;

function quantifierPairs(): [Quantifier, Quantifier][] {
  return DETERMINERS.flatMap((p) => DETERMINERS.map((h): [Quantifier, Quantifier] => [p, h]));
}

/** All 16 quantifier pairs × 4 object-NP relations × 4 VP relations = 256 object-level combinations. */
function objectCombinations(): ObjectPart[] {
  return quantifierPairs().flatMap((objQ) =>
    PHRASE_RELATIONS.flatMap((objNP) =>
      PHRASE_RELATIONS.map((VP) => ({ objQ, objNP, VP, QP_obj: quantifierRelation(objQ[0], objQ[1], objNP, VP) })),
    ),
  );
}

function groupByRelation<T>(items: readonly T[], key: (t: T) => Relation): T[][] {
  return RELATIONS.map((r) => items.filter((t) => key(t) === r));
}

/** `count` items drawn by walking a shuffled copy of `items`, reshuffled each time it runs out. */
function dealCyclic<T>(items: readonly T[], count: number, rng: Rng): T[] {
  const out: T[] = [];
  let deck: T[] = [];
  for (let i = 0; i < count; i++) {
    if (deck.length === 0) deck = rng.shuffle([...items]);
    out.push(deck.pop()!);
  }
  return out;
}

/** Split each QP_obj group into disjoint quarters, one per verb-negation combination. */
function assignVerbNegations(parts: ObjectPart[], rng: Rng): NegatedPart[] {
  return groupByRelation(parts, (p) => p.QP_obj).flatMap((group) => {
    const g = rng.shuffle([...group]);
    return g.map((part, i) => {
      const negV = VERB_NEGATIONS[Math.floor((i * VERB_NEGATIONS.length) / g.length)]!;
      return { ...part, negV, negP: negSig(negV[0], negV[1], part.QP_obj) };
    });
  });
}

/** Subject keys: 16 quantifier pairs × 4 subject-NP relations. */
function subjectKeys(): Pick<Skeleton, 'subjQ' | 'subjNP'>[] {
  return quantifierPairs().flatMap((subjQ) => PHRASE_RELATIONS.map((subjNP) => ({ subjQ, subjNP })));
}

/**
 * Regroup by negP and spread each group over the 64 subject keys: a group larger than 64 is cut into 64 disjoint
 * slices; a smaller one gives every key one member, cycling through reshuffled orders.
 */
function assignSubjects(parts: NegatedPart[], rng: Rng): Skeleton[] {
  const keys = subjectKeys();
  return groupByRelation(parts, (p) => p.negP).flatMap((group) => {
    if (group.length === 0) return [];
    const g = rng.shuffle([...group]);
    if (g.length > keys.length) {
      return keys.flatMap((key, k) =>
        g
          .slice(Math.floor((k * g.length) / keys.length), Math.floor(((k + 1) * g.length) / keys.length))
          .map((part) => ({ ...part, ...key })),
      );
    }
    const dealt = dealCyclic(g, keys.length, rng);
    return keys.map((key, k) => ({ ...dealt[k]!, ...key }));
  });
}

/** A phrase as it is realised in a code: [modifier code, head same (1) or different (0)]. */
type PhrasePattern = [number, number];

/**
 * The five ways to realise a # phrase (modifier ⊏ / ⊐ / same / different over different heads, or different
 * modifiers over the same head), in the authors' numbering 1..5.
 */
const INDEPENDENT_PATTERNS: readonly PhrasePattern[] = [
  [2, 0],
  [1, 0],
  [0, 0],
  [3, 0],
  [3, 1],
];

/** One # pattern per context, dealt cyclically over the five. */
function patternTable(contexts: string[], rng: Rng): Map<string, PhrasePattern> {
  const dealt = dealCyclic(INDEPENDENT_PATTERNS, contexts.length, rng);
  return new Map(contexts.map((c, i) => [c, dealt[i]!]));
}

function phrasePattern(r: Relation, table: Map<string, PhrasePattern>, context: string): PhrasePattern {
  if (r !== 'independence') return [MODIFIER_RELATIONS.indexOf(r), 1];
  return table.get(context)!;
}

function context(q: [Quantifier, Quantifier], r: Relation): string {
  return `${q[0]}/${q[1]}/${r}`;
}

/** Contexts over all quantifier pairs and the given relations. */
function contexts(relations: readonly Relation[]): string[] {
  return quantifierPairs().flatMap((q) => relations.map((r) => context(q, r)));
}

/**
 * Turn skeletons into codes, realising each # phrase with the pattern of its context: the object NP's by (object
 * quantifiers, VP relation), the VP's by (object quantifiers, object adjective relation once the object NP is
 * realised: what the authors' code keys it on), the subject NP's by (subject quantifiers, negP).
 */
function skeletonCodes(skeletons: Skeleton[], rng: Rng): MqnliCode[] {
  const verbTable = patternTable(contexts(PHRASE_RELATIONS), rng);
  const objectTable = patternTable(contexts(PHRASE_RELATIONS), rng);
  const subjectTable = patternTable(contexts(RELATIONS), rng);
  return skeletons.map((s) => {
    const [adjO, sameO] = phrasePattern(s.objNP, objectTable, context(s.objQ, s.VP));
    const [adv, sameV] = phrasePattern(s.VP, verbTable, context(s.objQ, MODIFIER_RELATIONS[adjO]!));
    const [adjS, sameS] = phrasePattern(s.subjNP, subjectTable, context(s.subjQ, s.negP));
    const q = (x: Quantifier) => quantifierIndex(x);
    return [
      +s.negV[0],
      q(s.subjQ[0]),
      q(s.objQ[0]),
      +s.negV[1],
      q(s.subjQ[1]),
      q(s.objQ[1]),
      adjS,
      adjO,
      adv,
      sameS,
      sameV,
      sameO,
    ];
  });
}

export interface GenSplit {
  /** Code indices (codeIndex) of the training codes, ascending; validation and test draw from all the others. */
  train: number[];
  /** 1 at the code index of each training code. */
  isTrain: Uint8Array;
}

/**
 * The hardest fair generalisation split (the authors' create_gen_split(0), "0gendata": ratio 0, so no combination is
 * shared between quarters or keys). Group the 256 object-level combinations by QP_obj and give each group's quarters
 * (every group size, 4, 24 or 152, divides by 4) to different verb negations; regroup by negP
 * and spread each group over the 64 subject-level keys; realise each # phrase one way per context; encode. Training
 * sees 536 codes (6 negP groups × 64 keys + the 152 # ones), each object-level combination with one verb negation
 * only; every other code of the 2^19 is held out.
 */
export function createGenSplit(rng: Rng): GenSplit {
  const skeletons = assignSubjects(assignVerbNegations(objectCombinations(), rng), rng);
  const train = [...new Set(skeletonCodes(skeletons, rng).map(codeIndex))].sort((a, b) => a - b);
  const isTrain = new Uint8Array(CODE_SPACE);
  for (const i of train) isTrain[i] = 1;
  return { train, isTrain };
}

// ---------------------------------------------------------------------------------------------------------------
// Label-balanced sampling ("level 2")

/** Place value of each field in a code index. */
const PLACES: readonly number[] = CODE_RADICES.map((_, f) => CODE_RADICES.slice(f + 1).reduce((a, b) => a * b, 1));

/** One field of the code at `index`, without building the code. */
function codeField(index: number, field: number): number {
  return Math.floor(index / PLACES[field]!) % CODE_RADICES[field]!;
}

/** A code's (objNP, VP, subjNP) cell: each phrase's modifier code when its head is the same word, else 3 (#). */
function phraseCell(index: number): number {
  const phrase = (modifier: number, same: number) => (codeField(index, same) === 1 ? codeField(index, modifier) : 3);
  return phrase(7, 11) * 16 + phrase(8, 10) * 4 + phrase(6, 9);
}

/**
 * The authors' "level 2" weights: a code's weight is 1 / (number of codes of the pool in its (objNP, VP, subjNP)
 * cell), counted over all labels, so the 64 cells are drawn about equally often instead of in proportion to how
 * many codes they hold (most codes have some phrase #, which alone would swamp the rest).
 */
export function levelTwoWeights(pool: ArrayLike<number>): Float64Array {
  const cells = Uint8Array.from(pool, phraseCell);
  const counts = new Float64Array(64);
  for (const c of cells) counts[c] += 1;
  return Float64Array.from(cells, (c) => 1 / counts[c]!);
}

interface LabelPool {
  codes: Int32Array;
  cumulative: Float64Array;
}

/** A pool of code indices split by label, each with cumulative level-2 weights for drawing. */
export type CodeSampler = Record<MqnliLabel, LabelPool>;

export function codeSampler(pool: ArrayLike<number>): CodeSampler {
  const weights = levelTwoWeights(pool);
  const labels = codeLabelTable();
  const sizes = [0, 0, 0];
  for (let i = 0; i < pool.length; i++) sizes[labels[pool[i]!]!]! += 1;
  const out = {} as CodeSampler;
  for (const label of LABELS) {
    const id = labelId(label);
    const codes = new Int32Array(sizes[id]!);
    const cumulative = new Float64Array(sizes[id]!);
    let n = 0;
    let total = 0;
    for (let i = 0; i < pool.length; i++) {
      if (labels[pool[i]!] !== id) continue;
      total += weights[i]!;
      codes[n] = pool[i]!;
      cumulative[n++] = total;
    }
    out[label] = { codes, cumulative };
  }
  return out;
}

function drawCode(pool: LabelPool, rng: Rng): number {
  const total = pool.cumulative[pool.cumulative.length - 1]!;
  const u = rng.next() * total;
  let lo = 0;
  let hi = pool.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pool.cumulative[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return pool.codes[lo]!;
}

/** The authors draw entailment, contradiction, neutral in equal numbers, then shuffle. */
const BALANCE_ORDER: readonly MqnliLabel[] = ['entailment', 'contradiction', 'neutral'];

/**
 * `count` examples from a pool of code indices: each label a third (counts differ by at most one), codes drawn by
 * level-2 weight within the label, words drawn per example, then shuffled.
 */
export function sampleExamples(
  pool: ArrayLike<number> | CodeSampler,
  count: number,
  rng: Rng,
  lexicon: MqnliLexicon = LEXICON,
): MqnliExample[] {
  if (count === 0) return [];
  const pools = 'neutral' in pool ? pool : codeSampler(pool);
  for (const label of BALANCE_ORDER) {
    if (pools[label].codes.length === 0) {
      throw new IITError('bad-config', `the code pool has no ${label} code`, 'use a pool that holds all three labels');
    }
  }
  const examples: MqnliExample[] = [];
  for (let i = 0; i < count; i++) {
    const label = BALANCE_ORDER[i % BALANCE_ORDER.length]!;
    const codes = codeAt(drawCode(pools[label], rng));
    examples.push({ ...realise(codes, rng, lexicon), label, codes });
  }
  return rng.shuffle(examples);
}

export interface MqnliGenerateOptions {
  train: number;
  validation: number;
  test: number;
  seed: number;
  lexicon?: MqnliLexicon;
}

export interface MqnliDataset {
  train: MqnliExample[];
  validation: MqnliExample[];
  test: MqnliExample[];
  split: GenSplit;
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new IITError(
      'bad-config',
      `MQNLI ${name} size must be a whole number ≥ 0, got ${n}`,
      `set ${name} to e.g. 10000`,
    );
  }
}

/**
 * The hardest MQNLI split, generated: training examples from the 536 training codes, validation and test from the
 * held-out codes, each label a third, all determined by `seed`. Simplifications against the authors' procedure:
 * labels come from the natural-logic model (their first-order-logic label file is not published; their test
 * checks the two agree), a draw is exactly proportional to its level-2 weight, and validation and test are drawn
 * independently from the same held-out pool, as theirs are (so the two may share codes).
 */
export function generateMqnli(options: MqnliGenerateOptions): MqnliDataset {
  const lexicon = options.lexicon ?? LEXICON;
  const problems = lexiconProblems(lexicon);
  if (problems.length) throw new IITError('bad-config', `MQNLI lexicon: ${problems[0]}`, 'fix the word lists');
  for (const name of ['train', 'validation', 'test'] as const) checkCount(name, options[name]);
  const root = new Rng(options.seed);
  const streams = { split: root.seed(), train: root.seed(), validation: root.seed(), test: root.seed() };
  const split = createGenSplit(new Rng(streams.split));
  const heldOut = new Int32Array(CODE_SPACE - split.train.length);
  for (let i = 0, n = 0; i < CODE_SPACE; i++) if (!split.isTrain[i]) heldOut[n++] = i;
  // Validation and test draw from the same held-out pool; build its sampler once, and only when asked for.
  const heldOutSampler = options.validation + options.test > 0 ? codeSampler(heldOut) : undefined;
  return {
    train: sampleExamples(split.train, options.train, new Rng(streams.train), lexicon),
    validation: sampleExamples(heldOutSampler ?? heldOut, options.validation, new Rng(streams.validation), lexicon),
    test: sampleExamples(heldOutSampler ?? heldOut, options.test, new Rng(streams.test), lexicon),
    split,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The 27-token BERT layout

/** The 12 slots of a sentence: "not every" puts "not" before the quantifier, "does not" takes two slots. */
export const SLOTS = [
  'subjectNot',
  'subjectQ',
  'subjectAdj',
  'subjectNoun',
  'does',
  'not',
  'adverb',
  'verb',
  'objectNot',
  'objectQ',
  'objectAdj',
  'objectNoun',
] as const;
export type Slot = (typeof SLOTS)[number];

export const SEQUENCE_LENGTH = 2 * SLOTS.length + 3;
export const CLS_POSITION = 0;
export const PREMISE_START = 1;
export const FIRST_SEP_POSITION = PREMISE_START + SLOTS.length;
export const HYPOTHESIS_START = FIRST_SEP_POSITION + 1;
export const LAST_SEP_POSITION = HYPOTHESIS_START + SLOTS.length;

export function slotPosition(sentence: 'premise' | 'hypothesis', slot: Slot): number {
  return (sentence === 'premise' ? PREMISE_START : HYPOTHESIS_START) + SLOTS.indexOf(slot);
}

/** Where IIT aligns QP_obj: above the premise's verb. */
export const PREMISE_VERB_POSITION = slotPosition('premise', 'verb');
export const HYPOTHESIS_VERB_POSITION = slotPosition('hypothesis', 'verb');
const OBJECT_QP_SLOTS: readonly Slot[] = ['objectNot', 'objectQ', 'objectAdj', 'objectNoun'];
export const PREMISE_OBJECT_QP_POSITIONS: readonly number[] = OBJECT_QP_SLOTS.map((s) => slotPosition('premise', s));
export const HYPOTHESIS_OBJECT_QP_POSITIONS: readonly number[] = OBJECT_QP_SLOTS.map((s) =>
  slotPosition('hypothesis', s),
);

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

function word(w: string): string {
  return isEmptyWord(w) ? EMPTY : w;
}

function quantifierSlots(q: Quantifier): [string, string] {
  return q === 'notevery' ? ['not', 'every'] : [EMPTY, q];
}

/** A sentence's 12 slot tokens. */
export function sentenceSlots(s: MqnliSentence): string[] {
  return [
    ...quantifierSlots(s.subjectQ),
    word(s.subjectAdj),
    s.subjectNoun,
    s.negated ? 'does' : EMPTY,
    s.negated ? 'not' : EMPTY,
    word(s.adverb),
    s.verb,
    ...quantifierSlots(s.objectQ),
    word(s.objectAdj),
    s.objectNoun,
  ];
}

/** [CLS] premise(12) [SEP] hypothesis(12) [SEP]: 27 tokens. */
export function tokensOf(pair: MqnliPair): string[] {
  return ['[CLS]', ...sentenceSlots(pair.premise), '[SEP]', ...sentenceSlots(pair.hypothesis), '[SEP]'];
}

/** Token type ids: 0 up to and including the first [SEP] (14 zeros), 1 after it (13 ones). */
export function segmentsOf(pair: MqnliPair): number[] {
  return tokensOf(pair).map((_, i) => (i < HYPOTHESIS_START ? 0 : 1));
}

export interface MqnliVocabulary {
  readonly tokens: readonly string[];
  readonly size: number;
  readonly padId: number;
  readonly unkId: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly maskId: number;
  has(token: string): boolean;
  /** The token's id, or [UNK]'s for a word outside the vocabulary. */
  id(token: string): number;
}

let defaultVocabulary: MqnliVocabulary | undefined;

/** Special tokens, emptystring, the function words, then each lexicon list in LEXICON_CATEGORIES order. */
export function mqnliVocabulary(lexicon: MqnliLexicon = LEXICON): MqnliVocabulary {
  if (lexicon === LEXICON && defaultVocabulary) return defaultVocabulary;
  const tokens = [
    ...new Set<string>([...SPECIAL_TOKENS, EMPTY, ...FUNCTION_WORDS, ...LEXICON_CATEGORIES.flatMap((c) => lexicon[c])]),
  ];
  const ids = new Map(tokens.map((t, i) => [t, i]));
  const unkId = ids.get('[UNK]')!;
  const vocab: MqnliVocabulary = {
    tokens,
    size: tokens.length,
    padId: ids.get('[PAD]')!,
    unkId,
    clsId: ids.get('[CLS]')!,
    sepId: ids.get('[SEP]')!,
    maskId: ids.get('[MASK]')!,
    has: (t) => ids.has(t),
    id: (t) => ids.get(t) ?? unkId,
  };
  if (lexicon === LEXICON) defaultVocabulary = vocab;
  return vocab;
}

/** The 27 token ids of a pair. */
export function tokenIdsOf(pair: MqnliPair, vocab: MqnliVocabulary = mqnliVocabulary()): number[] {
  return tokensOf(pair).map((t) => vocab.id(t));
}
