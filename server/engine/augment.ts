/**
 * Data augmentation guided by the causal model (paper §4, §6): a new input is
 * made from a base and a source by swapping the input parts an aligned
 * variable depends on, and labelled by running the causal model on it. For a
 * typed swap V→V′ the source's inputs under V go into the base's inputs under
 * V′ (for PVR: a random quadrant of the source into a random quadrant of the
 * base). Unlike IIT this only manipulates inputs.
 */
import type { CausalModel, Setting, Swap } from './causal';
import { IITError, type SourceLocation } from './errors';
import type { AugmentFn } from './experiment';
import type { Rng } from './rng';
import type { Value } from './values';

/** The input variables `v` depends on, in the model's input order. */
export function inputAncestors(model: CausalModel, v: string): string[] {
  return model.inputs.filter((i) => model.dependsOn(v, i));
}

/** Why the input parts of `from` cannot replace those of `to`; undefined when they can. */
export function swapProblem(model: CausalModel, s: Swap): string | undefined {
  const src = inputAncestors(model, s.from);
  const dst = inputAncestors(model, s.to);
  if (src.length !== dst.length) {
    return `${s.from} depends on inputs [${src.join(', ')}] but ${s.to} on [${dst.join(', ')}]: no one-to-one swap of input parts`;
  }
  for (let k = 0; k < src.length; k++) {
    const a = model.valueSet(src[k]!);
    const b = model.valueSet(dst[k]!);
    // Equal sets (checked by description, or value by value for small ones).
    const same =
      a.size === b.size &&
      (a.describe() === b.describe() ||
        (a.size <= 4096 && Array.from({ length: a.size }, (_, i) => a.at(i)).every((x) => b.has(x))));
    if (!same) {
      return `input ${src[k]} (${a.describe()}) cannot be placed into input ${dst[k]} (${b.describe()})`;
    }
  }
  return undefined;
}

/**
 * The generic rule: the base with, for every swap V→V′, the source's values
 * of V's input ancestors written into V′'s input ancestors (paired in order).
 */
export function augmentInput<M extends Record<string, Value>>(
  model: CausalModel<M>,
  base: Setting<M>,
  source: Setting<M>,
  swaps: readonly Swap[],
): Setting<M> {
  const out: Record<string, Value | undefined> = { ...base };
  for (const s of swaps) {
    const src = inputAncestors(model as never, s.from);
    const dst = inputAncestors(model as never, s.to);
    dst.forEach((d, k) => (out[d] = source[src[k]! as keyof M] as Value));
  }
  return out as Setting<M>;
}

export class Augmenter {
  constructor(
    readonly model: CausalModel,
    /** Interventions to draw from (typed swaps, V→V included). */
    readonly swaps: Swap[][],
    private readonly custom?: AugmentFn,
    private readonly location?: SourceLocation,
  ) {
    if (custom) {
      if (typeof custom !== 'function')
        throw new IITError(
          'bad-config',
          'augment must be a function (base, source, rng, swaps) => input',
          'give augment: (base, source, rng) => ({ ...base, ... })',
          location,
          'augment',
        );
      return;
    }
    for (const sw of swaps) {
      for (const s of sw) {
        const why = swapProblem(model, s);
        if (why) {
          throw new IITError(
            'bad-config',
            `augment: ${why}`,
            'give the experiment its own augment: (base, source, rng, swaps) => input, or use the iit / typedIit objectives',
            location,
            s.to,
          );
        }
      }
    }
  }

  /** The augmented input for one (base, source, intervention). */
  make(
    base: Setting<Record<string, Value>>,
    source: Setting<Record<string, Value>>,
    swaps: Swap[],
    rng: Rng,
  ): Setting<Record<string, Value>> {
    if (!this.custom) return augmentInput(this.model, base, source, swaps);
    const x = this.custom(base, source, rng, swaps);
    for (const i of this.model.inputs) {
      if (!x || !this.model.valueSet(i).has(x[i])) {
        throw new IITError(
          'value-out-of-set',
          `augment returned ${x ? this.model.formatSetting(x) : String(x)}: input ${i} is missing or outside ${this.model.valueSet(i).describe()}`,
          'return a complete input setting',
          this.location,
          'augment',
        );
      }
    }
    return x;
  }
}
