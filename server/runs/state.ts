/**
 * What a run directory says of its run: configuration, report, status, step,
 * whether it can be resumed. Each run is read on its own: files that do not
 * read as a run make it `damaged`, with the reason, and never break a listing.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Report, RunStatus } from '../protocol/results';
import type { RunConfig } from './config';
import { readJson, sweepTemps } from './files';
import { RUN_FILES, runFile } from './layout';
import type { StatusFile } from './runDir';

export interface RunState {
  config: RunConfig;
  report?: Report;
  status: RunStatus;
  step?: number;
  resumable: boolean;
  error?: string;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Why `x` is not a run's config.json, or undefined when it is one. */
function configProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'is not a JSON object';
  for (const k of ['experiment', 'config'] as const) if (typeof x[k] !== 'string') return `has no ${k} name`;
  if (!Number.isInteger(x.seed)) return 'has no integer seed';
  return undefined;
}

/** Why `x` is not a report, or undefined when it is one. */
export function reportProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'is not a JSON object';
  if (!isNumber(x.steps)) return 'has no step count';
  return metricsProblem(x.metrics);
}

/** Why `x` is not a Metrics object (split → behaviour and IIA), or undefined when it is one. */
export function metricsProblem(x: unknown): string | undefined {
  if (!isObject(x) || !Object.keys(x).length) return 'has no metrics';
  for (const [split, m] of Object.entries(x)) {
    if (!isObject(m) || !isNumber(m.behavioral) || !isObject(m.iia) || !isNumber(m.iia.overall))
      return `has no behavioural accuracy and IIA for split ${split}`;
    if (!isObject(m.iia.byVariable) || !Object.values(m.iia.byVariable).every(isNumber))
      return `has no IIA per variable for split ${split}`;
  }
  return undefined;
}

function damaged(dir: string, config: Partial<RunConfig>, why: string): RunState {
  return {
    config: {
      runId: path.basename(dir),
      experiment: typeof config.experiment === 'string' ? config.experiment : path.basename(dir),
      file: typeof config.file === 'string' ? config.file : '',
      config: typeof config.config === 'string' ? config.config : '?',
      seed: Number.isInteger(config.seed) ? config.seed! : 0,
      backend: typeof config.backend === 'string' ? config.backend : '?',
      checkpointEvery: 0,
      startTime: typeof config.startTime === 'string' ? config.startTime : '',
    },
    status: 'damaged',
    resumable: false,
    error: `damaged run ${dir}: ${why} — delete the run, or restore the file`,
  };
}

/** report.json means finished; else status.json says; a run with neither died (failed). Undefined: not a run. */
export function runState(dir: string): RunState | undefined {
  if (!existsSync(runFile(dir, 'config'))) return undefined;
  const raw = readJson<unknown>(runFile(dir, 'config'));
  const bad = configProblem(raw);
  if (bad) return damaged(dir, isObject(raw) ? (raw as Partial<RunConfig>) : {}, `${RUN_FILES.config} ${bad}`);
  const config = raw as RunConfig;
  let report: Report | undefined;
  if (existsSync(runFile(dir, 'report'))) {
    const r = readJson<unknown>(runFile(dir, 'report'));
    const why = reportProblem(r);
    if (why) return damaged(dir, config, `${RUN_FILES.report} ${why}`);
    report = r as Report;
  }
  const st = readJson<StatusFile>(runFile(dir, 'status'));
  const checkpoint = existsSync(runFile(dir, 'checkpoint'))
    ? readJson<{ step: number }>(runFile(dir, 'checkpoint'))
    : undefined;
  const status: RunStatus = report
    ? 'finished'
    : st?.status && st.status !== 'finished' && st.status !== 'damaged'
      ? st.status
      : 'failed';
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

/** The candidate run directories of a runs directory (hidden ones skipped), each swept of dead writers' leftovers. */
export function runDirectories(runsDir: string): string[] {
  if (!existsSync(runsDir)) return [];
  const out: string[] = [];
  for (const id of readdirSync(runsDir)) {
    if (id.startsWith('.')) continue;
    const dir = path.join(runsDir, id);
    sweepTemps(dir);
    out.push(dir);
  }
  return out;
}

export function configTime(dir: string): { mtime: number; iso: string } {
  try {
    const s = statSync(runFile(dir, 'config'));
    return { mtime: s.mtimeMs, iso: s.mtime.toISOString() };
  } catch {
    return { mtime: 0, iso: '' }; // listed but gone
  }
}
