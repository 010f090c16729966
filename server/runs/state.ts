/** What a run directory says of its run: configuration, report, status, step, whether it can be resumed. */
import { existsSync, statSync } from 'node:fs';
import type { Report, RunStatus } from '../protocol/results';
import type { RunConfig } from './config';
import { readJson } from './files';
import { runFile } from './layout';
import { readRunConfig, type StatusFile } from './runDir';

export interface RunState {
  config: RunConfig;
  report?: Report;
  status: RunStatus;
  step?: number;
  resumable: boolean;
  error?: string;
}

/** report.json means finished; else status.json says; a run with neither died (failed). */
export function runState(dir: string): RunState | undefined {
  const config = readRunConfig(dir);
  if (!config) return undefined;
  const report = readJson<Report>(runFile(dir, 'report'));
  const st = readJson<StatusFile>(runFile(dir, 'status'));
  const checkpoint = existsSync(runFile(dir, 'checkpoint'))
    ? readJson<{ step: number }>(runFile(dir, 'checkpoint'))
    : undefined;
  const status: RunStatus = report ? 'finished' : st?.status && st.status !== 'finished' ? st.status : 'failed';
  const step = report?.steps ?? checkpoint?.step ?? st?.step;
  return {
    config,
    ...(report ? { report } : {}),
    status,
    ...(step !== undefined ? { step } : {}),
    resumable: !report,
    ...(st?.error ? { error: st.error } : {}),
  };
}

export function configTime(dir: string): { mtime: number; iso: string } {
  try {
    const s = statSync(runFile(dir, 'config'));
    return { mtime: s.mtimeMs, iso: s.mtime.toISOString() };
  } catch {
    return { mtime: 0, iso: '' }; // listed but gone
  }
}
