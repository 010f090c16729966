/**
 * Figure 3b of Geiger et al. (2022): ReaSCAN, exact match of the action sequence in %, mean over 3 seeds, on the four
 * held-out splits (BRIEF §2), and which of the causal model's variables each split's IIA intervenes on.
 */
import type { CausalModel } from '../engine/causal';
import { ATTRIBUTE_VARIABLES, POSITION_VARIABLES } from './model';

/** Figure 3b's columns, in its order; attribute IIA on the attribute splits, position IIA on the others. */
export const FIGURE3B_COLUMNS = [
  { split: 'novel-color', title: 'novel colour', variables: ATTRIBUTE_VARIABLES },
  { split: 'novel-size', title: 'novel size', variables: ATTRIBUTE_VARIABLES },
  { split: 'novel-direction', title: 'novel direction', variables: POSITION_VARIABLES },
  { split: 'novel-length', title: 'novel length', variables: POSITION_VARIABLES },
] as const;

export type Figure3bSplit = (typeof FIGURE3B_COLUMNS)[number]['split'];
export type Figure3bNumbers = Record<Figure3bSplit, { behavioral: number; iia: number }>;

const row = (behavioral: number[], iia: number[]): Figure3bNumbers =>
  Object.fromEntries(
    FIGURE3B_COLUMNS.map((c, i) => [c.split, { behavioral: behavioral[i]!, iia: iia[i]! }]),
  ) as Figure3bNumbers;

export const PAPER_FIGURE3B: Record<string, Figure3bNumbers> = {
  STANDARD: row([55.98, 41.67, 0.0, 5.72], [44.26, 35.57, 0.0, 0.3]),
  MULTI: row([76.91, 39.46, 0.0, 9.05], [68.42, 45.83, 0.0, 0.19]),
  IIT: row([74.12, 65.65, 0.26, 10.2], [70.63, 65.18, 5.24, 4.75]),
  'IIT+MULTI': row([80.37, 74.84, 14.72, 25.82], [70.73, 75.34, 11.79, 8.49]),
};

/** Whether Figure 3b applies: the experiment's causal model is ReaSCAN's (`reascanCausalModel`). */
export function declaresFigure3b(model: Pick<CausalModel, 'names'>): boolean {
  const names = new Set<string>(model.names);
  const own = ['example', ...ATTRIBUTE_VARIABLES, ...POSITION_VARIABLES, 'actions'];
  return names.size === own.length && own.every((v) => names.has(v));
}
