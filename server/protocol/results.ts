/**
 * The result shapes the extension, the server and the webviews share: metrics, reports, runs and the description of
 * an experiment. The protocol declares them and the engine conforms (test/unit/protocol-conformance.test.ts fails to
 * compile when an engine type stops matching); nothing here imports the engine, so these types cost nothing in a
 * bundle that uses them.
 */

/** Interchange intervention accuracy on one split. */
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

/** Behaviour and IIA per split. */
export type Metrics = Record<string, SplitMetrics>;

/** A run's report: the CLI's `--json` output, a finished run's report (server/runs), iit/train's and iit/evaluate's result. */
export interface Report {
  experiment: string;
  config: string;
  backend: string;
  seed: number;
  steps: number;
  metrics: Metrics;
  /** Metrics of the untrained network, when the configuration asks for them. */
  before?: Metrics;
  /** Parameter values by name (the CLI's `--params`). */
  parameters?: Record<string, number[]>;
  timing: { trainSeconds: number; examplesPerSecond: number };
  /** Training pairs left out of the IIT losses: the causal model had no counterfactual output for them. */
  droppedPairs?: number;
  /** The data the run used: the experiment's data set (name, source) when declared, and the digest of its splits. */
  data?: { name?: string; source?: string; digest: string };
}

/** Where a run stands (iit/runs, the Runs view, the results view). */
/** `damaged`: a run directory whose files cannot be read as a run (the summary's `error` says which and why). */
export type RunStatus = 'queued' | 'running' | 'finished' | 'cancelled' | 'failed' | 'damaged';

/** One evaluation during training (one line of a run's metrics (server/runs), less its time). */
export interface EvalPoint {
  step: number;
  metrics: Metrics;
}

/** Losses per objective at one optimizer step. */
export interface LossPoint {
  step: number;
  losses: Record<string, number>;
}

/** One run as iit/runs lists it. */
export interface RunSummary {
  runId: string;
  runDir: string;
  experiment: string;
  /** The experiment file. */
  file?: string;
  config: string;
  seed: number;
  backend: string;
  status: RunStatus;
  /** Steps done (the last checkpoint's step for unfinished runs). */
  step?: number;
  /** Whether a checkpoint exists to resume from (unfinished runs). */
  resumable?: boolean;
  /**
   * Best overall IIA over the run's evaluations (every evaluation and the report), on held-out splits when the run has
   * any, else on train: the same number the Runs view shows (one `bestIia`, server/runs).
   */
  bestIia?: number;
  startTime?: string;
  error?: string;
}

export interface VariableInfo {
  name: string;
  role: 'input' | 'output' | 'intermediate';
  /** Value set, described (e.g. "bool", "range(10)"). */
  values: string;
  size: number;
  parents: readonly string[];
  /** Type group (variables of one type may be swapped with each other). */
  type: string;
}

export interface AlignmentInfo {
  variable: string;
  site: string;
  ranges: [number, number][];
  neurons: number;
  type: string;
  /** The intervention kind: a neuron block (`neuron`), or a learned one (DAS: `rotated`, `lowRank`, `boundless`, `mask`). */
  kind: 'neuron' | 'rotated' | 'lowRank' | 'boundless' | 'mask';
  /** rotated, lowRank, boundless: the variable's coordinates [start, end) in the learned basis (boundless: where they start). */
  coords?: [number, number];
}

/** The engine's view of an experiment file (the CLI's `inspect --json`, iit/experimentInfo). */
export interface ExperimentInfo {
  experiment: string;
  file?: string;
  inputSpaceSize: number;
  variables: VariableInfo[];
  sites: { name: string; shape: number[] }[];
  alignment: AlignmentInfo[];
  output: { variable: string; loss: string };
  configs: string[];
  splits: Record<string, number>;
  /** Labels of each small split's inputs ("(F,T)"), in the order of the IIA grids (base × source). */
  inputLabels?: Record<string, string[]>;
  /**
   * Table 1's presets: the objectives (name → weight) each preset enables, by preset name. The editor's "Add
   * Configuration" offers them, so the extension needs no engine code for them.
   */
  presets?: Record<string, Record<string, number>>;
}

/**
 * One cell of a sweep on a cluster scheduler, as `iit-studio sweep status` and the Runs view show it: from the store
 * (finished, failed, cancelled, stopped) and the scheduler's queue (queued, running).
 * `stopped`: its task ended without finishing or failing (killed, node lost); a resubmission resumes it.
 */
export type SweepCellState =
  'queued' | 'running' | 'finished' | 'failed' | 'cancelled' | 'stopped' | 'not started' | 'not submitted';

export interface SweepCellStatus {
  /** The cell's run directory name in the store (`<config>-seed<k>`). */
  id: string;
  config: string;
  seed: number;
  state: SweepCellState;
  /** The run directory (absolute). */
  runDir: string;
  /** Steps done, and of how many (running, cancelled, stopped). */
  step?: number;
  steps?: number;
  /** Failed: the one-line error (file, line and fix); queued: the scheduler's reason. */
  error?: string;
  reason?: string;
  /** The scheduler's task (`<job>_<task>`) and node. */
  job?: string;
  node?: string;
}

export interface SweepStatus {
  store: string;
  experiment: string;
  file: string;
  /** The submitted job arrays, oldest first. */
  jobs: string[];
  cells: SweepCellStatus[];
  /** Why the scheduler's queue could not be read (then queued and running cells read as the store has them). */
  queueProblem?: string;
}

/** What a sweep submission sent (`iit-studio sweep --json`, iit/sweepSubmit). */
export interface SweepSubmitted {
  store: string;
  experiment: string;
  /** The job array's script (submitted, or the dry run's). */
  script: string;
  /** Where the submitted script was kept. */
  scriptFile?: string;
  /**
   * Every cell asked for, its task id, and whether this submission trains it (false: finished in the store, or
   * `queued`: still queued or running as that task of an earlier array, `<job>_<task>`).
   */
  cells: { id: string; config: string; seed: number; index: number; toRun: boolean; queued?: string }[];
  /** Slurm's job id of the array; absent for a dry run, or when every cell was already finished. */
  jobId?: string;
}

/** What each array task asks of Slurm (sbatch's options of the same names); unset ones are the cluster's defaults. */
export interface SlurmResources {
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  gpus?: string;
  mem?: string;
}
