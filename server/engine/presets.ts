/**
 * The six training configurations of the paper's Table 1 as named presets.
 * Every objective a preset enables has weight 1.0, as in the paper
 * (Appendix: "we always assign a weight of 1.0 to the base objective plus
 * each additional objective").
 */
import type { ConfigDecl, ObjectivesDecl, TrainingDecl } from './experiment';
import { IITError } from './errors';

/** Objectives of each preset (Table 1's rows). */
export const PRESET_OBJECTIVES = {
  /** The task loss only. */
  STANDARD: { task: 1 },
  /** Task + typed IIT (Eq. 7: every V→V′ of one type, V′ = V included). */
  IIT: { task: 1, typedIit: 1 },
  /** Task + multi-task probes (Eq. 8). */
  MULTI: { task: 1, probe: 1 },
  /** Task + typed IIT + probes. */
  'IIT+MULTI': { task: 1, typedIit: 1, probe: 1 },
  /** Task on inputs augmented by swapping the input parts a variable depends on. */
  AUGMENT: { task: 1, augment: 1 },
  /** Task + IIT with same-variable swaps only (the ablation of typing). */
  'NO TYPING': { task: 1, iit: 1 },
} as const satisfies Record<string, ObjectivesDecl>;

export type PresetName = keyof typeof PRESET_OBJECTIVES;

/**
 * A configuration that fits any experiment's model: no explicit pair list or alignment
 * (those are typed by the model), so `configs: presets()` type-checks inside
 * `experiment({...})` without naming the model's type.
 */
export type PresetConfig = Omit<ConfigDecl, 'training' | 'alignment'> & {
  training?: Omit<TrainingDecl, 'pairs'> & { pairs?: 'all' | 'sample' };
};
export const PRESET_NAMES = Object.keys(PRESET_OBJECTIVES) as PresetName[];

/**
 * Table 1's configurations, to spread into an experiment's `configs`:
 * `configs: { ...presets({ training: { steps: 2000 } }) }`.
 *
 * `common` is merged into every preset (training, evaluation, probe,
 * alignment, description). Its `objectives` re-weights the objectives a
 * preset enables and never enables others: `{ probe: 0.5 }` changes MULTI and
 * IIT+MULTI only. `only` picks a subset of the presets.
 */
export function presets(
  common: PresetConfig = {},
  only: readonly PresetName[] = PRESET_NAMES,
): Record<string, PresetConfig> {
  const out: Record<string, PresetConfig> = {};
  for (const name of only) {
    const base = PRESET_OBJECTIVES[name] as ObjectivesDecl | undefined;
    if (!base)
      throw new IITError(
        'bad-config',
        `presets: no preset '${String(name)}'`,
        `use ${PRESET_NAMES.join(', ')}`,
        undefined,
        String(name),
      );
    const objectives: ObjectivesDecl = {};
    for (const [k, w] of Object.entries(base))
      objectives[k as keyof ObjectivesDecl] = common.objectives?.[k as keyof ObjectivesDecl] ?? w;
    out[name] = { ...common, description: common.description ?? describe(name), objectives };
  }
  return out;
}

function describe(name: PresetName): string {
  const o = PRESET_OBJECTIVES[name] as ObjectivesDecl;
  return `${name} (Table 1): ${Object.keys(o).join(' + ')}`;
}
