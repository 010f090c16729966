/**
 * MNIST Pointer-Value Retrieval (Zhang et al. 2021; Geiger et al. 2022 §4).
 *
 * A grid is four image indices [TL, TR, BL, BR] into one split's images; the
 * top-left image's class points at another quadrant (0–3 → TR, 4–6 → BL,
 * 7–9 → BR) and the label is that quadrant's class. Grids are sampled as
 * indices with a seeded Rng and composed into 56×56 pixels only when a batch
 * is needed, so no dataset of grids is ever written to disk.
 *
 * Systematic split: training grids never hold TR ∈ {1,2,3}, BL ∈ {4,5,6} or
 * BR ∈ {0,7,8,9}; test grids are those whose pointed-at quadrant holds a value
 * held out for that quadrant, which is why a model that only learned the
 * training distribution scores 0 on them.
 */
import { Rng } from '../engine/rng';
import { DataError, indicesByClass, type IdxDataset, type IdxSplit } from './idx';

export const QUADRANTS = ['TL', 'TR', 'BL', 'BR'] as const;
export type QuadrantName = (typeof QUADRANTS)[number];
/** Quadrant index: 0 TL, 1 TR, 2 BL, 3 BR (the order of a grid's four indices). */
export type Quadrant = 0 | 1 | 2 | 3;
export const TL = 0,
  TR = 1,
  BL = 2,
  BR = 3;

/** Classes each quadrant never shows in training (the paper's systematic split). */
export const HELD_OUT: readonly (readonly number[])[] = [[], [1, 2, 3], [4, 5, 6], [0, 7, 8, 9]];
const HELD_MASK = HELD_OUT.map((cs) => cs.reduce((m, c) => m | (1 << c), 0));

export const GRID_SIDE = 56;
const PVR_CLASSES = 10;

function checkClass(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v >= PVR_CLASSES) {
    throw new DataError(`${what} must be a class in 0..9, got ${v}`, 'PVR needs a 10-class image dataset');
  }
}

/** The quadrant the top-left class points at: 0–3 → TR, 4–6 → BL, 7–9 → BR. */
export function pointedQuadrant(tl: number): 1 | 2 | 3 {
  checkClass(tl, 'the top-left (pointer) class');
  return tl <= 3 ? TR : tl <= 6 ? BL : BR;
}

/** Whether class `value` is held out of training for quadrant `q`. */
export function isHeldOutFor(q: Quadrant, value: number): boolean {
  return ((HELD_MASK[q]! >> value) & 1) === 1;
}

/** PVR label of a grid's four classes (read at `offset` in a flat array). */
export function pvrLabel(labels: ArrayLike<number>, offset = 0): number {
  return labels[offset + pointedQuadrant(labels[offset]!)]!;
}

/** The training restriction: no quadrant shows a class held out for it. */
export function isTrainAllowed(labels: ArrayLike<number>, offset = 0): boolean {
  for (let q = 1; q < 4; q++) if (isHeldOutFor(q as Quadrant, labels[offset + q]!)) return false;
  return true;
}

/** The test-set definition: the pointed-at quadrant shows a class held out for it. */
export function isHeldOut(labels: ArrayLike<number>, offset = 0): boolean {
  const p = pointedQuadrant(labels[offset]!);
  return isHeldOutFor(p, labels[offset + p]!);
}

/** Class labels of the grid's four quadrants after base quadrant w takes source quadrant wSrc. */
export function swappedLabels(
  base: ArrayLike<number>,
  source: ArrayLike<number>,
  w: Quadrant,
  wSrc: Quadrant,
): number[] {
  const out = [base[0]!, base[1]!, base[2]!, base[3]!];
  out[w] = source[wSrc]!;
  return out;
}

/** A set of grids over one split's images. */
export interface PvrGrids {
  /** The split whose images the indices point into. */
  split: IdxSplit;
  /** How the grids were made. */
  kind: 'train' | 'test' | 'augmented' | 'custom';
  count: number;
  /** count × 4 image indices, [TL, TR, BL, BR] per grid. */
  grids: Int32Array;
  /** count × 4 classes of those images. */
  labels: Uint8Array;
  /** count PVR labels. */
  targets: Uint8Array;
}

function checkDataset(ds: IdxDataset): void {
  if (ds.classes !== PVR_CLASSES) {
    throw new DataError(
      `PVR needs a 10-class dataset; ${ds.labelsFile} was loaded with ${ds.classes} classes`,
      'load MNIST or Fashion-MNIST with classes: 10',
      ds.labelsFile,
    );
  }
}

/** Wrap explicit image indices as grids, checking every index against the split. */
export function gridsFromIndices(ds: IdxDataset, grids: Int32Array, kind: PvrGrids['kind'] = 'custom'): PvrGrids {
  checkDataset(ds);
  if (grids.length % 4 !== 0) {
    throw new DataError(
      `grid index array has length ${grids.length}, not a multiple of 4`,
      'give four image indices per grid',
    );
  }
  const count = grids.length / 4;
  const labels = new Uint8Array(grids.length);
  const targets = new Uint8Array(count);
  for (let i = 0; i < grids.length; i++) {
    const g = grids[i]!;
    if (!(g >= 0 && g < ds.count)) {
      throw new DataError(
        `grid ${i >> 2} quadrant ${QUADRANTS[i & 3]} points at image ${g}, outside 0..${ds.count - 1} of ${ds.imagesFile}`,
        `grid indices must address the ${ds.split} split they were made for`,
        ds.imagesFile,
      );
    }
    labels[i] = ds.labels[g]!;
  }
  for (let k = 0; k < count; k++) targets[k] = pvrLabel(labels, 4 * k);
  return { split: ds.split, kind, count, grids, labels, targets };
}

/** Per dataset: all image indices, and those allowed in each quadrant in training / held out. */
interface Pools {
  all: Int32Array;
  allowed: Int32Array[];
  held: Int32Array[];
}
const poolCache = new WeakMap<IdxDataset, Pools>();

function pools(ds: IdxDataset): Pools {
  let p = poolCache.get(ds);
  if (p) return p;
  checkDataset(ds);
  const byClass = indicesByClass(ds);
  const join = (keep: (c: number) => boolean): Int32Array => {
    const parts = byClass.filter((_, c) => keep(c));
    const out = new Int32Array(parts.reduce((n, a) => n + a.length, 0));
    let o = 0;
    for (const a of parts) {
      out.set(a, o);
      o += a.length;
    }
    return out;
  };
  const all = join(() => true);
  const allowed = [0, 1, 2, 3].map((q) => join((c) => !isHeldOutFor(q as Quadrant, c)));
  const held = [0, 1, 2, 3].map((q) => join((c) => isHeldOutFor(q as Quadrant, c)));
  for (let q = 0; q < 4; q++) {
    if (allowed[q]!.length === 0 || (q > 0 && held[q]!.length === 0)) {
      throw new DataError(
        `${ds.labelsFile}: quadrant ${QUADRANTS[q]} has no ${allowed[q]!.length === 0 ? 'admissible' : 'held-out'} images`,
        'PVR needs images of every class 0..9',
        ds.labelsFile,
      );
    }
  }
  p = { all, allowed, held };
  poolCache.set(ds, p);
  return p;
}

function pick(rng: Rng, pool: Int32Array): number {
  return pool[rng.int(pool.length)]!;
}

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 0)
    throw new DataError(`grid count must be a non-negative integer, got ${n}`, 'ask for a whole number of grids');
}

/**
 * n training grids, uniform over the grids the systematic split admits: each
 * quadrant independently draws from the images allowed there (the restriction
 * is a product of per-quadrant sets, so this equals rejection sampling from
 * uniform grids without the ≈70% rejections).
 */
export function sampleTrainGrids(ds: IdxDataset, n: number, rng: Rng): PvrGrids {
  if (ds.split !== 'train') {
    throw new DataError(
      `training grids must be built from the train split, got the ${ds.split} split (${ds.imagesFile})`,
      'load the train split for training grids; test images must not reach training',
      ds.imagesFile,
    );
  }
  checkCount(n);
  const p = pools(ds);
  const grids = new Int32Array(4 * n);
  for (let k = 0; k < n; k++) for (let q = 0; q < 4; q++) grids[4 * k + q] = pick(rng, p.allowed[q]!);
  return gridsFromIndices(ds, grids, 'train');
}

/**
 * n test grids from the test split's images: the pointer (TL) is any test image,
 * the pointed-at quadrant holds an image of a class held out for it, and the two
 * other quadrants are any test images. The pointer distribution thus matches
 * training (TL uniform), and only the pointed value is out of distribution.
 */
export function sampleTestGrids(ds: IdxDataset, n: number, rng: Rng): PvrGrids {
  if (ds.split !== 'test') {
    throw new DataError(
      `test grids must be built from the test split, got the ${ds.split} split (${ds.imagesFile})`,
      'load the test split for held-out grids',
      ds.imagesFile,
    );
  }
  checkCount(n);
  const p = pools(ds);
  const grids = new Int32Array(4 * n);
  for (let k = 0; k < n; k++) {
    const tl = pick(rng, p.all);
    const pq = pointedQuadrant(ds.labels[tl]!);
    grids[4 * k] = tl;
    for (let q = 1; q < 4; q++) grids[4 * k + q] = pick(rng, q === pq ? p.held[q]! : p.all);
  }
  return gridsFromIndices(ds, grids, 'test');
}

export interface ComposeOptions {
  /** Image side lengths; 28 for MNIST-style data. */
  rows?: number;
  cols?: number;
  /** Normalise each pixel: (v/255 − mean) / std. Default: v/255 in [0, 1]. */
  mean?: number;
  std?: number;
  /** Compose only these grid numbers, in this order (a batch). */
  select?: ArrayLike<number>;
  /** Write here instead of allocating (must hold count × 4·rows·cols floats). */
  out?: Float32Array;
}

/**
 * Pixels of grids: count × (2·rows) × (2·cols) floats, row-major (NHWC with one
 * channel). A 256-entry lookup table does the byte→float scaling, so the inner
 * loop is one table read per pixel.
 */
export function composeGrids(images: Uint8Array, grids: Int32Array, opts: ComposeOptions = {}): Float32Array {
  const rows = opts.rows ?? 28;
  const cols = opts.cols ?? 28;
  const px = rows * cols;
  if (images.length % px !== 0) {
    throw new DataError(
      `image buffer of ${images.length} bytes is not a whole number of ${rows}×${cols} images`,
      'pass the images of an IDX dataset and its rows/cols',
    );
  }
  const nImages = images.length / px;
  const total = grids.length >> 2;
  const sel = opts.select;
  const n = sel ? sel.length : total;
  const W = 2 * cols;
  const gridPx = 4 * px;
  const out = opts.out ?? new Float32Array(n * gridPx);
  if (out.length < n * gridPx) {
    throw new DataError(
      `output buffer holds ${out.length} floats, ${n} grids need ${n * gridPx}`,
      'allocate count × 4·rows·cols floats',
    );
  }
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 1;
  if (!(std > 0) || !Number.isFinite(mean)) {
    throw new DataError(
      `normalisation needs a finite mean and a positive std, got mean ${mean}, std ${std}`,
      'compute them with pixelStats() on the training images',
    );
  }
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = (v / 255 - mean) / std;
  for (let k = 0; k < n; k++) {
    const g = sel ? sel[k]! : k;
    if (!(g >= 0 && g < total))
      throw new DataError(`selected grid ${g} is outside 0..${total - 1}`, 'select grid numbers of this grid set');
    const o = k * gridPx;
    for (let q = 0; q < 4; q++) {
      const img = grids[4 * g + q]!;
      if (!(img >= 0 && img < nImages)) {
        throw new DataError(
          `grid ${g} quadrant ${QUADRANTS[q]} points at image ${img}, outside 0..${nImages - 1}`,
          'compose grids with the images of the split they were sampled from',
        );
      }
      const src = img * px;
      // Top-left pixel of quadrant q inside the 2rows × 2cols grid.
      const dst0 = o + (q >> 1) * rows * W + (q & 1) * cols;
      for (let r = 0; r < rows; r++) {
        const s = src + r * cols;
        const d = dst0 + r * W;
        for (let c = 0; c < cols; c++) out[d + c] = lut[images[s + c]!]!;
      }
    }
  }
  return out;
}

/** Mean and std of pixel/255 over a set of images, for composeGrids' normalisation. */
export function pixelStats(images: Uint8Array): { mean: number; std: number } {
  const hist = new Float64Array(256);
  for (let i = 0; i < images.length; i++) hist[images[i]!]!++;
  let s = 0;
  let s2 = 0;
  for (let v = 0; v < 256; v++) {
    const x = v / 255;
    s += hist[v]! * x;
    s2 += hist[v]! * x * x;
  }
  const mean = s / images.length;
  return { mean, std: Math.sqrt(Math.max(s2 / images.length - mean * mean, 0)) };
}

/**
 * Which counterfactuals a pair may produce.
 * - 'strict': the counterfactual grid (the base with quadrant w showing the
 *   source's quadrant w′ image) must itself satisfy the training restriction, so
 *   no held-out (quadrant, class) combination is ever trained on, even inside
 *   the network. Typed swaps that would move a 1 into TR, say, are rejected.
 * - 'paper': only the data is guarded (bases and sources are admissible training
 *   grids over training images); the swapped value may be one held out for the
 *   target quadrant. This is what the paper's typed IIT and AUGMENT do, and it is
 *   how they reach the held-out test grids (Table 1): under 'strict', typed IIT
 *   cannot learn anything NO TYPING does not.
 */
export type GuardMode = 'strict' | 'paper';

export class PairGuard {
  constructor(readonly mode: GuardMode = 'strict') {
    if (mode !== 'strict' && mode !== 'paper') {
      throw new DataError(`unknown pair guard mode '${String(mode)}'`, "use 'strict' or 'paper'");
    }
  }

  /** Why the pair (base, source, w ← w′) must not be trained on; undefined when it may. */
  reason(set: PvrGrids, base: number, source: number, w: Quadrant, wSrc: Quadrant): string | undefined {
    if (set.split !== 'train') return `grids over the ${set.split} split's images must not be used for training`;
    if (!isTrainAllowed(set.labels, 4 * base)) return `base grid ${base} violates the training restriction`;
    if (!isTrainAllowed(set.labels, 4 * source)) return `source grid ${source} violates the training restriction`;
    if (this.mode === 'strict') {
      const v = set.labels[4 * source + wSrc]!;
      if (isHeldOutFor(w, v)) {
        return `moving class ${v} from source ${QUADRANTS[wSrc]} into base ${QUADRANTS[w]} makes a held-out grid`;
      }
    }
    return undefined;
  }

  allows(set: PvrGrids, base: number, source: number, w: Quadrant, wSrc: Quadrant): boolean {
    return this.reason(set, base, source, w, wSrc) === undefined;
  }
}

export interface TrainPairs {
  count: number;
  /** Grid numbers into the grid set. */
  base: Int32Array;
  source: Int32Array;
  /** The base quadrant intervened on (w) and the source quadrant read (w′); equal when untyped. */
  w: Uint8Array;
  wSrc: Uint8Array;
  /** The causal model's label after the intervention Y_w ← Y_w′(source). */
  counterfactual: Uint8Array;
}

export interface PairOptions {
  /** Typed swaps (w′ ≠ w allowed, paper eq. 7) or the same variable only (eq. 5). */
  typed: boolean;
  /** Default 'strict'; see GuardMode. */
  guard?: PairGuard | GuardMode;
  /** Quadrants to intervene on (default all four). */
  variables?: readonly Quadrant[];
}

/** Source redraws allowed per pair before we conclude the guard admits none. */
const MAX_REDRAWS = 10_000;

function guardOf(g: PairGuard | GuardMode | undefined): PairGuard {
  return g instanceof PairGuard ? g : new PairGuard(g ?? 'strict');
}

function checkVariables(vars: readonly number[]): void {
  if (vars.length === 0 || vars.some((q) => !(q === 0 || q === 1 || q === 2 || q === 3))) {
    throw new DataError(
      `variables must be quadrant indices 0..3 (TL, TR, BL, BR), got [${vars.join(', ')}]`,
      'list at least one quadrant',
    );
  }
}

/** Draw a source for (base, w, w′) that the guard admits; throws when none is found. */
function drawSource(rng: Rng, set: PvrGrids, guard: PairGuard, base: number, w: Quadrant, wSrc: Quadrant): number {
  for (let t = 0; t < MAX_REDRAWS; t++) {
    const s = rng.int(set.count);
    if (guard.allows(set, base, s, w, wSrc)) return s;
  }
  throw new DataError(
    `no admissible source found in ${MAX_REDRAWS} draws for base ${base}, ${QUADRANTS[w]} ← ${QUADRANTS[wSrc]}: ` +
      (guard.reason(set, base, rng.int(set.count), w, wSrc) ?? 'the guard rejects almost every source'),
    'sample pairs over training grids from sampleTrainGrids()',
  );
}

/**
 * n training pairs for IIT: base uniform, (w, w′) uniform over the variables
 * (w′ = w unless typed), source uniform among those the guard admits for that
 * (base, w, w′). Keeping (w, w′) fixed while redrawing the source keeps every
 * variable pair equally frequent.
 */
export function sampleTrainPairs(rng: Rng, set: PvrGrids, n: number, opts: PairOptions): TrainPairs {
  checkCount(n);
  if (set.count === 0) throw new DataError('cannot sample pairs from an empty grid set', 'sample training grids first');
  const guard = guardOf(opts.guard);
  const vars = opts.variables ?? ([0, 1, 2, 3] as const);
  checkVariables(vars);
  const out: TrainPairs = {
    count: n,
    base: new Int32Array(n),
    source: new Int32Array(n),
    w: new Uint8Array(n),
    wSrc: new Uint8Array(n),
    counterfactual: new Uint8Array(n),
  };
  const L = set.labels;
  for (let k = 0; k < n; k++) {
    let b = rng.int(set.count);
    // A held-out base can't become admissible by redrawing the source; redraw it too.
    for (let t = 0; !isTrainAllowed(L, 4 * b); t++) {
      if (t >= MAX_REDRAWS)
        throw new DataError(
          `grid set holds no grid admissible for training (kind '${set.kind}')`,
          'sample pairs over training grids from sampleTrainGrids()',
        );
      b = rng.int(set.count);
    }
    const w = vars[rng.int(vars.length)]!;
    const wSrc = opts.typed ? vars[rng.int(vars.length)]! : w;
    const s = drawSource(rng, set, guard, b, w, wSrc);
    out.base[k] = b;
    out.source[k] = s;
    out.w[k] = w;
    out.wSrc[k] = wSrc;
    out.counterfactual[k] = pvrLabel(
      swappedLabels(L.subarray(4 * b, 4 * b + 4), L.subarray(4 * s, 4 * s + 4), w, wSrc),
    );
  }
  return out;
}

/**
 * n augmented grids (the paper's AUGMENT preset): a random base with a random
 * quadrant replaced by a random quadrant's image of a random source, labelled by
 * the causal model. The guard decides which swaps are allowed: under 'strict'
 * every new grid still satisfies the training restriction.
 */
export function augmentGrids(
  rng: Rng,
  ds: IdxDataset,
  set: PvrGrids,
  n: number,
  opts: { guard?: PairGuard | GuardMode } = {},
): PvrGrids {
  if (ds.split !== set.split) {
    throw new DataError(
      `grid set is over the ${set.split} split but the images given are the ${ds.split} split`,
      'pass the dataset the grids were sampled from',
    );
  }
  const pairs = sampleTrainPairs(rng, set, n, { typed: true, guard: opts.guard });
  const grids = new Int32Array(4 * n);
  for (let k = 0; k < n; k++) {
    grids.set(set.grids.subarray(4 * pairs.base[k]!, 4 * pairs.base[k]! + 4), 4 * k);
    grids[4 * k + pairs.w[k]!] = set.grids[4 * pairs.source[k]! + pairs.wSrc[k]!]!;
  }
  return gridsFromIndices(ds, grids, 'augmented');
}

/** Counts that describe the split, for docs and the CLI. */
export function splitStats(train: IdxDataset, test: IdxDataset) {
  const frac = (ds: IdxDataset, q: Quadrant, held: boolean): number =>
    (held ? pools(ds).held[q]! : pools(ds).allowed[q]!).length / ds.count;
  const admissible = [0, 1, 2, 3].map((q) => pools(train).allowed[q]!.length);
  const admittedFraction = admissible.reduce((f, a) => (f * a) / train.count, 1);
  // A uniform random test grid is held out with probability Σ_pointer P(pointer group) · P(held in that quadrant).
  const p = pools(test);
  let heldFraction = 0;
  for (const tl of p.all) heldFraction += frac(test, pointedQuadrant(test.labels[tl]!), true);
  heldFraction /= test.count;
  return {
    trainImages: train.count,
    testImages: test.count,
    admissibleImagesPerQuadrant: Object.fromEntries(QUADRANTS.map((n, q) => [n, admissible[q]!])),
    admissibleTrainGrids: admissible.reduce((a, b) => a * b, 1),
    uniformGridRejectedFraction: 1 - admittedFraction,
    uniformTestGridHeldOutFraction: heldFraction,
  };
}
