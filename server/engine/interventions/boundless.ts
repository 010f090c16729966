/**
 * Boundless DAS (Wu, Geiger, Icard, Potts and Goodman 2023): `boundless: { dims, offset?, temperature? }` — a
 * learned rotation R of the site, as `rotate` (subspace.ts), whose variables take not a fixed coordinate range but a
 * soft one, with learned ends: coordinate i of R·x belongs to a variable with [a, b) by
 *
 *   w_i = σ((i + ½ − a)/τ) · σ((b − i − ½)/τ),
 *
 * and the swap is x′ = b_x + Rᵀ(w ⊙ R(s_x − b_x)). The ends start at the declared [offset, offset + dims) and are
 * parameters (`boundless.<site>.bounds`, one row [a, b] per variable); τ is annealed from 50 to 0.1 over training
 * (temperature.ts), so the mask ends almost 0/1 and the learned size is b − a. Typed swaps are not offered: two
 * variables' soft ranges need not be of one size.
 */
import type { AlignedNeurons } from '../alignment';
import { tf, type Tensor } from '../tf';
import type { InterventionKind, PreparedSite } from './kind';
import {
  HouseholderBasis,
  householderVectors,
  initOf,
  resolveCoords,
  wholeSiteEntries,
  type SubspaceDecl,
} from './subspace';
import { temperatureAt, temperatureBuffer, type TemperatureDecl } from './temperature';

export interface BoundlessDecl extends SubspaceDecl {
  /** The annealing of the boundary's sigmoid; default from 50 to 0.1. */
  temperature?: TemperatureDecl;
}

export interface BoundlessPatch {
  kind: 'boundless';
  site: string;
  shape: number[];
  basis: HouseholderBasis;
  /** [V, 2]: each variable's learned [start, end) in the rotated basis. */
  bounds: tf.Variable;
  /** The rows of `bounds` this patch swaps. */
  rows: number[];
  temperature: tf.Variable;
}

let uniq = 0;

export const boundless: InterventionKind<BoundlessPatch> = {
  name: 'boundless',
  key: 'boundless',
  typedSwaps: false,

  prepare(vars, ctx): PreparedSite {
    const { site, shape, net, err } = ctx;
    const n = shape.reduce((a, b) => a * b, 1);
    const coords = resolveCoords(vars, 'boundless', n, ctx);
    const hname = `boundless.${site}.householder`;
    const basis = new HouseholderBasis(householderVectors(hname, n, n, initOf(vars, 'boundless', ctx), ctx), n);
    const bname = `boundless.${site}.bounds`;
    let bounds = net.params.get(bname);
    if (!bounds || bounds.shape.join() !== `${vars.length},2`) {
      bounds = tf.variable(tf.tensor2d(coords.flat(), [vars.length, 2]), true, `${bname}_${uniq++}`);
      net.params.set(bname, bounds);
    }
    const t = temperatureBuffer('boundless', vars, ctx);
    const row = new Map(vars.map((v, i) => [v.variable, i]));
    const b = bounds;
    return {
      entries: wholeSiteEntries(vars, 'boundless', site, shape, coords),
      parameters: [hname, bname],
      buffers: [t.name],
      plan: (swaps: { from: AlignedNeurons; to: AlignedNeurons }[]) => {
        const typed = swaps.find((s) => s.from.variable !== s.to.variable);
        if (typed)
          throw err(
            'bad-config',
            `cannot swap ${typed.from.variable} into ${typed.to.variable}: boundless ranges are learned, so their sizes may differ`,
            'use rotate for typed swaps, or leave typedIit off',
            typed.to.variable,
          );
        return {
          kind: 'boundless',
          site,
          shape,
          basis,
          bounds: b,
          rows: swaps.map((s) => row.get(s.to.variable)!),
          temperature: t.value,
        };
      },
      schedule: (step, total) => t.value.assign(tf.scalar(temperatureAt(t.schedule, step, total))),
    };
  },

  patch(base, source, p, memo) {
    const n = p.basis.width;
    const q = p.basis.matrixIn(memo);
    const w = boundaryWeights(p.bounds, p.rows, n, p.temperature);
    const b = tf.reshape(base, [-1, n]);
    const d = tf.sub(tf.reshape(source, [-1, n]), b);
    const moved = tf.matMul(tf.mul(tf.matMul(d, q), w), q, false, true);
    return tf.reshape(tf.add(b, moved), base.shape);
  },
};

/** [1, n]: the soft membership of each rotated coordinate in the swapped variables' ranges, summed. */
export function boundaryWeights(bounds: Tensor, rows: number[], n: number, temperature: Tensor): Tensor {
  const centres = tf.tensor2d(
    Array.from({ length: n }, (_, i) => i + 0.5),
    [1, n],
  );
  const sel = tf.matMul(selection(rows, bounds.shape[0]!), bounds); // [S, 2]
  const a = tf.slice(sel, [0, 0], [-1, 1]);
  const e = tf.slice(sel, [0, 1], [-1, 1]);
  const w = tf.mul(
    tf.sigmoid(tf.div(tf.sub(centres, a), temperature)),
    tf.sigmoid(tf.div(tf.sub(e, centres), temperature)),
  );
  return tf.sum(w, 0, true);
}

/**
 * [S, V] one-hot rows picking `rows` of a [V, …] parameter: a matMul, whose gradient every backend has (a gather's
 * needs UnsortedSegmentSum, which wasm lacks, so `auto` would leave wasm for a slower backend).
 */
export function selection(rows: number[], count: number): Tensor {
  const m = new Float32Array(rows.length * count);
  rows.forEach((r, i) => (m[i * count + r] = 1));
  return tf.tensor2d(m, [rows.length, count]);
}
