/**
 * Sweeps on Slurm in the Runs view: the server's iit/sweeps (store and squeue) polled while any cell is queued or
 * running, one group per sweep and a row per cell with its state.
 */
import * as vscode from 'vscode';
import type { SweepCellStatus, SweepStatus } from '../server/protocol/index';

/** How often the queue is asked while a sweep has cells queued or running. */
const POLL_MS = 10_000;

export class SweepTracker implements vscode.Disposable {
  private sweeps: SweepStatus[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly ask: () => Promise<SweepStatus[] | undefined>,
    private readonly log: (line: string) => void,
  ) {}

  all(): SweepStatus[] {
    return this.sweeps;
  }

  /** Asks the server now; keeps polling while something is queued or running. */
  async refresh(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      const s = await this.ask();
      if (s) this.sweeps = s;
    } catch (e) {
      this.log(`iit/sweeps failed: ${(e as Error).message}`);
    }
    this.changed.fire();
    if (this.sweeps.some((s) => s.cells.some((c) => c.state === 'queued' || c.state === 'running')))
      this.timer = setTimeout(() => void this.refresh(), POLL_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.changed.dispose();
  }
}

const ICONS: Record<SweepCellStatus['state'], string> = {
  queued: 'clock',
  running: 'sync~spin',
  finished: 'pass',
  failed: 'error',
  cancelled: 'circle-slash',
  stopped: 'debug-pause',
  'not started': 'circle-outline',
  'not submitted': 'circle-outline',
};

export class SweepCellItem extends vscode.TreeItem {
  constructor(readonly cell: SweepCellStatus) {
    super(cell.id, vscode.TreeItemCollapsibleState.None);
    const progress = cell.step !== undefined ? ` ${cell.step}${cell.steps ? `/${cell.steps}` : ''}` : '';
    this.description = `${cell.state}${progress}${cell.job ? ` · ${cell.job}` : ''}${cell.node ? ` on ${cell.node}` : ''}`;
    this.tooltip = [
      `${cell.config}, seed ${cell.seed}: ${cell.state}`,
      cell.reason ? `queue: ${cell.reason}` : '',
      cell.error ?? '',
      cell.runDir,
    ]
      .filter(Boolean)
      .join('\n');
    this.iconPath = new vscode.ThemeIcon(
      ICONS[cell.state],
      cell.state === 'failed' ? new vscode.ThemeColor('errorForeground') : undefined,
    );
    this.contextValue = `sweepCell.${cell.state}`;
    this.id = `sweep:${cell.runDir}`;
  }
}

export class SweepItem extends vscode.TreeItem {
  constructor(readonly sweep: SweepStatus) {
    super(`${sweep.experiment} on Slurm`, vscode.TreeItemCollapsibleState.Expanded);
    const counts = new Map<string, number>();
    for (const c of sweep.cells) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
    this.description = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
    this.tooltip = `jobs ${sweep.jobs.join(', ') || '—'}\n${sweep.store}${sweep.queueProblem ? `\nthe queue could not be read: ${sweep.queueProblem}` : ''}`;
    this.iconPath = new vscode.ThemeIcon('server-environment');
    const live = sweep.cells.some((c) => c.state === 'queued' || c.state === 'running');
    this.contextValue = live ? 'sweep.live' : 'sweep';
    this.id = `sweep:${sweep.store}`;
  }

  children(): SweepCellItem[] {
    return this.sweep.cells.map((c) => new SweepCellItem(c));
  }
}
