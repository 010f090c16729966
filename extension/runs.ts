/**
 * Runs: the run directories on disk (read through server/runs, which alone
 * knows their files) plus the runs training right now. The Runs tree and the
 * results panels read from here; live runs are replaced by their directory
 * once finished.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { RunStatus, RunSummary } from '../server/protocol/index';
import type { RunView } from '../server/protocol/webview';
import { RUN_FILES, runsDirectory } from '../server/runs/layout';
import { deleteRun } from '../server/runs/remove';
import { bestIia, listRunViews, readRunView } from '../server/runs/view';
import { runDescription, runLabel } from './runRow';
import { SweepItem, type SweepTracker } from './sweeps';

export function runsRoot(folder: vscode.WorkspaceFolder): string {
  return runsDirectory(
    folder.uri.fsPath,
    vscode.workspace.getConfiguration('iitStudio', folder.uri).get<string>('runsDirectory'),
  );
}

/** The files whose changes change a run's row: it started, ended, or its status changed. */
const WATCHED = `*/{${[RUN_FILES.report, RUN_FILES.status, RUN_FILES.config].join(',')}}`;

/** What the server's iit/runs says about a run directory (it knows the queued and running ones). */
export interface ServerRunState {
  status: RunStatus;
  step?: number;
}

export class RunStore implements vscode.Disposable {
  private readonly live = new Map<string, RunView>();
  private readonly changed = new vscode.EventEmitter<RunView | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly watchers: vscode.Disposable[] = [];
  /** Statuses from the server's iit/runs, by run directory; they win over the files for queued/running runs. */
  private server = new Map<string, ServerRunState>();
  /** Input labels per experiment file (from iit/experimentInfo), for runs trained outside this window. */
  private readonly labels = new Map<string, Record<string, string[]>>();

  constructor() {
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      const w = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(vscode.Uri.file(runsRoot(f)), WATCHED),
      );
      w.onDidCreate(() => this.changed.fire(undefined));
      w.onDidDelete(() => this.changed.fire(undefined));
      w.onDidChange(() => this.changed.fire(undefined));
      this.watchers.push(w);
    }
  }

  /** Every run: live ones first, then directories newest first. */
  all(): RunView[] {
    const disk: RunView[] = [];
    for (const f of vscode.workspace.workspaceFolders ?? [])
      for (const r of listRunViews(runsRoot(f))) disk.push(this.withServerState(r));
    const liveDirs = new Set([...this.live.values()].map((r) => r.runDir).filter((d): d is string => !!d));
    return [
      ...this.live.values(),
      ...disk
        .filter((r) => !r.runDir || !liveDirs.has(r.runDir))
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt)),
    ];
  }

  get(id: string): RunView | undefined {
    const live = this.live.get(id) ?? [...this.live.values()].find((r) => r.runDir === id);
    if (live) return live;
    const r = existsSync(id) ? readRunView(id) : undefined;
    return r && this.withServerState(r);
  }

  /** Replaces the server's view of the runs (from iit/runs). */
  setServerRuns(runs: RunSummary[]): void {
    this.server = new Map(
      runs.map((r) => [
        path.resolve(r.runDir),
        { status: r.status, ...(r.step !== undefined ? { step: r.step } : {}) },
      ]),
    );
    this.changed.fire(undefined);
  }

  setLabels(file: string, labels: Record<string, string[]>): void {
    this.labels.set(path.resolve(file), labels);
  }

  hasLabels(file: string): boolean {
    return this.labels.has(path.resolve(file));
  }

  private withServerState(run: RunView): RunView {
    const labels = !run.inputLabels && run.file ? this.labels.get(path.resolve(run.file)) : undefined;
    const r = labels ? { ...run, inputLabels: labels } : run;
    const s = r.runDir ? this.server.get(path.resolve(r.runDir)) : undefined;
    // Files are the truth for ended runs; the server alone knows which runs are queued or running now.
    if (!s || r.status === 'finished' || (s.status !== 'queued' && s.status !== 'running')) return r;
    return { ...r, status: s.status, ...(s.step !== undefined ? { step: s.step } : {}) };
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

  /** Removes an ended run's directory; server/runs refuses anything that is not a run of this workspace. */
  delete(dir: string): void {
    const roots = (vscode.workspace.workspaceFolders ?? []).map(runsRoot);
    const root = roots.find((r) => r === path.dirname(path.resolve(dir))) ?? roots[0];
    try {
      if (!root) throw new Error(`${dir} is not a run of this workspace`);
      deleteRun(dir, root);
    } finally {
      this.changed.fire(undefined);
    }
  }

  dispose(): void {
    this.watchers.forEach((w) => w.dispose());
    this.changed.dispose();
  }
}

export class RunItem extends vscode.TreeItem {
  constructor(readonly run: RunView) {
    super(runLabel(run), vscode.TreeItemCollapsibleState.None);
    const best = bestIia(run);
    this.description = runDescription(run);
    this.tooltip = new vscode.MarkdownString(
      [
        `**${run.experiment}** — ${run.config} (seed ${run.seed})`,
        `status: ${run.status}${run.step !== undefined ? ` (step ${run.step}${run.totalSteps ? ` of ${run.totalSteps}` : ''})` : ''}${run.resumable ? ' — resumable' : ''}`,
        `backend: ${run.backend}`,
        best !== undefined ? `best IIA: ${(best * 100).toFixed(2)}%` : '',
        `started: ${run.startedAt}`,
        run.error ? `error: ${run.error}` : '',
        run.runDir ? `\`${run.runDir}\`` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    // run.<status>[.resumable]: the menus offer Resume only for unfinished runs with a checkpoint.
    this.contextValue = `run.${run.status}${run.resumable ? '.resumable' : ''}`;
    this.id = run.id;
    this.iconPath = new vscode.ThemeIcon(
      run.status === 'running'
        ? 'sync~spin'
        : run.status === 'queued'
          ? 'clock'
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

  private pending: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly sweeps?: SweepTracker,
  ) {
    // Live runs change every step: redraw the tree at most a few times a second (it rereads the run directories).
    const redraw = () => {
      this.pending ??= setTimeout(() => {
        this.pending = undefined;
        this.emitter.fire();
      }, 250);
    };
    store.onDidChange(redraw);
    sweeps?.onDidChange(redraw);
  }

  getTreeItem(e: vscode.TreeItem): vscode.TreeItem {
    return e;
  }

  getChildren(e?: vscode.TreeItem): vscode.TreeItem[] {
    if (e instanceof ExperimentRunsItem) return e.runs.map((r) => new RunItem(r));
    if (e instanceof SweepItem) return e.children();
    if (e) return [];
    const groups = new Map<string, RunView[]>();
    for (const r of this.store.all()) groups.set(r.experiment, [...(groups.get(r.experiment) ?? []), r]);
    // Sweeps on a cluster first: their cells are still coming.
    return [
      ...(this.sweeps?.all() ?? []).map((s) => new SweepItem(s)),
      ...[...groups].map(([k, v]) => new ExperimentRunsItem(k, v)),
    ];
  }
}
