/** Metric helpers: accuracy counts and Wilson score intervals for sampled IIA. */

/** 95% Wilson score interval for k successes in n trials. */
export function wilson(k: number, n: number, z = 1.959964): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export interface IiaMetrics {
  overall: number;
  byVariable: Record<string, number>;
  /** Pairs evaluated, over all interventions. */
  pairs: number;
  /** True when every ordered (base, source) pair was evaluated. */
  exact: boolean;
  /** 95% Wilson interval of `overall`, for sampled pairs. */
  interval?: [number, number];
  /** IIA of every typed swap V→V′ (keys `V→V′`, and `V` for V→V), when variables share a type. */
  typed?: Record<string, number>;
  /**
   * Chance level of `overall`: the fraction of the same evaluated pairs whose counterfactual output equals the base's
   * own output, i.e. the IIA of a network that ignores the intervention (and gets the base right).
   */
  chance?: number;
  /** For small exact spaces: per intervention, match (1) or not (0) for base i × source j, row-major. */
  grid?: Record<string, number[]>;
  /**
   * Pairs left out per variable because the causal model has no counterfactual output for them (a ReaSCAN
   * description that resolves to no object); `pairs` and the accuracies count only the rest.
   */
  dropped?: Record<string, number>;
}

export interface SplitMetrics {
  behavioral: number;
  examples: number;
  iia: IiaMetrics;
  /** Accuracy of each multi-task probe (value of the variable predicted from its aligned neurons), when probes are trained. */
  probe?: Record<string, number>;
}

export type Metrics = Record<string, SplitMetrics>;
