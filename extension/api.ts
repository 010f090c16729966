/**
 * The extension's view of the IIT server: every custom request it makes goes
 * through here, typed, so the rest of the extension does not depend on the
 * wire shapes. Experiment info falls back to `iit-studio inspect --json`
 * (the same engine code) when the server cannot answer.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import * as vscode from 'vscode';

export interface VariableInfo {
  name: string;
  role: 'input' | 'output' | 'intermediate';
  /** Value set, described (e.g. "bool", "range(10)"). */
  values: string;
  size: number;
  parents: string[];
  type?: string;
}

export interface AlignmentInfo {
  variable: string;
  site: string;
  ranges: [number, number][];
  neurons: number;
  type?: string;
}

export interface ExperimentInfo {
  experiment: string;
  file?: string;
  variables: VariableInfo[];
  sites: { name: string; shape: number[] }[];
  alignment: AlignmentInfo[];
  configs: string[];
  splits?: Record<string, number>;
  output?: { variable: string; loss: string };
  /** Input labels per split, in the IIA grids' order. */
  inputLabels?: Record<string, string[]>;
}

/** Runs the bundled CLI's inspect: the engine loading the file exactly as training will. */
export function inspectWithCli(extensionPath: string, file: string, cwd: string): Promise<ExperimentInfo> {
  const cli = path.join(extensionPath, 'bin', 'iit-studio.js');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, 'inspect', file, '--json'],
      { cwd, timeout: 120_000, maxBuffer: 16 << 20, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(stderr.trim().replace(/^iit-studio: /, '') || err.message));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as ExperimentInfo);
        } catch (e) {
          reject(e as Error);
        }
      },
    );
  });
}

export function workspaceCwd(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
}

/* Wire shapes of the server's custom requests: the shared protocol module (server/protocol/index.ts). */
import {
  CancelRequest,
  EvaluateRequest,
  ExperimentInfoRequest,
  RunFinishedNotification,
  RunsRequest,
  TrainRequest,
} from '../server/protocol/index';
export type { EvaluateParams, TrainParams, TrainProgress, TrainResult } from '../server/protocol/index';

export const Methods = {
  experimentInfo: ExperimentInfoRequest.method,
  train: TrainRequest.method,
  evaluate: EvaluateRequest.method,
  cancel: CancelRequest.method,
  runs: RunsRequest.method,
  runFinished: RunFinishedNotification.method,
} as const;
