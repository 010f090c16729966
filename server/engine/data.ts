/**
 * Splits of high-level inputs, their network features, and the causal
 * model's labels: behavioural (the output on an input) and counterfactual
 * (the output of an interchange intervention).
 */
import type { CausalModel, Setting, Swap } from './causal';
import { IITError } from './errors';
import type { Feeds } from './network';
import type { OutputHead } from './objectives';
import { tf, type Tensor } from './tf';
import type { Value } from './values';

/** A split's inputs, by index; large or generated splits need not be arrays. */
export interface Split<I> {
  readonly size: number;
  at(i: number): I;
}

export function asSplit<I>(s: readonly I[] | Split<I>): Split<I> {
  if (Array.isArray(s)) return { size: s.length, at: (i) => s[i]! };
  return s as Split<I>;
}

/** Features up to this many floats are encoded once and kept on the device. */
const CACHE_FLOATS = 1 << 24;

export class SplitData<M extends Record<string, Value> = Record<string, Value>> {
  private readonly values = new Map<number, M>();
  private cached?: Feeds;

  constructor(
    readonly name: string,
    readonly split: Split<Setting<M>>,
    readonly model: CausalModel<M>,
    private readonly head: OutputHead,
    private readonly encodeRows: (inputs: Setting<M>[]) => Feeds,
    featureSize: number,
  ) {
    if (split.size === 0)
      throw new IITError('bad-config', `data split '${name}' is empty`, 'give it at least one input');
    if (split.size * featureSize <= CACHE_FLOATS) {
      const all = Array.from({ length: split.size }, (_, i) => split.at(i));
      this.cached = Object.fromEntries(Object.entries(encodeRows(all)).map(([k, t]) => [k, tf.keep(t)]));
    }
  }

  get size(): number {
    return this.split.size;
  }

  input(i: number): Setting<M> {
    return this.split.at(i);
  }

  /** All variable values on input i (cached). */
  valuesAt(i: number): M {
    let v = this.values.get(i);
    if (!v) {
      v = this.model.run(this.split.at(i));
      this.values.set(i, v);
    }
    return v;
  }

  /** Label index of the causal model's output on input i. */
  label(i: number): number {
    return this.head.values.indexOf(this.valuesAt(i)[this.head.variable]);
  }

  /** Label index of the output after the interchange (base i, source j). */
  counterfactual(i: number, j: number, swaps: readonly Swap[]): number {
    const src = this.valuesAt(j);
    const intervention: Record<string, Value> = {};
    for (const s of swaps) intervention[s.to] = src[s.from]!;
    const out = this.model.run(this.split.at(i), intervention as Setting<M>);
    return this.head.values.indexOf(out[this.head.variable]);
  }

  /** Network inputs for the given rows of this split. */
  features(rows: Int32Array): Feeds {
    if (this.cached) {
      const idx = tf.tensor1d(rows, 'int32');
      const out = Object.fromEntries(Object.entries(this.cached).map(([k, t]) => [k, tf.gather(t, idx)]));
      idx.dispose();
      return out;
    }
    return this.encodeRows(Array.from(rows, (i) => this.split.at(i)));
  }

  dispose(): void {
    if (this.cached) Object.values(this.cached).forEach((t: Tensor) => t.dispose());
  }
}
