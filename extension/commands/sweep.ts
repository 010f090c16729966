/**
 * Run on Slurm and Cancel Sweep. The server submits (iit/sweepSubmit: the same `sweep` as the CLI's, from the
 * workspace folder) and cancels (iit/sweepCancel); the Runs view follows the cells (extension/sweeps.ts). With
 * Remote-SSH the extension and its server run on the login node, where `sbatch` is.
 */
import * as vscode from 'vscode';
import { SweepCancelRequest, SweepSubmitRequest, type SlurmResources } from '../../server/protocol/index';
import type { Cmd, Ctx } from '../ctx';
import { pickExperiment } from '../pick';
import { SweepItem } from '../sweeps';

/** The iitStudio.slurm.* settings, as sbatch's options; empty ones are the cluster's defaults. */
function resources(): SlurmResources {
  const s = vscode.workspace.getConfiguration('iitStudio.slurm');
  const out: SlurmResources = {};
  for (const k of ['partition', 'time', 'gpus', 'mem'] as const) {
    const v = s.get<string>(k)?.trim();
    if (v) out[k] = v;
  }
  const cpus = s.get<number>('cpusPerTask');
  if (cpus && cpus > 0) out.cpusPerTask = cpus;
  return out;
}

const runOnSlurm =
  (ctx: Ctx): Cmd =>
  async (arg: unknown) => {
    if (!ctx.requireTrust('Running on Slurm')) return;
    const target = await pickExperiment(ctx, arg);
    if (!target) return;
    let configs = target.config ? [target.config] : undefined;
    if (!configs) {
      const all = (await ctx.experiments.getInfo(target.uri).catch(() => undefined))?.configs ?? [];
      if (all.length > 1) {
        const picks = await vscode.window.showQuickPick(
          all.map((c) => ({ label: c, picked: true })),
          { title: 'IIT: run which configurations on Slurm?', canPickMany: true },
        );
        if (!picks?.length) return;
        configs = picks.map((p) => p.label);
      }
    }
    const seedsText = await vscode.window.showInputBox({
      title: 'IIT: seeds per configuration',
      value: '1',
      validateInput: (v) => (/^[1-9]\d*$/.test(v.trim()) ? undefined : 'a positive whole number'),
    });
    if (!seedsText) return;
    const c = await ctx.client();
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'IIT: submitting the sweep to Slurm' },
      () =>
        c.sendRequest(SweepSubmitRequest, {
          uri: target.uri.toString(),
          ...(configs ? { configs } : {}),
          seeds: Number(seedsText.trim()),
          backend: ctx.backendSetting(),
          resources: resources(),
        }),
    );
    const toRun = r.cells.filter((x) => x.toRun).length;
    ctx.output.appendLine(
      r.jobId
        ? `sweep of ${r.experiment}: job array ${r.jobId}, ${toRun} of ${r.cells.length} cells (${r.scriptFile})`
        : `sweep of ${r.experiment}: every cell is finished in ${r.store}`,
    );
    void ctx.sweeps.refresh();
    void vscode.window.showInformationMessage(
      r.jobId
        ? `IIT: submitted job array ${r.jobId} to Slurm: ${toRun} of ${r.cells.length} cells of ${r.experiment}.`
        : r.cells.some((x) => x.queued)
          ? `IIT: nothing new to submit: the other cells of ${r.experiment} are queued or running in Slurm.`
          : `IIT: every cell of ${r.experiment} is already finished in ${vscode.workspace.asRelativePath(r.store)}.`,
    );
  };

const cancelSweep =
  (ctx: Ctx): Cmd =>
  async (arg: unknown) => {
    const sweeps = ctx.sweeps.all();
    const sweep =
      arg instanceof SweepItem
        ? arg.sweep
        : sweeps.length === 1
          ? sweeps[0]
          : (
              await vscode.window.showQuickPick(
                sweeps.map((s) => ({ label: s.experiment, description: s.store, s })),
                { title: 'IIT: cancel which sweep?' },
              )
            )?.s;
    if (!sweep) {
      if (!sweeps.length) void vscode.window.showInformationMessage('IIT: no sweep on Slurm in this workspace.');
      return;
    }
    const { jobs } = await (await ctx.client()).sendRequest(SweepCancelRequest, { store: sweep.store });
    ctx.output.appendLine(`sweep of ${sweep.experiment}: cancelled ${jobs.join(', ') || 'nothing'}`);
    await ctx.sweeps.refresh();
  };

export const sweepCommands: Record<string, (ctx: Ctx) => Cmd> = {
  'iit.runOnSlurm': runOnSlurm,
  'iit.cancelSweep': cancelSweep,
};
