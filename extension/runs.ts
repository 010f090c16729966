/**
 * Runs: the run directories on disk (written atomically by the engine) plus
 * the runs training right now. The Runs tree and the results panels read
 * from here; live runs are replaced by their directory once finished.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { Report } from '../server/engine/report';
import type { EvalPoint, LossPoint, RunView } from '../server/protocol/webview';

/** Losses per step are not part of the engine's run directory; the extension keeps them beside it. */
export const LOSSES_FILE = 'losses.json';

export function runsRoot(folder: vscode.WorkspaceFolder): string {
  const rel = vscode.workspace.getConfiguration('iitStudio', folder.uri).get<string>('runsDirectory') || '.iit/runs';
  return path.resolve(folder.uri.fsPath, rel);
}

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
    resolved?: { alignment?: Record<string, { site: string }> };
  }>(path.join(dir, 'config.json'));
  if (!cfg) return undefined;
  const report = readJson<Report>(path.join(dir, 'report.json'));
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
  const extra =
    readJson<{ inputLabels?: Record<string, string[]>; startedAt?: string }>(path.join(dir, 'ui.json')) ?? {};
  const sites = cfg.resolved?.alignment
    ? Object.fromEntries(Object.entries(cfg.resolved.alignment).map(([k, v]) => [k, v.site]))
    : undefined;
  return {
    id: dir,
    runDir: dir,
    experiment: cfg.experiment,
    ...(cfg.file ? { file: cfg.file } : {}),
    config: cfg.config,
    backend: report?.backend ?? cfg.backend,
    seed: cfg.seed,
    status: report ? 'finished' : 'failed',
    startedAt: extra.startedAt ?? statSync(path.join(dir, 'config.json')).mtime.toISOString(),
    ...(report ? { report } : {}),
    history,
    losses,
    ...(extra.inputLabels ? { inputLabels: extra.inputLabels } : {}),
    ...(sites ? { sites } : {}),
  };
}

export function bestIia(r: RunView): number | undefined {
  const all = [...r.history.map((h) => h.metrics), ...(r.report ? [r.report.metrics] : [])];
  const vals = all.flatMap((m) =>
    Object.entries(m)
      .filter(([s]) => s !== 'train' || Object.keys(m).length === 1)
      .map(([, s]) => s.iia.overall),
  );
  return vals.length ? Math.max(...vals) : undefined;
}

export class RunStore implements vscode.Disposable {
  private readonly live = new Map<string, RunView>();
  private readonly changed = new vscode.EventEmitter<RunView | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly watchers: vscode.Disposable[] = [];

  constructor() {
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      const w = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(vscode.Uri.file(runsRoot(f)), '*/report.json'),
      );
      w.onDidCreate(() => this.changed.fire(undefined));
      w.onDidDelete(() => this.changed.fire(undefined));
      this.watchers.push(w);
    }
  }

  /** Every run: live ones first, then directories newest first. */
  all(): RunView[] {
    const disk: RunView[] = [];
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      const rootDir = runsRoot(f);
      if (!existsSync(rootDir)) continue;
      for (const name of readdirSync(rootDir)) {
        if (name.startsWith('.')) continue;
        const r = readRunDir(path.join(rootDir, name));
        if (r) disk.push(r);
      }
    }
    const liveDirs = new Set([...this.live.values()].map((r) => r.runDir));
    return [
      ...this.live.values(),
      ...disk.filter((r) => !liveDirs.has(r.runDir)).sort((a, b) => b.startedAt.localeCompare(a.startedAt)),
    ];
  }

  get(id: string): RunView | undefined {
    return this.live.get(id) ?? (existsSync(id) ? readRunDir(id) : undefined);
  }

  isLive(id: string): boolean {
    return this.live.has(id);
  }

  setLive(run: RunView): void {
    this.live.set(run.id, run);
    this.changed.fire(run);
  }

  endLive(id: string): void {
    this.live.delete(id);
    this.changed.fire(undefined);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  delete(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.watchers.forEach((w) => w.dispose());
    this.changed.dispose();
  }
}

export class RunItem extends vscode.TreeItem {
  constructor(readonly run: RunView) {
    super(`${run.config} · seed ${run.seed}`, vscode.TreeItemCollapsibleState.None);
    const best = bestIia(run);
    const step = run.status === 'running' && run.totalSteps ? ` step ${run.step ?? 0}/${run.totalSteps}` : '';
    this.description = `${run.status}${step} · ${run.backend}${best !== undefined ? ` · IIA ${(best * 100).toFixed(1)}%` : ''} · ${new Date(run.startedAt).toLocaleString()}`;
    this.tooltip = new vscode.MarkdownString(
      [
        `**${run.experiment}** — ${run.config} (seed ${run.seed})`,
        `status: ${run.status}`,
        `backend: ${run.backend}`,
        best !== undefined ? `best IIA: ${(best * 100).toFixed(2)}%` : '',
        `started: ${run.startedAt}`,
        run.runDir ? `\`${run.runDir}\`` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    this.contextValue = `run.${run.status}`;
    this.id = run.id;
    this.iconPath = new vscode.ThemeIcon(
      run.status === 'running'
        ? 'sync~spin'
        : run.status === 'finished'
          ? 'pass'
          : run.status === 'cancelled'
            ? 'circle-slash'
            : 'error',
      run.status === 'failed' ? new vscode.ThemeColor('errorForeground') : undefined,
    );
    this.command = { command: 'iit.openResults', title: 'Open Results', arguments: [this] };
  }
}

class ExperimentRunsItem extends vscode.TreeItem {
  constructor(
    readonly experiment: string,
    readonly runs: RunView[],
  ) {
    super(experiment, vscode.TreeItemCollapsibleState.Expanded);
    this.description = `${runs.length} run${runs.length === 1 ? '' : 's'}`;
    this.contextValue = 'runGroup';
    this.iconPath = new vscode.ThemeIcon('beaker');
    this.id = `group:${experiment}`;
  }
}

export class RunsTree implements vscode.TreeDataProvider<vscode.TreeItem> {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly store: RunStore) {
    store.onDidChange(() => this.emitter.fire());
  }

  getTreeItem(e: vscode.TreeItem): vscode.TreeItem {
    return e;
  }

  getChildren(e?: vscode.TreeItem): vscode.TreeItem[] {
    if (e instanceof ExperimentRunsItem) return e.runs.map((r) => new RunItem(r));
    if (e) return [];
    const groups = new Map<string, RunView[]>();
    for (const r of this.store.all()) groups.set(r.experiment, [...(groups.get(r.experiment) ?? []), r]);
    return [...groups].map(([k, v]) => new ExperimentRunsItem(k, v));
  }
}
