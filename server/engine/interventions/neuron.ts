/**
 * The neuron intervention (paper Eq. 1): a variable is a block of neurons at
 * its site (index ranges along any axes), and the interchange writes the
 * source's block into the base's with a 0/1 mask select. The paper requires
 * the blocks of different variables not to overlap.
 */
import type { AlignedNeurons, BlockMove } from '../alignment';
import { tf, type Tensor } from '../tf';
import type { InterventionKind, PreparedSite } from './kind';

/**
 * Which neurons the base takes from the source, and for typed swaps how
 * blocks move. Built from slices and pads, whose gradients are cheap on every
 * backend (a gather's gradient is a segment sum, quadratic on the cpu backend).
 */
export interface NeuronPatch {
  kind: 'neuron';
  site: string;
  /** Per-example site shape. */
  shape: number[];
  /** [1, ...shape] float: 1 where the base takes the patched value, else 0. */
  mask: Tensor;
  /** 1 − mask. */
  keep: Tensor;
  /** Block moves for typed swaps (V→V′ with V ≠ V′); none when every swap is V→V. */
  moves?: BlockMove[];
}

export const neuron: InterventionKind<NeuronPatch> = {
  name: 'neuron',

  prepare(vars, { site, shape, err }): PreparedSite {
    const entries = vars.map(({ variable, entry, type }): AlignedNeurons => {
      const slice = entry.slice ?? [];
      if (slice.length > shape.length) {
        throw err(
          'slice-out-of-range',
          `${variable}'s slice has ${slice.length} axes but site ${site} has ${shape.length} ([${shape}])`,
          `give at most ${shape.length} ranges`,
          variable,
        );
      }
      const ranges = shape.map((n, axis): [number, number] => {
        const r = slice[axis];
        if (!r) return [0, n];
        const [a, b] = r;
        if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b > n || a >= b) {
          throw err(
            'slice-out-of-range',
            `${variable}'s range [${a}, ${b}) on axis ${axis} is outside site ${site}'s extent ${n}`,
            `use 0 <= start < end <= ${n}`,
            variable,
          );
        }
        return [a, b];
      });
      return {
        variable,
        site,
        type,
        kind: 'neuron',
        ranges,
        shape: ranges.map(([a, b]) => b - a),
        flat: flatIndices(shape, ranges),
        siteShape: shape,
      };
    });
    // Blocks at one site must not overlap.
    const owner = new Map<number, string>();
    for (const a of entries) {
      for (const i of a.flat) {
        const other = owner.get(i);
        if (other) {
          throw err(
            'overlap',
            `${a.variable} and ${other} overlap at site ${a.site} (neuron ${i})`,
            `give them disjoint ranges`,
            a.variable,
          );
        }
        owner.set(i, a.variable);
      }
    }
    return {
      entries,
      parameters: [],
      plan(swaps): NeuronPatch {
        const size = shape.reduce((a, b) => a * b, 1);
        const mask = new Uint8Array(size);
        for (const sw of swaps) for (const i of sw.to.flat) mask[i] = 1;
        const moved = swaps.some((sw) => sw.from !== sw.to);
        return {
          kind: 'neuron',
          site,
          shape,
          mask: tf.keep(tf.tensor(Float32Array.from(mask), [1, ...shape], 'float32')),
          keep: tf.keep(
            tf.tensor(
              Float32Array.from(mask, (m) => 1 - m),
              [1, ...shape],
              'float32',
            ),
          ),
          moves: moved
            ? swaps.map(({ from, to }) => ({
                fromBegin: from.ranges.map(([a]) => a),
                size: from.shape,
                toPad: to.ranges.map(([a, b], ax): [number, number] => [a, shape[ax]! - b]),
              }))
            : undefined,
        };
      },
    };
  },

  /**
   * base·(1−m) + source·m with a 0/1 mask: exact for finite values (x·0 = 0,
   * x·1 = x), broadcast without tiling, and its gradient reaches the base and
   * the source computations alike.
   */
  patch(base, source, p) {
    let src = source;
    if (p.moves) {
      // Typed swaps: cut each source block out and pad it into its target position.
      const placed = p.moves.map((m) =>
        tf.pad(tf.slice(source, [0, ...m.fromBegin], [-1, ...m.size]), [[0, 0], ...m.toPad]),
      );
      src = placed.length === 1 ? placed[0]! : tf.addN(placed);
    }
    return tf.add(tf.mul(base, p.keep), tf.mul(src, p.mask));
  },
};

function flatIndices(shape: number[], ranges: [number, number][]): Int32Array {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const count = ranges.reduce((n, [a, b]) => n * (b - a), 1);
  const out = new Int32Array(count);
  const idx = ranges.map(([a]) => a);
  for (let k = 0; k < count; k++) {
    out[k] = idx.reduce((s, v, i) => s + v * strides[i]!, 0);
    // Advance the multi-index, last axis fastest (row-major order).
    for (let ax = idx.length - 1; ax >= 0; ax--) {
      if (++idx[ax]! < ranges[ax]![1]) break;
      idx[ax] = ranges[ax]![0];
    }
  }
  return out;
}
