/**
 * Distributed interventions (DAS: Geiger, Wu, Potts, Icard & Goodman 2023):
 * a variable is not a block of neurons but a range of coordinates [a, a+k)
 * of a learned orthonormal basis of its site (the site flattened per
 * example, width n). With Q the basis (n × K, orthonormal columns; Q = Rᵀ for
 * the rotation R of the paper) and U the columns of a variable,
 *
 *   patched = Rᵀ((1−m)⊙R·b + m⊙R·s) = b − U·Uᵀ·b + U·Uᵀ·s,
 *
 * the same thing as the paper's rotate–swap–rotate back (RᵀR = I), computed
 * on the k coordinates only. A typed swap V→V′ reads the source's
 * coordinates of V and writes them into the base's of V′ (equal k).
 *
 * Parametrisation: Q = H₁·H₂⋯H_m·(−E), a product of Householder reflections
 * H_i = I − 2·v_i·v_iᵀ/(v_iᵀv_i), one learned vector v_i (a row of the
 * parameter [m, n]) each, applied to the first K columns of −I. Why: a
 * reflection is orthogonal for any v ≠ 0, so Q stays orthonormal to float
 * rounding however far the optimizer moves the vectors (a few ulps per
 * reflection, not growing with training), and it is built from matMul, sum,
 * div and sub only, which have gradients on every TensorFlow.js backend. The
 * Cayley transform needs a matrix inverse, which TensorFlow.js does not have
 * (no gradient either), and a matrix exponential is a truncated series whose
 * orthogonality error grows with the parameters' norm. m reflections reach
 * every orthonormal K-frame once m ≥ K. At v_i = e_i (init 'identity') each
 * reflection flips one sign and Q = E exactly, so the patch equals the neuron
 * swap of the same coordinates bit for bit.
 */
import type { AlignedNeurons } from '../alignment';
import { Rng } from '../rng';
import { tf, type Tensor } from '../tf';
import type { InterventionKind, PatchMemo, PrepareContext, PreparedSite, SiteVariable } from './kind';

/** `rotate: { dims }` / `lowRank: { dims }` of an alignment entry. */
export interface SubspaceDecl {
  /** k: how many coordinates of the site's learned basis the variable takes. */
  dims: number;
  /** First coordinate; default just after the previous variable's at this site (declaration order), else 0. */
  offset?: number;
  /** Initial basis: 'random' (seeded; default) or 'identity' (the neuron basis). */
  init?: 'random' | 'identity';
}

export interface SubspacePatch {
  kind: 'rotated' | 'lowRank';
  site: string;
  /** Per-example site shape. */
  shape: number[];
  basis: HouseholderBasis;
  /** Per swap, the basis columns [start, end) read from the source... */
  from: [number, number][];
  /** ...and written into the base. */
  to: [number, number][];
}

/** tf variable names must be unique per process. */
let uniq = 0;

/** An orthonormal n × K basis, the product of m Householder reflections (parameter [m, n]). */
export class HouseholderBasis {
  constructor(
    /** The reflection vectors, one per row. */
    readonly vectors: tf.Variable,
    /** K: the columns kept. */
    readonly columns: number,
  ) {}

  get width(): number {
    return this.vectors.shape[1]!;
  }

  /** `matrix()`, built once per interchange pass: `memo` keeps it for the pass's other patches. */
  matrixIn(memo?: PatchMemo): Tensor {
    let q = memo?.get(this);
    if (!q) {
      q = this.matrix();
      memo?.set(this, q);
    }
    return q;
  }

  /** Q [n, K]: orthonormal columns (differentiable in the vectors). */
  matrix(): Tensor {
    const [m, n] = this.vectors.shape as [number, number];
    const K = this.columns;
    // −E with +0 off the diagonal, so that the identity value reproduces E exactly (signed zeros included).
    const e = new Float32Array(n * K);
    for (let j = 0; j < K; j++) e[j * K + j] = -1;
    let x: Tensor = tf.tensor(e, [n, K]);
    for (let i = m - 1; i >= 0; i--) {
      const v = tf.slice(this.vectors, [i, 0], [1, n]);
      const scale = tf.div(2, tf.sum(tf.square(v)));
      x = tf.sub(x, tf.mul(tf.matMul(v, tf.matMul(v, x), true, false), scale));
    }
    return x;
  }
}

export function siteSeed(seed: number, site: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < site.length; i++) h = Math.imul(h ^ site.charCodeAt(i), 0x01000193);
  return (seed ^ h) >>> 0;
}

/** The alignment-entry keys whose value is a `SubspaceDecl`-like `{ dims, offset?, init? }`. */
export type CoordKey = 'rotate' | 'lowRank' | 'boundless';

/**
 * Each variable's coordinates [a, a + dims) of the site's learned basis (width n): `offset`, else just after the
 * previous variable's (declaration order). Out of range or overlapping coordinates are alignment errors.
 */
export function resolveCoords(vars: SiteVariable[], key: CoordKey, n: number, ctx: PrepareContext): [number, number][] {
  const { site, err } = ctx;
  let cursor = 0;
  const coords = vars.map(({ variable, entry }): [number, number] => {
    const d = entry[key]!;
    const dims = d.dims;
    if (!Number.isInteger(dims) || dims < 1 || dims > n) {
      throw err(
        'slice-out-of-range',
        `${variable}'s ${key}.dims = ${dims}, but site ${site} has ${n} neurons`,
        `use a whole number of dimensions from 1 to ${n}`,
        variable,
      );
    }
    const offset = d.offset ?? cursor;
    if (!Number.isInteger(offset) || offset < 0 || offset + dims > n) {
      throw err(
        'slice-out-of-range',
        `${variable}'s coordinates [${offset}, ${offset + dims}) of the ${key} basis are outside site ${site}'s ${n}`,
        d.offset === undefined
          ? `the variables at ${site} take ${offset + dims} coordinates in all; give them at most ${n}`
          : `use 0 <= offset <= ${n - dims}`,
        variable,
      );
    }
    cursor = offset + dims;
    return [offset, offset + dims];
  });
  coords.forEach(([a, b], i) => {
    for (let j = 0; j < i; j++) {
      const [c, d] = coords[j]!;
      if (a < d && c < b) {
        throw err(
          'overlap',
          `${vars[i]!.variable} [${a}, ${b}) and ${vars[j]!.variable} [${c}, ${d}) overlap in the ${key} basis of site ${site}`,
          'give them disjoint coordinate ranges (leave offset out to place them one after another)',
          vars[i]!.variable,
        );
      }
    }
  });
  return coords;
}

/** The variables of a site whose intervention reads and writes every neuron of it, at their basis coordinates. */
export function wholeSiteEntries(
  vars: SiteVariable[],
  kind: AlignedNeurons['kind'],
  site: string,
  shape: number[],
  coords?: [number, number][],
): AlignedNeurons[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  return vars.map(({ variable, type }, i) => ({
    variable,
    site,
    type,
    kind,
    ranges: shape.map((s): [number, number] => [0, s]),
    shape,
    flat: all,
    siteShape: shape,
    ...(coords ? { coords: coords[i] } : {}),
  }));
}

/** The one init the variables of a site ask for ('random' unless said). */
export function initOf(vars: SiteVariable[], key: CoordKey, { site, err }: PrepareContext): 'random' | 'identity' {
  const inits = [...new Set(vars.map((v) => v.entry[key]!.init ?? 'random'))];
  for (const init of inits) {
    if (init !== 'random' && init !== 'identity')
      throw err('bad-config', `${key}.init '${String(init)}'`, "use 'random' or 'identity'", vars[0]!.variable);
  }
  if (inits.length > 1) {
    throw err(
      'bad-config',
      `the variables at site ${site} share one ${key} basis but ask for different inits (${inits.join(', ')})`,
      'give them one init',
      vars[0]!.variable,
    );
  }
  return inits[0]!;
}

/**
 * The reflection vectors [m, n] named `pname` in the network's parameters: made (seeded, or the identity) unless a
 * parameter of that shape is there already. Kept in the network's parameters, so the optimizer, checkpoints and saved
 * weights carry it; another Alignment on this network (a configuration check) reuses it.
 */
export function householderVectors(
  pname: string,
  m: number,
  n: number,
  init: 'random' | 'identity',
  { site, net, seed }: PrepareContext,
): tf.Variable {
  const have = net.params.get(pname);
  if (have && have.shape.join() === `${m},${n}`) return have;
  const values = new Float32Array(m * n);
  if (init === 'identity') for (let i = 0; i < m; i++) values[i * n + i] = 1;
  else {
    const rng = new Rng(siteSeed(seed, site));
    for (let i = 0; i < values.length; i++) values[i] = rng.normal();
  }
  const vectors = tf.variable(tf.tensor(values, [m, n]), true, `${pname}_${uniq++}`);
  net.params.set(pname, vectors);
  return vectors;
}

/**
 * A subspace kind: `key` is its alignment-entry key, `reflections(n, K)` how
 * many reflections its basis has (n: the full rotation R; K: only the
 * columns the variables use), `fullBasis` whether all n columns are built.
 */
export function subspaceKind(
  name: SubspacePatch['kind'],
  key: 'rotate' | 'lowRank',
  reflections: (n: number, K: number) => number,
  fullBasis: boolean,
): InterventionKind<SubspacePatch> {
  return {
    name,
    key,
    prepare(vars, ctx): PreparedSite {
      const { site, shape } = ctx;
      const n = shape.reduce((a, b) => a * b, 1);
      const coords = resolveCoords(vars, key, n, ctx);
      const K = Math.max(...coords.map(([, b]) => b));
      const pname = `${key}.${site}.householder`;
      const vectors = householderVectors(pname, reflections(n, K), n, initOf(vars, key, ctx), ctx);
      const basis = new HouseholderBasis(vectors, fullBasis ? n : K);
      return {
        entries: wholeSiteEntries(vars, name, site, shape, coords),
        parameters: [pname],
        plan: (swaps) => ({
          kind: name,
          site,
          shape,
          basis,
          from: swaps.map((s) => s.from.coords!),
          to: swaps.map((s) => s.to.coords!),
        }),
      };
    },

    patch(base, source, p, memo) {
      const n = p.basis.width;
      const q = p.basis.matrixIn(memo);
      const cols = (rs: [number, number][]) => {
        const parts = rs.map(([a, b]) => tf.slice(q, [0, a], [n, b - a]));
        return parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
      };
      const uTo = cols(p.to);
      const same = p.from.every(([a, b], i) => a === p.to[i]![0] && b === p.to[i]![1]);
      const uFrom = same ? uTo : cols(p.from);
      const b = tf.reshape(base, [-1, n]);
      const s = tf.reshape(source, [-1, n]);
      const kept = tf.sub(b, tf.matMul(tf.matMul(b, uTo), uTo, false, true));
      return tf.reshape(tf.add(kept, tf.matMul(tf.matMul(s, uFrom), uTo, false, true)), base.shape);
    },
  };
}
