/**
 * The IIT custom protocol between the VS Code extension and the language / training server, on top of LSP. Each
 * message is a typed request or notification; docs/PROTOCOL.md describes them. The shapes of their results are
 * declared in ./results and re-exported here, so a client imports the protocol from this one module. The only
 * runtime import is vscode-jsonrpc's message types: this module loads in the extension host and in a browser
 * without pulling in the engine.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type {
  ExperimentInfo,
  Metrics,
  Report,
  RunStatus,
  RunSummary,
  SlurmResources,
  SweepStatus,
  SweepSubmitted,
} from './results';

export type * from './results';
// The result shapes travel with the messages: importers of the protocol get them here too.
export type * from './results';

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
  /** Time limit in ms for loading an experiment file for diagnostics and iit/experimentInfo (default 10000). */
  checkTimeoutMs?: number;
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

export interface RunFinishedParams {
  runId: string;
  runDir?: string;
  status?: Exclude<RunStatus, 'queued' | 'running'>;
  report?: Report;
  error?: string;
}

/** iit/sweepSubmit: the experiment's (configuration × seed) cells as one Slurm job array, from the workspace folder. */
export interface SweepSubmitParams {
  uri: string;
  /** Default: every configuration. */
  configs?: string[];
  /** Default 1. */
  seeds?: number;
  backend?: string;
  resources?: SlurmResources;
  /** Answer with the script and the cells; submit nothing. */
  dryRun?: boolean;
}

export const ExperimentInfoRequest = new RequestType<{ uri: string }, ExperimentInfo, void>('iit/experimentInfo');
export const TrainRequest = new RequestType<TrainParams, TrainResult, void>('iit/train');
export const EvaluateRequest = new RequestType<EvaluateParams, Report, void>('iit/evaluate');
export const CancelRequest = new RequestType<{ runId: string }, { cancelled: boolean }, void>('iit/cancel');
export const RunsRequest = new RequestType<{ uri?: string }, RunSummary[], void>('iit/runs');
export const RunFinishedNotification = new NotificationType<RunFinishedParams>('iit/runFinished');
/** Client → server: the workspace's trust changed. */
export const SetTrustedNotification = new NotificationType<{ trusted: boolean }>('iit/setTrusted');
export const SweepSubmitRequest = new RequestType<SweepSubmitParams, SweepSubmitted, void>('iit/sweepSubmit');
/** The sweeps stored under the workspace folders' `.iit/tables`, each cell with its state (store and squeue). */
export const SweepsRequest = new RequestType<Record<string, never> | null, SweepStatus[], void>('iit/sweeps');
export const SweepCancelRequest = new RequestType<{ store: string }, { jobs: string[] }, void>('iit/sweepCancel');
