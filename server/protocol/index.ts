/**
 * The IIT custom protocol between the VS Code extension (and its webviews)
 * and the language / training server, on top of LSP. Each message is a typed
 * request or notification; docs/PROTOCOL.md describes them. Only types come
 * from the engine and the only runtime import is vscode-jsonrpc's message
 * types, so this module loads in the extension host and in a browser.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { Metrics } from '../engine/metrics';
import type { Report } from '../engine/report';

export type { Metrics, Report };
// Table 1's presets, offered by the editor's "Add Configuration" (a pure table; no engine code runs in the client).
export { PRESET_OBJECTIVES } from '../engine/presets';

export interface VariableInfo {
  name: string;
  role: 'input' | 'output' | 'intermediate';
  values: string;
  size: number;
  parents: readonly string[];
  type: string;
}

export interface AlignmentInfo {
  variable: string;
  site: string;
  ranges: [number, number][];
  neurons: number;
  type: string;
}

/** The engine's view of an experiment file (the CLI's `inspect --json`). */
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
}

/** `initialize.initializationOptions`. */
export interface InitializationOptions {
  /** Whether the workspace is trusted: nothing is loaded or run until it is. */
  trusted?: boolean;
  /** Default backend for iit/train and iit/evaluate ('auto' when absent). */
  backend?: string;
  /** Runs directory, relative to the workspace folder (default `.iit/runs`). */
  runsDirectory?: string;
  /** Trainings that run at once; more are queued (default 2). */
  maxConcurrentRuns?: number;
  /** Default checkpoint interval in steps (default 50). */
  checkpointEvery?: number;
}

export interface TrainParams {
  uri: string;
  config?: string;
  seed?: number;
  backend?: string;
  /** Client-chosen id (optional, `[A-Za-z0-9_.-]+`): the server makes one when absent. */
  runId?: string;
  /** Continue this run (its id) from its last checkpoint; config, seed and backend come from the run. */
  resume?: string;
  /** Or continue the run in this directory (absolute, inside the runs directory). */
  resumeFrom?: string;
  /** Write a checkpoint every N steps (default: the server's checkpointEvery). */
  checkpointEvery?: number;
  workDoneToken?: string | number;
}

export interface TrainResult {
  runId: string;
  runDir: string;
  report: Report;
}

/** Fields of `$/progress` reports for iit/train, beside LSP's kind/message/percentage. */
export interface TrainProgress {
  kind: 'begin' | 'report' | 'end';
  title?: string;
  message?: string;
  percentage?: number;
  cancellable?: boolean;
  runId?: string;
  runDir?: string;
  /** Process id of the worker that trains (begin only). */
  workerPid?: number;
  /** Whether the run waits for a free slot (begin only). */
  queued?: boolean;
  /** Step the run continues from (begin only, when resuming). */
  resumedFrom?: number;
  step?: number;
  totalSteps?: number;
  epoch?: number;
  losses?: Record<string, number>;
  examplesPerSecond?: number;
  etaSeconds?: number;
  /** At an evaluation: behaviour and IIA per split and variable. */
  metrics?: Metrics;
  /** At a checkpoint: the step it holds. */
  checkpoint?: number;
}

export interface EvaluateParams {
  uri: string;
  runId?: string;
  runDir?: string;
  backend?: string;
}

export type RunStatus = 'queued' | 'running' | 'finished' | 'cancelled' | 'failed';

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
  /** Best overall IIA over the run's splits (finished runs). */
  bestIia?: number;
  startTime?: string;
  error?: string;
}

export interface RunFinishedParams {
  runId: string;
  runDir?: string;
  status?: 'finished' | 'cancelled' | 'failed';
  report?: Report;
  error?: string;
}

export const ExperimentInfoRequest = new RequestType<{ uri: string }, ExperimentInfo, void>('iit/experimentInfo');
export const TrainRequest = new RequestType<TrainParams, TrainResult, void>('iit/train');
export const EvaluateRequest = new RequestType<EvaluateParams, Report, void>('iit/evaluate');
export const CancelRequest = new RequestType<{ runId: string }, { cancelled: boolean }, void>('iit/cancel');
export const RunsRequest = new RequestType<{ uri?: string }, RunSummary[], void>('iit/runs');
export const RunFinishedNotification = new NotificationType<RunFinishedParams>('iit/runFinished');
/** Client → server: the workspace's trust changed. */
export const SetTrustedNotification = new NotificationType<{ trusted: boolean }>('iit/setTrusted');
