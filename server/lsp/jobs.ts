/**
 * What the server and its worker processes say to each other over IPC. Types
 * only: the server imports this without loading the engine.
 */
import type { ExperimentInfo, Metrics, Report, SlurmResources, SweepSubmitted } from '../protocol/results';

export type Job =
  | { kind: 'check'; file: string }
  | {
      kind: 'train';
      runId: string;
      runDir: string;
      resume: boolean;
      file?: string;
      config?: string;
      seed?: number;
      backend?: string;
      checkpointEvery?: number;
    }
  | { kind: 'evaluate'; file: string; runDir: string; backend?: string }
  | {
      kind: 'sweep';
      file: string;
      /** The workspace folder: tasks start there, and the store lies under it. */
      root: string;
      configs?: string[];
      seeds: number;
      backend?: string;
      resources?: SlurmResources;
      dryRun?: boolean;
      /** How each task starts `iit-studio` on the compute nodes. */
      cli: { command: string; args: string[] };
    };

export interface WorkerError {
  code: string;
  message: string;
  fix?: string;
  location?: { file: string; line: number; column: number };
  subject?: string;
}

/** A training step as the worker reports it (the engine's StepProgress). */
export interface StepReport {
  step: number;
  totalSteps: number;
  epoch: number;
  losses: Record<string, number>;
  lr: number;
  examplesPerSecond: number;
  etaSeconds: number;
}

/** Messages a worker sends to the server. */
export type WorkerMessage =
  | { type: 'info'; info: ExperimentInfo }
  | { type: 'started'; step: number; totalSteps: number; resumedFrom?: number; backend: string }
  | { type: 'step'; progress: StepReport }
  | { type: 'eval'; step: number; metrics: Metrics }
  | { type: 'checkpoint'; step: number }
  | { type: 'done'; report: Report; runDir: string }
  | { type: 'submitted'; submitted: SweepSubmitted }
  | { type: 'cancelled'; step: number; requestedAt?: number }
  | { type: 'error'; error: WorkerError };
