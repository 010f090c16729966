/**
 * Simple ReaSCAN commands (`--command_pattern p1` in the authors' generator): "walk to | push | pull the NP
 * [adverb]" where the NP is a shape with an optional size and colour (Reason-SCAN `grammer.py`), which objects a
 * description refers to (`relation_graph.py`'s size edges), and the token vocabularies (ReaSCAN-Causal
 * `ReaSCAN_dataset.py`).
 */
import { ADVERBS, VERBS, type Adverb, type Verb } from './simulator';
import { COLORS, TARGET_SHAPES, type Color, type Placed, type TargetShape } from './world';

export const SIZE_WORDS = ['small', 'big'] as const;
export type SizeWord = (typeof SIZE_WORDS)[number];

/** A description of one object: "small red circle", "cylinder", … */
export interface NounPhrase {
  size?: SizeWord;
  color?: Color;
  shape: TargetShape;
}

/** The pattern the generator files under `object_pattern_map` ("$SIZE $COLOR $SHAPE", …). */
export function npPattern(np: NounPhrase): string {
  return [np.size && '$SIZE', np.color && '$COLOR', '$SHAPE'].filter(Boolean).join(' ');
}

/** The words of the NP, size before colour as ReaSCAN writes them: "small red circle". */
export function npWords(np: NounPhrase): string[] {
  const words: string[] = [];
  if (np.size) words.push(np.size);
  if (np.color) words.push(np.color);
  return [...words, np.shape];
}

export function npString(np: NounPhrase): string {
  return npWords(np).join(' ');
}

/** The 45 NPs of the simple commands: {shape, colour shape, size shape, size colour shape} × 3 shapes. */
export function allNounPhrases(): NounPhrase[] {
  const out: NounPhrase[] = [];
  for (const shape of TARGET_SHAPES) {
    out.push({ shape });
    for (const color of COLORS) out.push({ color, shape });
    for (const size of SIZE_WORDS) {
      out.push({ size, shape });
      for (const color of COLORS) out.push({ size, color, shape });
    }
  }
  return out;
}

export interface SimpleCommand {
  verb: Verb;
  adverb: Adverb;
  np: NounPhrase;
}

/**
 * The command's tokens as the data files write them (words joined by commas there): walk takes "to", the
 * referent takes "the", an adverb goes last and "while zigzagging" is two tokens.
 */
export function commandTokens(c: SimpleCommand): string[] {
  const verb = c.verb === 'walk' ? ['walk', 'to'] : [c.verb];
  return [...verb, 'the', ...npWords(c.np), ...(c.adverb ? c.adverb.split(' ') : [])];
}

/** Where the NP's words sit in a command's tokens (0-based, no SOS). */
export interface NpTokenPositions {
  size?: number;
  color?: number;
  /** The noun (shape word). */
  shape: number;
}

export interface ParsedCommand extends SimpleCommand {
  positions: NpTokenPositions;
}

const DETERMINERS = new Set(['the', 'a']);

/**
 * Read a simple command back from its tokens. Lenient enough for gSCAN's commands as well ("a" for "the",
 * adjectives in either order, a one-token adverb "while spinning"); undefined for anything else, e.g.
 * ReaSCAN's relative clauses ("… that is inside of …").
 */
export function parseCommand(tokens: readonly string[]): ParsedCommand | undefined {
  let i = 0;
  const verb = tokens[i++];
  if (verb === undefined || !(VERBS as readonly string[]).includes(verb)) return undefined;
  if (verb === 'walk' && tokens[i++] !== 'to') return undefined;
  if (!DETERMINERS.has(tokens[i++] ?? '')) return undefined;
  const np: Partial<NounPhrase> = {};
  const positions: Partial<NpTokenPositions> = {};
  for (; i < tokens.length; i++) {
    const w = tokens[i]!;
    if ((SIZE_WORDS as readonly string[]).includes(w) && np.size === undefined) {
      [np.size, positions.size] = [w as SizeWord, i];
    } else if ((COLORS as readonly string[]).includes(w) && np.color === undefined) {
      [np.color, positions.color] = [w as Color, i];
    } else if ((TARGET_SHAPES as readonly string[]).includes(w)) {
      [np.shape, positions.shape] = [w as TargetShape, i];
      break;
    } else {
      return undefined;
    }
  }
  if (np.shape === undefined) return undefined;
  const adverb = tokens.slice(i + 1).join(' ');
  if (adverb !== '' && !(ADVERBS as readonly string[]).includes(adverb)) return undefined;
  return {
    verb: verb as Verb,
    adverb: adverb as Adverb,
    np: np as NounPhrase,
    positions: positions as NpTokenPositions,
  };
}

/**
 * The NP a `referred_target` field names ("small red circle", gSCAN's " red circle"); undefined when it is not a
 * simple NP (e.g. ReaSCAN's "big green object").
 */
export function parseNounPhrase(text: string): NounPhrase | undefined {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const parsed = parseCommand(['push', 'the', ...words]);
  return parsed && parsed.adverb === '' ? parsed.np : undefined;
}

/**
 * Indices of the objects `np` refers to. Shape and colour must match; "small X" is an X smaller than some other
 * X and "big X" one bigger than some other X, where X is the rest of the description (so "small red circle"
 * compares red circles, "small circle" all circles) — the size edges of `relation_graph.py`.
 */
export function referents(np: NounPhrase, objects: readonly Placed[]): number[] {
  const candidates = objects
    .map((p, i) => ({ o: p.object, i }))
    .filter(({ o }) => o.shape === np.shape && (np.color === undefined || o.color === np.color));
  if (np.size === undefined) return candidates.map((c) => c.i);
  const wantSmaller = np.size === 'small';
  return candidates
    .filter(({ o, i }) =>
      candidates.some((other) => other.i !== i && (wantSmaller ? o.size < other.o.size : o.size > other.o.size)),
    )
    .map((c) => c.i);
}

// --- Token vocabularies ----------------------------------------------------------------------------------------------

export const PAD_TOKEN = '<PAD>';
export const SOS_TOKEN = '<SOS>';
export const EOS_TOKEN = '<EOS>';
export const PAD_INDEX = 0;
export const SOS_INDEX = 1;
export const EOS_INDEX = 2;

/** Word ↔ index, PAD 0, SOS 1, EOS 2, then words in first-seen order (the authors' `Vocabulary`). */
export interface Vocabulary {
  idxToWord: string[];
  wordToIdx: Map<string, number>;
  /** How often each word was seen while building (the files keep it as `word_frequencies`). */
  frequencies: Map<string, number>;
}

export function emptyVocabulary(): Vocabulary {
  return {
    idxToWord: [PAD_TOKEN, SOS_TOKEN, EOS_TOKEN],
    wordToIdx: new Map([
      [SOS_TOKEN, SOS_INDEX],
      [EOS_TOKEN, EOS_INDEX],
    ]),
    frequencies: new Map(),
  };
}

export function addSentence(v: Vocabulary, words: readonly string[]): void {
  for (const w of words) {
    if (!v.wordToIdx.has(w)) {
      v.wordToIdx.set(w, v.idxToWord.length);
      v.idxToWord.push(w);
    }
    v.frequencies.set(w, (v.frequencies.get(w) ?? 0) + 1);
  }
}

/** A vocabulary over `sentences` (the authors build the input and target vocabularies from the train split). */
export function buildVocabulary(sentences: Iterable<readonly string[]>): Vocabulary {
  const v = emptyVocabulary();
  for (const s of sentences) addSentence(v, s);
  return v;
}

/** SOS, the words' indices, EOS. An unknown word maps to PAD, as the authors' default dictionary does. */
export function encodeTokens(v: Vocabulary, words: readonly string[]): number[] {
  return [SOS_INDEX, ...words.map((w) => v.wordToIdx.get(w) ?? PAD_INDEX), EOS_INDEX];
}

/** The words of `ids`, stopping at EOS and skipping SOS and PAD. */
export function decodeTokens(v: Vocabulary, ids: readonly number[]): string[] {
  const out: string[] = [];
  for (const id of ids) {
    if (id === EOS_INDEX) break;
    if (id !== SOS_INDEX && id !== PAD_INDEX) out.push(v.idxToWord[id] ?? PAD_TOKEN);
  }
  return out;
}
