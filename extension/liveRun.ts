/**
 * Runs training now, as this window sees them: each one's view (fed by the
 * server's `$/progress` reports for its iit/train request), its cancellation,
 * and the status bar (backend; step and IIA while a run trains).
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { ProgressType } from 'vscode-languageclient/node';
import type { LossPoint, TrainProgress } from '../server/protocol/index';
import type { RunView, ToWebview } from '../server/protocol/webview';

/** iit/train's work-done progress: LSP's `$/progress` with the run's fields (docs/PROTOCOL.md). */
export const TrainProgressType = new ProgressType<TrainProgress>();

/** Steps arrive hundreds of times a second on small models: the UI follows at most this often. */
const FLUSH_MS = 250;

export interface LiveRun {
  view: RunView;
  cancel: vscode.CancellationTokenSource;
  /** The server's id for the run (from the first progress report), for iit/cancel. */
  serverRunId?: string;
}

/** The view of a run about to train (or to resume: it continues the run's curves in its directory). */
export function startingView(
  id: string,
  uri: vscode.Uri,
  config: string | undefined,
  backend: string,
  resumeFrom?: RunView,
): RunView {
  return {
    id,
    experiment: resumeFrom?.experiment ?? path.basename(uri.fsPath, '.ts'),
    file: uri.fsPath,
    config: config ?? 'default',
    backend: resumeFrom?.backend ?? backend,
    seed: resumeFrom?.seed ?? 0,
    status: 'running',
    startedAt: resumeFrom?.startedAt ?? new Date().toISOString(),
    history: resumeFrom ? [...resumeFrom.history] : [],
    losses: resumeFrom ? [...resumeFrom.losses] : [],
    ...(resumeFrom?.runDir ? { runDir: resumeFrom.runDir } : {}),
    ...(resumeFrom?.step !== undefined ? { step: resumeFrom.step } : {}),
  };
}

/** Where a live run's updates go: the results panels showing it, and everything else that redraws it. */
export interface LiveSinks {
  post(m: ToWebview): void;
  /** The run's view changed (status bar, Runs tree). */
  changed(): void;
}

/**
 * Applies one run's progress reports to its view. The notification, status bar, Runs tree and results view are
 * updated a few times a second, the webview getting every loss point in between; evaluations (rare, and they change
 * the heatmaps) at once.
 */
export class ProgressFollower implements vscode.Disposable {
  private pendingLosses: LossPoint[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastMessage: string | undefined;
  private lastPct = 0;

  constructor(
    private readonly run: LiveRun,
    private readonly progress: vscode.Progress<{ message?: string; increment?: number }>,
    private readonly sinks: LiveSinks,
  ) {}

  report(p: TrainProgress): void {
    const { run } = this;
    const view = run.view;
    if (p.runId) run.serverRunId = p.runId;
    if (p.runDir && !view.runDir) view.runDir = p.runDir;
    if (p.kind === 'begin') view.status = p.queued ? 'queued' : 'running';
    else if (p.kind === 'report' && view.status === 'queued') view.status = 'running';
    if (p.step !== undefined) view.step = p.step;
    if (p.totalSteps !== undefined) view.totalSteps = p.totalSteps;
    if (p.losses && p.step !== undefined) {
      const point = { step: p.step, losses: p.losses };
      view.losses.push(point);
      this.pendingLosses.push(point);
    }
    if (p.message) this.lastMessage = p.message;
    if (p.metrics && p.step !== undefined) {
      const point = { step: p.step, metrics: p.metrics };
      view.history.push(point);
      // The losses before the evaluation first, then it.
      this.flush();
      this.sinks.post({ type: 'eval', runId: view.id, point });
    } else if (p.kind === 'begin') this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const view = this.run.view;
    if (this.pendingLosses.length) {
      this.sinks.post({
        type: 'progress',
        runId: view.id,
        step: view.step ?? 0,
        totalSteps: view.totalSteps ?? 0,
        points: this.pendingLosses,
      });
      this.pendingLosses = [];
    }
    const pct = view.totalSteps ? ((view.step ?? 0) / view.totalSteps) * 100 : undefined;
    this.progress.report({
      ...(this.lastMessage ? { message: this.lastMessage } : {}),
      ...(pct !== undefined && pct > this.lastPct ? { increment: pct - this.lastPct } : {}),
    });
    if (pct !== undefined && pct > this.lastPct) this.lastPct = pct;
    this.sinks.changed();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The runs training in this window, and the status bar that shows the first of them. */
export class LiveRuns implements vscode.Disposable {
  private readonly active = new Map<string, LiveRun>();
  private readonly status = vscode.window.createStatusBarItem('iit.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly backend: () => string) {
    this.status.name = 'IIT Studio';
    this.update();
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('iitStudio.backend') && this.update()),
    );
  }

  start(view: RunView): LiveRun {
    const run: LiveRun = { view, cancel: new vscode.CancellationTokenSource() };
    this.active.set(view.id, run);
    this.update();
    return run;
  }

  end(run: LiveRun): void {
    this.active.delete(run.view.id);
    run.cancel.dispose();
    this.update();
  }

  all(): LiveRun[] {
    return [...this.active.values()];
  }

  /** The server died: its workers with it, so live runs ended (their directories say where they stopped). */
  cancelAll(): void {
    for (const r of this.active.values()) r.cancel.cancel();
  }

  update(): void {
    const { status } = this;
    const running = this.all()[0]?.view;
    if (running) {
      const iia = running.history.length
        ? Object.values(running.history[running.history.length - 1]!.metrics)[0]?.iia.overall
        : undefined;
      status.text = `$(sync~spin) IIT ${running.backend} · step ${running.step ?? 0}/${running.totalSteps ?? '?'}${iia !== undefined ? ` · IIA ${(iia * 100).toFixed(1)}%` : ''}`;
      status.tooltip = `Training ${running.experiment} (${running.config}). Click to stop.`;
      status.command = 'iit.stop';
    } else {
      status.text = `$(server-process) IIT ${this.backend()}`;
      status.tooltip = 'IIT Studio compute backend. Click to change.';
      status.command = 'iit.selectBackend';
    }
    status.show();
    void vscode.commands.executeCommand('setContext', 'iit.training', this.active.size > 0);
  }

  dispose(): void {
    this.status.dispose();
    this.subscriptions.forEach((s) => s.dispose());
  }
}
