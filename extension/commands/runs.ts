/**
 * The Runs view's commands: Open Results, Compare Runs, Delete Run, Export
 * Results (of the active results view), Refresh.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { ExportFormat } from '../../server/protocol/webview';
import { RunDirError } from '../../server/runs/errors';
import type { Cmd, Ctx } from '../ctx';
import { pickRuns, quickPickRun } from '../pick';

const openResults =
  (ctx: Ctx): Cmd =>
  async (arg: unknown) => {
    const run = pickRuns(ctx, arg)[0] ?? (await quickPickRun(ctx, 'IIT: open the results of which run?'));
    if (run) ctx.panels.showRun((await ctx.labelled([run]))[0]!);
  };

const compareRuns =
  (ctx: Ctx): Cmd =>
  async (arg: unknown, all: unknown) => {
    let runs = pickRuns(ctx, arg, all);
    if (runs.length < 2) {
      const picks = await vscode.window.showQuickPick(
        ctx.store
          .all()
          .filter((r) => r.status === 'finished')
          .map((r) => ({
            label: `${r.experiment} · ${r.config}`,
            description: `${r.backend} · ${new Date(r.startedAt).toLocaleString()}`,
            picked: runs.some((x) => x.id === r.id),
            run: r,
          })),
        { title: 'IIT: compare which runs?', canPickMany: true },
      );
      if (!picks) return;
      runs = picks.map((p) => p.run);
    }
    // Oldest first, as runs of a sweep or of Table 1's rows are usually started in order.
    runs = [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    if (runs.length) ctx.panels.showCompare(await ctx.labelled(runs));
  };

const deleteRun =
  (ctx: Ctx): Cmd =>
  async (arg: unknown, all: unknown) => {
    const picked = pickRuns(ctx, arg, all);
    const runs = picked.filter(
      (r) => r.runDir && !ctx.store.isLive(r.id) && r.status !== 'running' && r.status !== 'queued',
    );
    if (!runs.length) {
      if (picked.length) void vscode.window.showInformationMessage('IIT: stop the run before deleting it.');
      return;
    }
    const ok = await vscode.window.showWarningMessage(
      `Delete ${runs.length === 1 ? `the run ${path.basename(runs[0]!.runDir!)}` : `${runs.length} runs`}? Its weights and metrics are removed from disk.`,
      { modal: true },
      'Delete',
    );
    if (ok !== 'Delete') return;
    for (const r of runs)
      try {
        ctx.store.delete(r.runDir!);
      } catch (e) {
        const fix = e instanceof RunDirError ? ` (${e.fix})` : '';
        void vscode.window.showErrorMessage(`IIT: ${(e as Error).message}${fix}`);
      }
  };

const FORMATS: readonly ExportFormat[] = ['svg', 'png', 'csv'];

/** `iit.exportResults(format?, path?)`: with both, no dialog (tests, keybindings). */
const exportResults =
  (ctx: Ctx): Cmd =>
  async (format?: unknown, target?: unknown) => {
    const f = FORMATS.includes(format as ExportFormat)
      ? (format as ExportFormat)
      : ((await vscode.window.showQuickPick(FORMATS, { title: 'IIT: export as' })) as ExportFormat | undefined);
    if (!f) return;
    const m = await ctx.panels.requestExport(f);
    return ctx.panels.save(
      m,
      typeof target === 'string' ? vscode.Uri.file(target) : target instanceof vscode.Uri ? target : undefined,
    );
  };

const refresh =
  (ctx: Ctx): Cmd =>
  () => {
    ctx.experiments.refresh();
    ctx.store.refresh();
    void ctx.sweeps.refresh();
  };

export const runsCommands: Record<string, (ctx: Ctx) => Cmd> = {
  'iit.openResults': openResults,
  'iit.compareRuns': compareRuns,
  'iit.deleteRun': deleteRun,
  'iit.exportResults': exportResults,
  'iit.refresh': refresh,
};
