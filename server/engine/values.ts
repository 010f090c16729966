/**
 * Finite value sets of causal-model variables. Every set can test membership,
 * number its values densely (the index is the class label of a variable or an
 * output) and, when small, enumerate them.
 */
export type Value = boolean | number | string | readonly Value[];

export interface ValueSet<T extends Value = Value> {
  readonly kind: 'bool' | 'range' | 'enum' | 'tuple' | 'sequence';
  readonly size: number;
  has(v: unknown): v is T;
  /** Dense index of v in [0, size), or -1 when v is not in the set. */
  indexOf(v: unknown): number;
  at(i: number): T;
  /** All values, in index order. Throws for sets too large to list. */
  values(): T[];
  describe(): string;
}

const MAX_LIST = 1 << 20;

function listAll<T extends Value>(set: ValueSet<T>): T[] {
  if (set.size > MAX_LIST) throw new Error(`${set.describe()} has ${set.size} values: too many to list`);
  return Array.from({ length: set.size }, (_, i) => set.at(i));
}

/** The booleans, false (index 0) then true (index 1). */
export const bool: ValueSet<boolean> = {
  kind: 'bool',
  size: 2,
  has: (v): v is boolean => typeof v === 'boolean',
  indexOf: (v) => (v === false ? 0 : v === true ? 1 : -1),
  at: (i) => i === 1,
  values: () => [false, true],
  describe: () => 'boolean',
};

/** Integers lo..hi, both ends included. */
export function range(lo: number, hi: number): ValueSet<number> {
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
    throw new Error(`range(${lo}, ${hi}): need integers with lo <= hi`);
  }
  const set: ValueSet<number> = {
    kind: 'range',
    size: hi - lo + 1,
    has: (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi,
    indexOf: (v) => (set.has(v) ? (v as number) - lo : -1),
    at: (i) => lo + i,
    values: () => listAll(set),
    describe: () => `integer ${lo}..${hi}`,
  };
  return set;
}

/** An enumeration of distinct strings or numbers. */
export function oneOf<const T extends string | number>(...options: T[]): ValueSet<T> {
  if (options.length === 0) throw new Error('oneOf(): give at least one value');
  if (new Set(options).size !== options.length) throw new Error(`oneOf(${options.join(', ')}): values repeat`);
  const index = new Map<unknown, number>(options.map((o, i) => [o, i]));
  return {
    kind: 'enum',
    size: options.length,
    has: (v): v is T => index.has(v),
    indexOf: (v) => index.get(v) ?? -1,
    at: (i) => options[i]!,
    values: () => [...options],
    describe: () => `one of ${listed(options)}`,
  };
}

/** Options listed in full up to a dozen; a longer list (MQNLI's 101 adjectives) by its ends and its size. */
function listed(options: readonly (string | number)[]): string {
  const q = (o: string | number) => JSON.stringify(o);
  if (options.length <= 12) return options.map(q).join(' | ');
  return `${options.slice(0, 6).map(q).join(' | ')} | … | ${options.slice(-2).map(q).join(' | ')} (${options.length} values)`;
}

type TupleOf<S extends readonly ValueSet[]> = { readonly [I in keyof S]: S[I] extends ValueSet<infer T> ? T : never };

/** Cartesian product of sets; values are arrays, indexed in mixed radix (last fastest). */
export function tuple<const S extends readonly ValueSet[]>(...sets: S): ValueSet<TupleOf<S>> {
  const size = sets.reduce((n, s) => n * s.size, 1);
  const set: ValueSet<TupleOf<S>> = {
    kind: 'tuple',
    size,
    has: (v): v is TupleOf<S> => Array.isArray(v) && v.length === sets.length && sets.every((s, i) => s.has(v[i])),
    indexOf: (v) => {
      if (!Array.isArray(v) || v.length !== sets.length) return -1;
      let idx = 0;
      for (let i = 0; i < sets.length; i++) {
        const j = sets[i]!.indexOf(v[i]);
        if (j < 0) return -1;
        idx = idx * sets[i]!.size + j;
      }
      return idx;
    },
    at: (i) => {
      const out: Value[] = new Array(sets.length);
      for (let k = sets.length - 1; k >= 0; k--) {
        const s = sets[k]!;
        out[k] = s.at(i % s.size);
        i = Math.floor(i / s.size);
      }
      return out as unknown as TupleOf<S>;
    },
    values: () => listAll(set),
    describe: () => `(${sets.map((s) => s.describe()).join(', ')})`,
  };
  return set;
}

/** A set of sequences over a token set: what a seq2seq output (ReaSCAN's action sequence) takes. */
export interface SequenceSet<T extends string | number = string | number> extends ValueSet<readonly T[]> {
  readonly kind: 'sequence';
  readonly tokens: ValueSet<T>;
  readonly maxLength: number;
  /** The index of a sequence already numbered, else -1; unlike `indexOf` it numbers nothing (a network's guesses). */
  find(v: unknown): number;
}

/**
 * Sequences of at most `maxLength` tokens of `tokens`. There are too many to number densely, so a sequence gets
 * its index the first time `indexOf` sees it (labels are compared for equality only: exact match); `size` is the
 * count numbered so far. An output equation may return `null` under an intervention: no valid counterfactual, and
 * the pair is dropped (indexOf(null) is −1).
 */
export function sequence<const T extends string | number>(tokens: ValueSet<T>, maxLength: number): SequenceSet<T> {
  if (!Number.isInteger(maxLength) || maxLength < 1)
    throw new Error(`sequence(…, ${maxLength}): give a whole maximum length of at least 1`);
  const index = new Map<string, number>();
  const list: (readonly T[])[] = [];
  const has = (v: unknown): v is readonly T[] =>
    Array.isArray(v) && v.length <= maxLength && v.every((x) => tokens.has(x));
  const key = (v: readonly T[]) => JSON.stringify(v);
  const set: SequenceSet<T> = {
    kind: 'sequence',
    tokens,
    maxLength,
    get size() {
      return list.length;
    },
    has,
    indexOf: (v) => {
      if (!has(v)) return -1;
      const k = key(v);
      let i = index.get(k);
      if (i === undefined) {
        i = list.length;
        index.set(k, i);
        list.push([...v]);
      }
      return i;
    },
    find: (v) => (has(v) ? (index.get(key(v)) ?? -1) : -1),
    at: (i) => {
      const v = list[i];
      if (!v) throw new Error(`sequence value ${i} has not been numbered`);
      return v;
    },
    values: () => {
      throw new Error(`${set.describe()}: too many to list`);
    },
    describe: () => `sequence of at most ${maxLength} of ${tokens.describe()}`,
  };
  return set;
}

export function isSequenceSet(s: ValueSet): s is SequenceSet {
  return s.kind === 'sequence';
}

export function formatValue(v: unknown): string {
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (Array.isArray(v)) return `(${v.map(formatValue).join(',')})`;
  if (v === null) return 'none';
  return String(v);
}
