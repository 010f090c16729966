/** The runs of a runs directory as iit/runs lists them. */
import path from 'node:path';
import type { Report, RunSummary } from '../protocol/results';
import { configTime, runDirectories, runState } from './state';
import { bestIia, readHistory } from './view';

export type RunRecord = RunSummary & { report?: Report; mtime: number };

/** One run directory as iit/runs lists it; undefined when it is not a run. */
export function readRun(dir: string): RunRecord | undefined {
  const s = runState(dir);
  if (!s) return undefined;
  const c = s.config;
  const best = s.report ? bestIia({ history: readHistory(dir), report: s.report }) : undefined;
  return {
    runId: path.basename(dir),
    runDir: dir,
    experiment: c.experiment,
    ...(c.file ? { file: c.file } : {}),
    config: c.config,
    seed: c.seed,
    backend: s.report?.backend ?? c.backend,
    status: s.status,
    ...(s.step !== undefined ? { step: s.step } : {}),
    ...(s.resumable ? { resumable: true } : {}),
    ...(best !== undefined ? { bestIia: best } : {}),
    ...(c.startTime ? { startTime: c.startTime } : {}),
    ...(s.error ? { error: s.error } : {}),
    ...(s.report ? { report: s.report } : {}),
    mtime: configTime(dir).mtime,
  };
}

function damagedRecord(dir: string, why: string): RunRecord {
  return {
    runId: path.basename(dir),
    runDir: dir,
    experiment: path.basename(dir),
    config: '?',
    seed: 0,
    backend: '?',
    status: 'damaged',
    error: `damaged run ${dir}: ${why} — delete the run, or restore its files`,
    mtime: 0,
  };
}

/** Every run under a runs directory, oldest first. */
export function listRuns(runsDir: string): RunRecord[] {
  const out: RunRecord[] = [];
  for (const dir of runDirectories(runsDir)) {
    let r: RunRecord | undefined;
    try {
      r = readRun(dir);
    } catch (e) {
      // Unreadable (permissions, a file where a folder should be): listed as damaged, never breaking the list.
      r = damagedRecord(dir, (e as Error).message);
    }
    if (r) out.push(r);
  }
  return out.sort((a, b) => a.mtime - b.mtime);
}
