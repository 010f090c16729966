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

/*
 * Wire shapes of the server's custom requests, as this extension uses them.
 * When server/protocol/index.ts (the shared protocol module) lands, these
 * should be replaced by imports from it.
 */
import type { Report } from '../server/engine/report';
import type { Metrics } from '../server/engine/metrics';

export const Methods = {
  experimentInfo: 'iit/experimentInfo',
  train: 'iit/train',
  evaluate: 'iit/evaluate',
  cancel: 'iit/cancel',
  runs: 'iit/runs',
  runFinished: 'iit/runFinished',
} as const;

export interface TrainParams {
  uri: string;
  config?: string;
  backend?: string;
  seed?: number;
  /** Continue from this run directory's weights. */
  resumeFrom?: string;
  runId: string;
}

export interface TrainResult {
  runId: string;
  runDir: string;
  report: Report;
}

/** What the extension reads from a $/progress report of iit/train (extra fields beyond message/percentage). */
export interface TrainProgress {
  kind: 'begin' | 'report' | 'end';
  message?: string;
  percentage?: number;
  step?: number;
  totalSteps?: number;
  losses?: Record<string, number>;
  /** Present when this step evaluated. */
  metrics?: Metrics;
}

export interface EvaluateParams {
  uri: string;
  runDir: string;
  backend?: string;
}
