/**
 * MQNLI on disk: JSON Lines, one object per line, `{"premise", "hypothesis", "label", "codes"}`. A sentence is the
 * authors' "emptystring" string: the template's nine words, ε written `emptystring`, and "not every" / "does not"
 * as the single words `notevery` / `doesnot`, so every sentence has exactly nine words in fixed positions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeDataFile } from '../files';
import { DataError } from '../idx';
import { codeProblem, encode, type MqnliCode, type MqnliExample } from './encoding';
import { DETERMINERS, EMPTY, STRING_FUNCTION_WORDS, type Quantifier } from './lexicon';
import { compose, LABELS, type MqnliLabel, type MqnliSentence } from './natlog';

/** One line of the file. */
export interface MqnliRecord {
  premise: string;
  hypothesis: string;
  label: MqnliLabel;
  codes: MqnliCode;
}

const NEGATION = 'doesnot';
const RECORD_HINT =
  'each line is one JSON object {"premise": "<9 words>", "hypothesis": "<9 words>", "label": ' +
  '"entailment"|"contradiction"|"neutral", "codes": [12 integers]}; fix or delete the line';
const SENTENCE_HINT =
  'a sentence is nine words: quantifier (every, notevery, some, no), subject adjective or emptystring, subject ' +
  'noun, doesnot or emptystring, adverb or emptystring, verb, quantifier, object adjective or emptystring, object noun';

function orEmpty(w: string): string {
  return w === '' ? EMPTY : w;
}

/** A sentence as its nine-word string (the authors' construct_emptystring). */
export function sentenceString(s: MqnliSentence): string {
  return [
    s.subjectQ,
    orEmpty(s.subjectAdj),
    s.subjectNoun,
    s.negated ? NEGATION : EMPTY,
    orEmpty(s.adverb),
    s.verb,
    s.objectQ,
    orEmpty(s.objectAdj),
    s.objectNoun,
  ].join(' ');
}

const RESERVED = new Set<string>(STRING_FUNCTION_WORDS);

/** The word at `i` (1-based in messages) read as the given role; `where` prefixes the error ("file:line: premise"). */
function slotReader(words: string[], where: string) {
  const fail = (i: number, wanted: string): never => {
    throw new DataError(`${where}: word ${i + 1} should be ${wanted}, got "${words[i]}"`, SENTENCE_HINT);
  };
  return {
    quantifier(i: number): Quantifier {
      const w = words[i]!;
      return (DETERMINERS as readonly string[]).includes(w) ? (w as Quantifier) : fail(i, 'a quantifier');
    },
    content(i: number, what: string): string {
      const w = words[i]!;
      return RESERVED.has(w) ? fail(i, what) : w;
    },
    optional(i: number, what: string): string {
      const w = words[i]!;
      if (w === EMPTY) return '';
      return RESERVED.has(w) ? fail(i, `${what} or emptystring`) : w;
    },
    negation(i: number): boolean {
      const w = words[i]!;
      return w === NEGATION ? true : w === EMPTY ? false : fail(i, 'doesnot or emptystring');
    },
  };
}

/** Parse a nine-word sentence string; errors start with `where`. Words are checked by position, not by lexicon. */
export function parseSentenceString(text: string, where: string): MqnliSentence {
  const words = text.trim().split(/\s+/);
  if (words.length !== 9) {
    throw new DataError(`${where}: a sentence has 9 words, this one has ${words.length}: "${text}"`, SENTENCE_HINT);
  }
  const r = slotReader(words, where);
  return {
    subjectQ: r.quantifier(0),
    subjectAdj: r.optional(1, 'a subject adjective'),
    subjectNoun: r.content(2, 'a subject noun'),
    negated: r.negation(3),
    adverb: r.optional(4, 'an adverb'),
    verb: r.content(5, 'a verb'),
    objectQ: r.quantifier(6),
    objectAdj: r.optional(7, 'an object adjective'),
    objectNoun: r.content(8, 'an object noun'),
  };
}

export function toRecord(example: MqnliExample): MqnliRecord {
  return {
    premise: sentenceString(example.premise),
    hypothesis: sentenceString(example.hypothesis),
    label: example.label,
    codes: [...example.codes],
  };
}

function recordError(where: string, problem: string, file?: string): DataError {
  return new DataError(`${where}: ${problem}`, RECORD_HINT, file);
}

/** One line's object as an example; `where` is "file:line". */
function parseRecord(value: unknown, where: string): MqnliExample {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw recordError(where, 'the line is not a JSON object');
  }
  const o = value as Record<string, unknown>;
  for (const key of ['premise', 'hypothesis'] as const) {
    if (typeof o[key] !== 'string') throw recordError(where, `"${key}" must be a string`);
  }
  if (typeof o.label !== 'string' || !(LABELS as readonly string[]).includes(o.label)) {
    throw recordError(
      where,
      `"label" must be "entailment", "contradiction" or "neutral", got ${JSON.stringify(o.label)}`,
    );
  }
  const problem = codeProblem(o.codes);
  if (problem) throw recordError(where, `"codes": ${problem}`);
  return {
    premise: parseSentenceString(o.premise as string, `${where}: premise`),
    hypothesis: parseSentenceString(o.hypothesis as string, `${where}: hypothesis`),
    label: o.label as MqnliLabel,
    codes: [...(o.codes as number[])],
  };
}

/** Each non-blank line with its 1-based line number. */
function numberedLines(text: string): { line: number; text: string }[] {
  return text
    .split('\n')
    .map((t, i) => ({ line: i + 1, text: t.replace(/\r$/, '') }))
    .filter((l) => l.text.trim() !== '');
}

/** Parse JSONL text; `file` names the source in errors, which give file:line and how to fix the line. */
export function parseMqnliJsonl(text: string, file: string): MqnliExample[] {
  return numberedLines(text).map(({ line, text: t }) => {
    const where = `${file}:${line}`;
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch (e) {
      throw recordError(where, `not valid JSON (${(e as Error).message})`, file);
    }
    try {
      return parseRecord(value, where);
    } catch (e) {
      // Attach the file to errors raised below (they already name file:line in the message).
      if (e instanceof DataError && e.file === undefined) throw new DataError(e.message, e.fix ?? RECORD_HINT, file);
      throw e;
    }
  });
}

function readText(file: string): string {
  if (!existsSync(file)) {
    throw new DataError(
      `${file}: no such MQNLI file`,
      'check the path, or generate the data (generateMqnli, then writeMqnliJsonl)',
      file,
    );
  }
  return readFileSync(file, 'utf8');
}

export function readMqnliJsonl(file: string): MqnliExample[] {
  return parseMqnliJsonl(readText(file), file);
}

/** Lines are written in batches so a 500k-example file never sits in memory as one string. */
const WRITE_BATCH = 4096;

/**
 * Write examples as JSONL, atomically: into a temporary file in the same folder (so the rename cannot cross file
 * systems), flushed to disk, then renamed over `file`. A reader never sees half a file; a failed write leaves the
 * old file as it was.
 */
export function writeMqnliJsonl(file: string, examples: readonly MqnliExample[]): void {
  writeDataFile(file, jsonlBatches(examples));
}

function* jsonlBatches(examples: readonly MqnliExample[]): Generator<string> {
  for (let i = 0; i < examples.length; i += WRITE_BATCH)
    yield examples
      .slice(i, i + WRITE_BATCH)
      .map((e) => JSON.stringify(toRecord(e)) + '\n')
      .join('');
}

export interface MqnliDisagreement {
  /** 1-based line in the file. */
  line: number;
  premise: string;
  hypothesis: string;
  /** The label the file gives. */
  label: MqnliLabel;
  /** The natural-logic model's label. */
  computed: MqnliLabel;
  /** The codes the file gives, and the codes of its sentences. */
  codes: MqnliCode;
  computedCodes: MqnliCode;
}

export interface MqnliCheck {
  total: number;
  /** Lines whose label and codes both match what the sentences give. */
  agree: number;
  /** The first ten lines that do not. */
  disagreements: MqnliDisagreement[];
}

const MAX_DISAGREEMENTS = 10;

/** Recompute every label with the natural-logic model and every code from the sentences, and compare. */
export function checkMqnliFile(file: string): MqnliCheck {
  const text = readText(file);
  const lines = numberedLines(text).map((l) => l.line);
  const examples = parseMqnliJsonl(text, file);
  const result: MqnliCheck = { total: examples.length, agree: 0, disagreements: [] };
  examples.forEach((ex, i) => {
    const computed = compose(ex.premise, ex.hypothesis).label;
    const computedCodes = encode(ex);
    if (computed === ex.label && computedCodes.every((c, k) => c === ex.codes[k])) {
      result.agree++;
    } else if (result.disagreements.length < MAX_DISAGREEMENTS) {
      const { premise, hypothesis } = toRecord(ex);
      result.disagreements.push({
        line: lines[i]!,
        premise,
        hypothesis,
        label: ex.label,
        computed,
        codes: ex.codes,
        computedCodes,
      });
    }
  });
  return result;
}
