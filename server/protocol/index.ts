/**
 * The IIT custom protocol between the VS Code extension and the language /
 * training server, on top of LSP. Each message is a typed request or
 * notification; docs/PROTOCOL.md describes them. Types only from the engine,
 * so the extension can import this without loading TensorFlow.js.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { Metrics } from '../engine/metrics';
import type { Report } from '../engine/report';

export type { Metrics, Report };

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
}

export interface TrainParams {
  uri: string;
  config?: string;
  seed?: number;
  backend?: string;
  /** Client-chosen id (optional): the server makes one when absent. */
  runId?: string;
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
  runId?: string;
  step?: number;
  totalSteps?: number;
  epoch?: number;
  losses?: Record<string, number>;
  examplesPerSecond?: number;
  etaSeconds?: number;
  /** At an evaluation: behaviour and IIA per split and variable. */
  metrics?: Metrics;
}

export interface EvaluateParams {
  uri: string;
  runId?: string;
  runDir?: string;
  backend?: string;
}

export interface RunSummary {
  runId: string;
  runDir: string;
  experiment: string;
  config: string;
  seed: number;
  backend: string;
  status: 'finished' | 'running';
  /** Best overall IIA over the run's splits. */
  bestIia?: number;
  startTime?: string;
}

export interface RunFinishedParams {
  runId: string;
  runDir?: string;
  report?: Report;
  error?: string;
}

export const ExperimentInfoRequest = new RequestType<{ uri: string }, ExperimentInfo, void>('iit/experimentInfo');
export const TrainRequest = new RequestType<TrainParams, TrainResult, void>('iit/train');
export const EvaluateRequest = new RequestType<EvaluateParams, Report, void>('iit/evaluate');
export const CancelRequest = new RequestType<{ runId: string }, { cancelled: boolean }, void>('iit/cancel');
export const RunsRequest = new RequestType<{ uri?: string }, RunSummary[], void>('iit/runs');
export const RunFinishedNotification = new NotificationType<RunFinishedParams>('iit/runFinished');
