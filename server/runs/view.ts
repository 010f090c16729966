/** A run directory as the results view draws it (the webview's RunView), and the one best-IIA rule. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Metrics } from '../protocol/results';
import type { EvalPoint, LossPoint } from '../protocol/results';
import type { RunView } from '../protocol/webview';
import { readJson, readJsonLines } from './files';
import { LEGACY_FILES, runFile } from './layout';
import { configTime, metricsProblem, runDirectories, runState } from './state';

/** Best overall IIA over a run's evaluations, held-out splits preferred over train when there are any. */
export function bestIia(run: { history: { metrics: Metrics }[]; report?: { metrics: Metrics } }): number | undefined {
  const all = [...run.history.map((h) => h.metrics), ...(run.report ? [run.report.metrics] : [])];
  const vals = all.flatMap((m) =>
    Object.entries(m)
      .filter(([s]) => s !== 'train' || Object.keys(m).length === 1)
      .map(([, s]) => s.iia.overall),
  );
  return vals.length ? Math.max(...vals) : undefined;
}

/** The run's evaluations; a line that is not one (torn, or edited by hand) is skipped, the rest kept. */
export function readHistory(dir: string): EvalPoint[] {
  return readJsonLines<EvalPoint>(runFile(dir, 'metrics')).filter(
    (l) => typeof l === 'object' && l !== null && Number.isInteger(l.step) && !metricsProblem(l.metrics),
  );
}

export function readLosses(dir: string): LossPoint[] {
  const lines = readJsonLines<LossPoint>(runFile(dir, 'losses')).filter(
    (l) => typeof l === 'object' && l !== null && Number.isInteger(l.step) && typeof l.losses === 'object',
  );
  return lines.length ? lines : (readJson<LossPoint[]>(path.join(dir, LEGACY_FILES.losses)) ?? []);
}

/** One run directory as the results view draws it; undefined if it is not a run. */
export function readRunView(dir: string): RunView | undefined {
  const s = runState(dir);
  if (!s) return undefined;
  const c = s.config;
  const legacy = readJson<{ inputLabels?: Record<string, string[]>; startedAt?: string }>(
    path.join(dir, LEGACY_FILES.ui),
  );
  const inputLabels = c.inputLabels ?? legacy?.inputLabels;
  const resolved = c.resolved as { alignment?: Record<string, { site: string }> } | undefined;
  const sites = resolved?.alignment
    ? Object.fromEntries(Object.entries(resolved.alignment).map(([k, v]) => [k, v.site]))
    : undefined;
  return {
    id: dir,
    runDir: dir,
    experiment: c.experiment,
    ...(c.file ? { file: c.file } : {}),
    config: c.config,
    backend: s.report?.backend ?? c.backend,
    seed: c.seed,
    status: s.status,
    startedAt: c.startTime ?? legacy?.startedAt ?? configTime(dir).iso,
    ...(s.step !== undefined ? { step: s.step } : {}),
    ...(s.report
      ? { report: s.report }
      : { resumable: s.status !== 'damaged' && existsSync(runFile(dir, 'checkpoint')) }),
    history: readHistory(dir),
    losses: readLosses(dir),
    ...(inputLabels ? { inputLabels } : {}),
    ...(sites ? { sites } : {}),
    ...(s.error ? { error: s.error } : {}),
  };
}

/** Every run under a runs directory as the results view draws it (each read once); a run that cannot be read is damaged. */
export function listRunViews(runsDir: string): RunView[] {
  const out: RunView[] = [];
  for (const dir of runDirectories(runsDir)) {
    let v: RunView | undefined;
    try {
      v = readRunView(dir);
    } catch (e) {
      const name = path.basename(dir);
      v = {
        id: dir,
        runDir: dir,
        experiment: name,
        config: '?',
        backend: '?',
        seed: 0,
        status: 'damaged',
        startedAt: '',
        history: [],
        losses: [],
        error: `damaged run ${dir}: ${(e as Error).message} — delete the run, or restore its files`,
      };
    }
    if (v) out.push(v);
  }
  return out;
}
