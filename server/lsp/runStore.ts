/**
 * The run history on disk: one directory per run under the runs directory
 * (default `.iit/runs/` in the workspace folder). Finished runs have
 * report.json; unfinished ones status.json and/or checkpoint.json.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Report } from '../engine/report';
import type { RunStatus, RunSummary } from '../protocol/index';
import { CHECKPOINT, STATUS } from './trainJob';

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export const RUN_ID = /^[A-Za-z0-9_][\w.-]{0,127}$/;

/** One run directory as a summary; undefined when it is not a run. */
export function readRun(runDir: string): (RunSummary & { report?: Report; mtime: number }) | undefined {
  const cfg = readJson<{
    experiment: string;
    file?: string;
    config: string;
    seed: number;
    backend: string;
    startTime?: string;
  }>(path.join(runDir, 'config.json'));
  if (!cfg) return undefined;
  const report = readJson<Report>(path.join(runDir, 'report.json'));
  const st = readJson<{ status: RunStatus; step?: number; error?: string }>(path.join(runDir, STATUS));
  const cp = existsSync(path.join(runDir, CHECKPOINT))
    ? readJson<{ step: number }>(path.join(runDir, CHECKPOINT))
    : undefined;
  const status: RunStatus = report ? 'finished' : (st?.status ?? 'failed');
  let mtime = 0;
  try {
    mtime = statSync(path.join(runDir, 'config.json')).mtimeMs;
  } catch {
    // listed but gone
  }
  return {
    runId: path.basename(runDir),
    runDir,
    experiment: cfg.experiment,
    ...(cfg.file ? { file: cfg.file } : {}),
    config: cfg.config,
    seed: cfg.seed,
    backend: report?.backend ?? cfg.backend,
    status,
    ...(report
      ? { step: report.steps, bestIia: Math.max(...Object.values(report.metrics).map((m) => m.iia.overall)) }
      : cp
        ? { step: cp.step }
        : st?.step !== undefined
          ? { step: st.step }
          : {}),
    ...(!report ? { resumable: true } : {}),
    ...(cfg.startTime ? { startTime: cfg.startTime } : {}),
    ...(st?.error ? { error: st.error } : {}),
    ...(report ? { report } : {}),
    mtime,
  };
}

export function listRuns(dir: string): (RunSummary & { report?: Report; mtime: number })[] {
  if (!existsSync(dir)) return [];
  const out: (RunSummary & { report?: Report; mtime: number })[] = [];
  for (const id of readdirSync(dir)) {
    if (id.startsWith('.')) continue; // the CLI's partial directories
    const r = readRun(path.join(dir, id));
    if (r) out.push(r);
  }
  return out.sort((a, b) => a.mtime - b.mtime);
}
