/**
 * Pair sampling for training and evaluation: (base, source) rows of a split
 * from a seeded Rng, an intervention per objective chosen per example or per
 * batch, an optional fraction of impactful pairs (the intervention changes
 * the causal model's output; MQNLI asks for half of 20 sources per base),
 * and an experiment's guard that rejects pairs (e.g. counterfactuals that
 * would leak a held-out split).
 */
import type { Swap } from './causal';
import type { SplitData } from './data';
import { IITError, type SourceLocation } from './errors';
import type { PairGuardFn, SamplingDecl } from './experiment';
import { Rng } from './rng';

/** Admissible sources tried per pair when looking for an impactful one. */
export const IMPACT_TRIES = 256;
/**
 * Sources tried on one base before another base is drawn: on some bases no
 * source can make an impact (PVR: a swap into a quadrant the pointer does
 * not point at), and keeping them would leave the pair unimpactful.
 */
export const IMPACT_TRIES_PER_BASE = 8;
/** Sources the guard may reject in a row before the sampler gives up. */
export const GUARD_TRIES = 10_000;

export interface SampledPairs {
  bases: Int32Array;
  sources: Int32Array;
  /** Per objective: the index of each pair's intervention in that objective's list. */
  choice: Record<string, Int32Array>;
}

export interface SamplerOptions {
  intervention: NonNullable<SamplingDecl['intervention']>;
  impactful: number;
  /** Pairs come in runs of this many sharing one base (default 1); the impactful fraction holds per run. */
  sourcesPerBase?: number;
  /** A fixed pool of this many bases × sourcesPerBase pairs, drawn once from `poolSeed`; batches draw from it. */
  bases?: number;
  poolSeed?: number;
  guard?: PairGuardFn;
  location?: SourceLocation;
}

/** Whether the intervention changes the causal model's output on this pair. */
export function isImpactful(split: SplitData, base: number, source: number, swaps: readonly Swap[]): boolean {
  // A pair with no valid counterfactual (−1) is dropped, not impactful.
  const cf = split.counterfactual(base, source, swaps);
  return cf >= 0 && cf !== split.label(base);
}

export class PairSampler {
  constructor(
    readonly split: SplitData,
    /** Interventions per objective ('iit', 'typedIit', 'augment', …). */
    readonly sets: Record<string, Swap[][]>,
    /** The objective whose intervention decides whether a pair is impactful. */
    readonly primary: string | undefined,
    readonly opts: SamplerOptions,
  ) {
    const k = opts.sourcesPerBase ?? 1;
    if (!(Number.isInteger(k) && k >= 1)) {
      throw new IITError(
        'bad-config',
        `sampling.sourcesPerBase = ${k}`,
        'give a whole number of sources per base, at least 1 (MQNLI uses 20)',
        opts.location,
        'sampling',
      );
    }
    if (!(opts.impactful >= 0 && opts.impactful <= 1)) {
      throw new IITError(
        'bad-config',
        `sampling.impactful = ${opts.impactful}`,
        'give a fraction between 0 and 1',
        opts.location,
        'sampling',
      );
    }
  }

  /**
   * B pairs: the first ⌈impactful·B⌉ are impactful whenever an admissible impactful pair is found (after
   * IMPACT_TRIES_PER_BASE sources without impact another base is drawn).
   */
  sample(B: number, rng: Rng): SampledPairs {
    return this.opts.bases ? this.fromPool(B, rng) : this.draw(B, rng);
  }

  private pool?: SampledPairs;

  /**
   * B pairs drawn at random from the pool (built on first use: `bases` runs of `sourcesPerBase` sources from
   * `poolSeed`, so a resumed run has the same pool), as the paper's shuffled 50,000 × 20 MQNLI pairs.
   */
  private fromPool(B: number, rng: Rng): SampledPairs {
    this.pool ??= this.draw(this.opts.bases! * (this.opts.sourcesPerBase ?? 1), new Rng(this.opts.poolSeed ?? 0));
    const pool = this.pool;
    const rows = Int32Array.from({ length: B }, () => rng.int(pool.bases.length));
    const pick = (a: Int32Array) => Int32Array.from(rows, (i) => a[i]!);
    return {
      bases: pick(pool.bases),
      sources: pick(pool.sources),
      choice: Object.fromEntries(Object.entries(pool.choice).map(([k, c]) => [k, pick(c)])),
    };
  }

  private draw(B: number, rng: Rng): SampledPairs {
    const n = this.split.size;
    const keys = Object.keys(this.sets);
    const bases = new Int32Array(B);
    const sources = new Int32Array(B);
    const choice: Record<string, Int32Array> = Object.fromEntries(keys.map((k) => [k, new Int32Array(B)]));
    const perBatch =
      this.opts.intervention === 'batch'
        ? Object.fromEntries(keys.map((k) => [k, rng.int(this.sets[k]!.length)]))
        : undefined;
    const perBase = this.opts.sourcesPerBase ?? 1;
    // With runs of sources per base the impactful share holds within each run (the base stays).
    const runLength = perBase > 1 ? perBase : B;
    const wantImpact = this.primary ? Math.ceil(this.opts.impactful * runLength - 1e-9) : 0;
    const guard = this.opts.guard;
    let runBase = -1;
    for (let r = 0; r < B; r++) {
      for (const k of keys) choice[k]![r] = perBatch ? perBatch[k]! : rng.int(this.sets[k]!.length);
      const j = r % runLength;
      if (perBase === 1 || j === 0) runBase = rng.int(n);
      let b = runBase;
      bases[r] = b;
      if (!guard && j >= wantImpact) {
        sources[r] = rng.int(n);
        continue;
      }
      const rowSwaps = keys.map((k) => this.sets[k]![choice[k]![r]!]!);
      const primSwaps = this.primary ? this.sets[this.primary]![choice[this.primary]![r]!]! : undefined;
      let fallback = -1;
      let fallbackBase = b;
      let misses = 0;
      for (let t = 0; ; t++) {
        if (t >= GUARD_TRIES) {
          throw new IITError(
            'bad-config',
            `pair sampling: the guard rejected ${GUARD_TRIES} sources in a row for base ${b} of split '${this.split.name}' (${this.split.model.formatSetting(this.split.input(b))})`,
            'check the guard: it must admit some source for every training base',
            this.opts.location,
            'guard',
          );
        }
        const s = rng.int(n);
        if (
          guard &&
          !rowSwaps.every((sw) =>
            guard(this.split.input(b), this.split.input(s), sw, { split: this.split.name, base: b, source: s }),
          )
        )
          continue;
        if (fallback < 0) {
          fallback = s;
          fallbackBase = b;
        }
        if (j >= wantImpact || isImpactful(this.split, b, s, primSwaps!)) {
          fallback = s;
          break;
        }
        if (++misses >= IMPACT_TRIES) {
          // None impactful: the first admissible pair.
          b = fallbackBase;
          break;
        }
        // No impact on this base so far: try another (unless the run keeps its base).
        if (perBase === 1 && misses % IMPACT_TRIES_PER_BASE === 0) b = rng.int(n);
      }
      bases[r] = b;
      sources[r] = fallback;
    }
    return { bases, sources, choice };
  }
}
