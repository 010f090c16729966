/**
 * The run report: the CLI's `--json` shape and a finished run's report
 * (server/runs writes it; server/protocol/results.ts declares the same shape
 * for the editor).
 */
import type { Metrics } from './metrics';
import type { Network } from './network';

export interface Report {
  experiment: string;
  config: string;
  backend: string;
  seed: number;
  steps: number;
  metrics: Metrics;
  before?: Metrics;
  parameters?: Record<string, number[]>;
  timing: { trainSeconds: number; examplesPerSecond: number };
  /** Training pairs left out of the IIT losses: the causal model had no counterfactual output for them. */
  droppedPairs?: number;
  /** The data the run trained and was measured on: the experiment's `dataset` (name, source) and the data digest. */
  data?: ReportData;
}

/** Which data a run used: the data set's name and source when the experiment declares them, and the digest of its splits. */
export interface ReportData {
  name?: string;
  source?: string;
  digest: string;
}

export async function buildReport(
  r: Omit<Report, 'parameters'> & { net?: Network; params?: boolean },
): Promise<Report> {
  const { net, params, ...rest } = r;
  const out: Report = { ...rest };
  if (params && net) {
    out.parameters = Object.fromEntries(Object.entries(await net.getParameters()).map(([k, v]) => [k, v.values]));
  }
  return out;
}
