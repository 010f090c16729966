/** config.json: what a run is, written when it starts and read to resume, evaluate, list and reuse it. */
export interface RunConfig {
  runId: string;
  experiment: string;
  /** The experiment file (absolute). */
  file: string;
  /** Configuration name, as declared. */
  config: string;
  seed: number;
  /** The backend the run trains on (resolved: `auto` is never recorded). */
  backend: string;
  /** Steps between checkpoints. */
  checkpointEvery: number;
  startTime: string;
  /** The configuration as resolved (training length, objectives, alignment …), to reuse stored runs safely. */
  resolved?: unknown;
  /** Digest of every split's inputs and the causal model's values: a resume on other data is refused. */
  data?: string;
  /** The data set the splits come from, as the experiment names it (e.g. `mnist` and the package it was read from). */
  dataset?: { name: string; source?: string };
  /**
   * Overrides given when the run started (`train --steps/--batch`; `align` freezes the network and `align --site`
   * replaces the alignment); a resume keeps them.
   */
  overrides?: { steps?: number; batchSize?: number; freeze?: 'network'; alignment?: Record<string, unknown> };
  /** The finished run whose network weights this run started from (`iit-studio align --run`), and when it started. */
  from?: { runDir: string; runId: string; startTime: string };
  /** Labels of each small split's inputs, in the order of the IIA grids. */
  inputLabels?: Record<string, string[]>;
}
