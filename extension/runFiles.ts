/**
 * Reading run directories (written by the engine and the server) into the
 * results view's model. No `vscode` here, so it is unit-tested in Node.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Report } from '../server/engine/report';
import type { EvalPoint, LossPoint, RunStatus, RunView } from '../server/protocol/webview';

/** Losses per step are not part of the engine's run directory; the extension keeps them beside it. */
export const LOSSES_FILE = 'losses.json';
/** Written by the extension beside the engine's files: start time and input labels. */
export const UI_FILE = 'ui.json';
/** Written by the server for unfinished runs (server/lsp/trainJob.ts). */
const STATUS_FILE = 'status.json';
const CHECKPOINT_FILE = 'checkpoint.json';

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Reads one run directory into the view model; undefined if it is not a run. */
export function readRunDir(dir: string): RunView | undefined {
  const cfg = readJson<{
    experiment: string;
    file?: string;
    config: string;
    seed: number;
    backend: string;
    startTime?: string;
    resolved?: { alignment?: Record<string, { site: string }> };
  }>(path.join(dir, 'config.json'));
  if (!cfg) return undefined;
  const report = readJson<Report>(path.join(dir, 'report.json'));
  const st = readJson<{ status: RunStatus; step?: number; error?: string }>(path.join(dir, STATUS_FILE));
  const checkpoint = readJson<{ step: number }>(path.join(dir, CHECKPOINT_FILE));
  let history: EvalPoint[] = [];
  try {
    history = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as EvalPoint);
  } catch {
    // A run that never evaluated has no metrics.jsonl.
  }
  const losses = readJson<LossPoint[]>(path.join(dir, LOSSES_FILE)) ?? [];
  const extra = readJson<{ inputLabels?: Record<string, string[]>; startedAt?: string }>(path.join(dir, UI_FILE)) ?? {};
  const sites = cfg.resolved?.alignment
    ? Object.fromEntries(Object.entries(cfg.resolved.alignment).map(([k, v]) => [k, v.site]))
    : undefined;
  // As the server's iit/runs: report.json means finished; else status.json says; a run with neither died.
  const status: RunStatus = report ? 'finished' : (st?.status ?? 'failed');
  const step = report?.steps ?? checkpoint?.step ?? st?.step;
  return {
    id: dir,
    runDir: dir,
    experiment: cfg.experiment,
    ...(cfg.file ? { file: cfg.file } : {}),
    config: cfg.config,
    backend: report?.backend ?? cfg.backend,
    seed: cfg.seed,
    status,
    startedAt:
      extra.startedAt ??
      cfg.startTime ??
      (existsSync(path.join(dir, 'config.json')) ? statSync(path.join(dir, 'config.json')).mtime.toISOString() : ''),
    ...(step !== undefined ? { step } : {}),
    ...(report ? { report } : { resumable: checkpoint !== undefined }),
    history,
    losses,
    ...(extra.inputLabels ? { inputLabels: extra.inputLabels } : {}),
    ...(sites ? { sites } : {}),
    ...(st?.error ? { error: st.error } : {}),
  };
}

/** Best overall IIA over the run's evaluations (held-out splits preferred over train when there are any). */
export function bestIia(r: RunView): number | undefined {
  const all = [...r.history.map((h) => h.metrics), ...(r.report ? [r.report.metrics] : [])];
  const vals = all.flatMap((m) =>
    Object.entries(m)
      .filter(([s]) => s !== 'train' || Object.keys(m).length === 1)
      .map(([, s]) => s.iia.overall),
  );
  return vals.length ? Math.max(...vals) : undefined;
}

/** The Runs tree's one-line description of a run: status, backend, best IIA, start time. */
export function runDescription(run: RunView, locale?: string): string {
  const best = bestIia(run);
  const step =
    (run.status === 'running' || run.status === 'cancelled' || run.status === 'failed') && run.step !== undefined
      ? ` step ${run.step}${run.totalSteps ? `/${run.totalSteps}` : ''}`
      : '';
  const when = run.startedAt ? ` · ${new Date(run.startedAt).toLocaleString(locale)}` : '';
  return `${run.status}${step} · ${run.backend}${best !== undefined ? ` · IIA ${(best * 100).toFixed(1)}%` : ''}${when}`;
}
