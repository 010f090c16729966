/**
 * Alignments Π: each high-level intermediate variable maps to a block of
 * neurons at one site of the network (index ranges along any axes). The paper
 * requires the blocks of different variables not to overlap, and typed swaps
 * need variables of one type to have equal block shapes.
 */
import type { CausalModel, Swap } from './causal';
import { IITError, type SourceLocation } from './errors';
import type { Network } from './network';
import { tf, type Tensor } from './tf';
import type { Value } from './values';

export interface AlignmentEntry {
  site: string;
  /** Half-open [start, end) per non-batch axis of the site; a missing or null axis is taken whole. */
  slice?: ReadonlyArray<readonly [number, number] | null>;
}

export type AlignmentDecl<M = Record<string, Value>> = { [K in keyof M]?: AlignmentEntry };

export interface AlignedNeurons {
  variable: string;
  site: string;
  type: string;
  /** Resolved [start, end) for every non-batch axis. */
  ranges: [number, number][];
  /** Extent of the block along each axis. */
  shape: number[];
  /** Row-major indices of the block inside the flattened site. */
  flat: Int32Array;
  /** Per-example shape of the whole site. */
  siteShape: number[];
}

/** One block copy of a patch: the source's block at `from` goes to the base's block at `to`. */
export interface BlockMove {
  /** Start of the source block per non-batch axis. */
  fromBegin: number[];
  /** Extent of the block per axis. */
  size: number[];
  /** Padding that places the block at its target: [before, after] per axis. */
  toPad: [number, number][];
}

/**
 * What a patch does at one site: which neurons the base takes from the
 * source, and for typed swaps how blocks move. Built from slices and pads,
 * whose gradients are cheap on every backend (a gather's gradient is a
 * segment sum, quadratic on the cpu backend).
 */
export interface SitePatch {
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

export function swapKey(swaps: readonly Swap[]): string {
  return swaps.map((s) => (s.from === s.to ? s.from : `${s.from}→${s.to}`)).join('+');
}

export class Alignment {
  readonly entries = new Map<string, AlignedNeurons>();
  private readonly plans = new Map<string, SitePatch[]>();

  constructor(
    decl: AlignmentDecl,
    model: CausalModel,
    net: Network,
    readonly location?: SourceLocation,
  ) {
    const err = (code: ConstructorParameters<typeof IITError>[0], msg: string, fix: string, subject: string) =>
      new IITError(code, `alignment: ${msg}`, fix, location, subject);
    for (const [variable, entry] of Object.entries(decl)) {
      if (!entry) continue;
      if (!model.names.includes(variable)) {
        throw err(
          'unknown-variable',
          `${variable} is not a variable of the causal model`,
          `align one of ${model.intermediates.join(', ')}`,
          variable,
        );
      }
      if (!model.intermediates.includes(variable)) {
        throw err(
          'unknown-variable',
          `${variable} is an ${model.inputs.includes(variable) ? 'input' : 'output'} variable; only intermediate variables are aligned`,
          `align one of ${model.intermediates.join(', ')}`,
          variable,
        );
      }
      if (!entry.site || !net.hasSite(entry.site)) {
        throw err(
          'unknown-site',
          `${variable} is aligned to site '${entry.site}', which the network does not have`,
          `use one of ${net.sites.join(', ')}`,
          variable,
        );
      }
      const shape = net.siteShape(entry.site);
      const slice = entry.slice ?? [];
      if (slice.length > shape.length) {
        throw err(
          'slice-out-of-range',
          `${variable}'s slice has ${slice.length} axes but site ${entry.site} has ${shape.length} ([${shape}])`,
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
            `${variable}'s range [${a}, ${b}) on axis ${axis} is outside site ${entry.site}'s extent ${n}`,
            `use 0 <= start < end <= ${n}`,
            variable,
          );
        }
        return [a, b];
      });
      this.entries.set(variable, {
        variable,
        site: entry.site,
        type: model.typeOf(variable),
        ranges,
        shape: ranges.map(([a, b]) => b - a),
        flat: flatIndices(shape, ranges),
        siteShape: shape,
      });
    }
    if (this.entries.size === 0) {
      throw new IITError(
        'bad-config',
        'alignment: no variable is aligned',
        `align at least one of ${model.intermediates.join(', ')}`,
        location,
      );
    }
    // Blocks at one site must not overlap.
    const owner = new Map<string, string>();
    for (const a of this.entries.values()) {
      for (const i of a.flat) {
        const key = `${a.site}#${i}`;
        const other = owner.get(key);
        if (other) {
          throw err(
            'overlap',
            `${a.variable} and ${other} overlap at site ${a.site} (neuron ${i})`,
            `give them disjoint ranges`,
            a.variable,
          );
        }
        owner.set(key, a.variable);
      }
    }
    // Variables of one type need equal block shapes for typed swaps.
    const byType = new Map<string, AlignedNeurons>();
    for (const a of this.entries.values()) {
      const first = byType.get(a.type);
      if (!first) byType.set(a.type, a);
      else if (first.shape.join('x') !== a.shape.join('x')) {
        throw err(
          'type-shape-mismatch',
          `${a.variable} (${a.shape.join('×')}) and ${first.variable} (${first.shape.join('×')}) share type ${a.type} but not neuron shape`,
          `give them blocks of equal shape`,
          a.variable,
        );
      }
    }
  }

  get variables(): string[] {
    return [...this.entries.keys()];
  }

  get(variable: string): AlignedNeurons {
    const a = this.entries.get(variable);
    if (!a)
      throw new IITError(
        'unknown-variable',
        `${variable} is not aligned`,
        `align it or use one of ${this.variables.join(', ')}`,
        this.location,
        variable,
      );
    return a;
  }

  /** Same-variable interventions, one per aligned variable. */
  singleSwaps(): Swap[][] {
    return this.variables.map((v) => [{ from: v, to: v }]);
  }

  /** Every typed swap V→V′ with V, V′ of one type (V′ = V included). */
  typedSwaps(): Swap[][] {
    const out: Swap[][] = [];
    for (const a of this.entries.values()) {
      for (const b of this.entries.values()) if (a.type === b.type) out.push([{ from: a.variable, to: b.variable }]);
    }
    return out;
  }

  /**
   * The patch of an intervention, per site; cached since its tensors are
   * constants reused every step (kept out of tidy scopes).
   */
  plan(swaps: readonly Swap[]): SitePatch[] {
    const key = swapKey(swaps);
    const cached = this.plans.get(key);
    if (cached) return cached;
    const bySite = new Map<string, Swap[]>();
    for (const s of swaps) {
      const from = this.get(s.from);
      const to = this.get(s.to);
      if (from.site !== to.site) {
        throw new IITError(
          'type-shape-mismatch',
          `cannot swap ${s.from} (site ${from.site}) into ${s.to} (site ${to.site})`,
          'typed swaps need both variables at one site',
          this.location,
          s.to,
        );
      }
      if (from.shape.join() !== to.shape.join()) {
        throw new IITError(
          'type-shape-mismatch',
          `cannot swap ${s.from} into ${s.to}: neuron shapes differ`,
          'give them blocks of equal shape',
          this.location,
          s.to,
        );
      }
      bySite.set(from.site, [...(bySite.get(from.site) ?? []), s]);
    }
    const plans = [...bySite].map(([site, ss]) => {
      const shape = this.get(ss[0]!.from).siteShape;
      const size = shape.reduce((a, b) => a * b, 1);
      const mask = new Uint8Array(size);
      for (const sw of ss) for (const i of this.get(sw.to).flat) mask[i] = 1;
      const moved = ss.some((sw) => sw.from !== sw.to);
      const p: SitePatch = {
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
          ? ss.map((sw) => {
              const from = this.get(sw.from);
              const to = this.get(sw.to);
              return {
                fromBegin: from.ranges.map(([a]) => a),
                size: from.shape,
                toPad: to.ranges.map(([a, b], ax): [number, number] => [a, shape[ax]! - b]),
              };
            })
          : undefined,
      };
      return p;
    });
    this.plans.set(key, plans);
    return plans;
  }

  dispose(): void {
    for (const ps of this.plans.values()) for (const p of ps) [p.mask, p.keep].forEach((t) => t.dispose());
    this.plans.clear();
  }
}

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
