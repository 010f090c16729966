/**
 * Training and evaluation: Train Experiment, Resume Run, Stop Training,
 * Evaluate Interchange Accuracy, Select Compute Backend. The server trains
 * and writes the run directory; the extension follows the run's progress
 * (extension/liveRun.ts) and opens its results.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import * as vscode from 'vscode';
import {
  CancelRequest,
  EvaluateRequest,
  TrainRequest,
  type Metrics,
  type TrainParams,
} from '../../server/protocol/index';
import type { RunView } from '../../server/protocol/webview';
import { readRunView } from '../../server/runs/view';
import type { Cmd, Ctx } from '../ctx';
import { ProgressFollower, startingView, TrainProgressType } from '../liveRun';
import { pickExperiment, pickRuns, quickPickRun } from '../pick';
import { RunItem } from '../runs';

const BACKENDS: { id: string; detail: string }[] = [
  {
    id: 'auto',
    detail: 'the fastest available: GPU (TensorFlow CUDA, WebGPU) first, then TensorFlow native, WASM, CPU',
  },
  { id: 'tensorflow-gpu', detail: 'native libtensorflow with CUDA (@tensorflow/tfjs-node-gpu), if installed' },
  { id: 'webgpu', detail: 'GPU through Dawn (Vulkan/Metal/D3D12)' },
  { id: 'tensorflow', detail: 'native libtensorflow (@tensorflow/tfjs-node), if installed' },
  { id: 'wasm', detail: 'WebAssembly; fast for MLPs, cannot train convolutions' },
  { id: 'cpu', detail: 'pure JavaScript; tiny models only' },
];

const iiaText = (metrics: Metrics) =>
  Object.entries(metrics)
    .map(([s, m]) => `${s} ${(m.iia.overall * 100).toFixed(2)}%`)
    .join(', ');

async function pickBackend(ctx: Ctx, title: string): Promise<string | undefined> {
  const current = ctx.backendSetting();
  const p = await vscode.window.showQuickPick(
    BACKENDS.map((b) => ({ label: b.id, detail: b.detail, description: b.id === current ? '(current)' : '' })),
    { title },
  );
  return p?.label;
}

/** The configuration to train: the only one, or the user's pick; null when the pick was dismissed. */
async function pickConfig(ctx: Ctx, uri: vscode.Uri): Promise<string | undefined | null> {
  let configs: string[] = ['default'];
  try {
    configs = (await ctx.experiments.getInfo(uri)).configs;
  } catch {
    // Training will report why the file does not load.
  }
  if (configs.length <= 1) return configs[0];
  const p = await vscode.window.showQuickPick(configs, { title: 'IIT: train with which configuration?' });
  return p ?? null;
}

/** Trains (or resumes) one run live: notification, status bar, Runs tree, results view; then its results. */
async function trainRun(
  ctx: Ctx,
  uri: vscode.Uri,
  config: string | undefined,
  backend: string,
  resumeFrom?: RunView,
): Promise<void> {
  const c = await ctx.client();
  // The extension's id for the live view; the server names the run (and its directory) in its first report.
  const runId = `live-${randomUUID()}`;
  const view = startingView(runId, uri, config, backend, resumeFrom);
  try {
    const info = await ctx.experiments.getInfo(uri);
    view.experiment = info.experiment;
    if (info.inputLabels) view.inputLabels = info.inputLabels;
    view.sites = Object.fromEntries(info.alignment.map((a) => [a.variable, a.site]));
  } catch {
    // The server reports load errors itself when training starts.
  }
  const run = ctx.live.start(view);
  ctx.store.setLive(view);
  ctx.output.appendLine(
    resumeFrom?.runDir
      ? `resuming ${resumeFrom.runDir} from step ${resumeFrom.step ?? 0}`
      : `training ${vscode.workspace.asRelativePath(uri)} (config ${view.config}, backend ${backend})`,
  );
  // Resuming shows the run at once, live, where it continues.
  if (resumeFrom) ctx.panels.showRun(view);
  const token = randomUUID();
  const result = await vscode.window
    .withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `IIT: training ${view.experiment} (${view.config})`,
        cancellable: true,
      },
      async (progress, notifToken) => {
        notifToken.onCancellationRequested(() => run.cancel.cancel());
        const follower = new ProgressFollower(run, progress, {
          post: (m) => ctx.panels.post(runId, m),
          changed: () => {
            ctx.live.update();
            ctx.store.setLive(view);
          },
        });
        const sub = c.onProgress(TrainProgressType, token, (p) => follower.report(p));
        try {
          // A resumed run keeps its configuration, seed and backend (the server reads them from the run).
          const params: TrainParams = resumeFrom?.runDir
            ? { uri: uri.toString(), resumeFrom: resumeFrom.runDir, workDoneToken: token }
            : { uri: uri.toString(), backend, workDoneToken: token, ...(config ? { config } : {}) };
          return await c.sendRequest(TrainRequest, params, run.cancel.token);
        } finally {
          sub.dispose();
          follower.dispose();
        }
      },
    )
    .then(
      (r) => ({ ok: true as const, r }),
      (e: Error) => ({ ok: false as const, e }),
    );
  const cancelled = run.cancel.token.isCancellationRequested;
  ctx.live.end(run);
  ctx.store.endLive(runId);
  void ctx.syncRuns();
  if (!result.ok) {
    view.status = cancelled ? 'cancelled' : 'failed';
    view.error = result.e.message;
    // The run directory (with its checkpoint and the losses the server recorded) is what the panel shows from now on.
    const ended = (view.runDir && ctx.store.get(view.runDir)) || view;
    if (view.runDir) ctx.panels.finished(runId, { ...ended, losses: view.losses, error: view.error });
    else ctx.panels.post(runId, { type: 'finished', run: view });
    ctx.output.appendLine(`training ${cancelled ? 'cancelled' : `failed: ${result.e.message}`}`);
    if (cancelled) void vscode.window.showInformationMessage(`IIT: training of ${view.experiment} was stopped.`);
    else
      void vscode.window
        .showErrorMessage(`IIT: training failed: ${result.e.message}`, 'Show Output')
        .then((a) => a && ctx.output.show());
    return;
  }
  const { runDir, report } = result.r;
  const done = readRunView(runDir) ?? { ...view, id: runDir, runDir, status: 'finished' as const, report };
  ctx.panels.finished(runId, done);
  ctx.store.refresh();
  const iia = iiaText(report.metrics);
  ctx.output.appendLine(`training finished: ${runDir} — IIA ${iia}`);
  const action = await vscode.window.showInformationMessage(
    `IIT: training of ${report.experiment} finished — IIA ${iia}.`,
    'Open Results',
  );
  if (action === 'Open Results') ctx.panels.showRun(done);
}

const train =
  (ctx: Ctx): Cmd =>
  async (arg: unknown) => {
    if (!ctx.requireTrust('Training')) return;
    const target = await pickExperiment(ctx, arg);
    if (!target) return;
    const config = target.config ?? (await pickConfig(ctx, target.uri));
    if (config === null) return;
    // The palette asks for a backend; CodeLens and tree actions use the configured one.
    const backend = arg === undefined ? await pickBackend(ctx, 'IIT: train on which backend?') : ctx.backendSetting();
    if (!backend) return;
    await trainRun(ctx, target.uri, config, backend);
  };

const resume = (ctx: Ctx): Cmd => {
  const resumable = (r: RunView) =>
    !!r.file &&
    !!r.runDir &&
    !ctx.store.isLive(r.id) &&
    (r.status === 'cancelled' || r.status === 'failed') &&
    !!r.resumable;
  return async (arg: unknown, all: unknown) => {
    if (!ctx.requireTrust('Resuming')) return;
    const run = pickRuns(ctx, arg, all)[0] ?? (await quickPickRun(ctx, 'IIT: resume which run?', resumable));
    if (!run) return;
    if (!resumable(run)) {
      void vscode.window.showInformationMessage(
        run.status === 'finished'
          ? `IIT: the run ${path.basename(run.runDir ?? run.id)} has finished; train again to start a new run.`
          : `IIT: the run ${path.basename(run.runDir ?? run.id)} is ${run.status}${run.resumable === false ? ' and has no checkpoint to resume from' : ''}.`,
      );
      return;
    }
    await trainRun(ctx, vscode.Uri.file(run.file!), run.config, run.backend, run);
  };
};

const stop =
  (ctx: Ctx): Cmd =>
  async () => {
    const runs = ctx.live.all();
    if (!runs.length) {
      void vscode.window.showInformationMessage('IIT: no training is running.');
      return;
    }
    const target =
      runs.length === 1
        ? runs[0]
        : (
            await vscode.window.showQuickPick(
              runs.map((r) => ({ label: `${r.view.experiment} · ${r.view.config}`, r })),
              { title: 'IIT: stop which run?' },
            )
          )?.r;
    if (!target) return;
    target.cancel.cancel();
    if (target.serverRunId)
      try {
        await (await ctx.client()).sendRequest(CancelRequest, { runId: target.serverRunId });
      } catch {
        // Already ended; cancelling the iit/train request itself also stops it.
      }
  };

const evaluate =
  (ctx: Ctx): Cmd =>
  async (arg: unknown) => {
    if (!ctx.requireTrust('Evaluation')) return;
    let run = arg instanceof RunItem ? ctx.store.get(arg.run.id) : undefined;
    let uri: vscode.Uri | undefined = run?.file ? vscode.Uri.file(run.file) : undefined;
    if (!run) {
      const target = await pickExperiment(ctx, arg);
      if (!target) return;
      uri = target.uri;
      const candidates = ctx.store
        .all()
        .filter((r) => r.file && path.resolve(r.file) === path.resolve(target.uri.fsPath) && r.status === 'finished');
      run =
        candidates.length === 1
          ? candidates[0]
          : await quickPickRun(ctx, 'IIT: evaluate which run of this experiment?', (r) => candidates.includes(r));
    }
    if (!run?.runDir || !uri) return;
    const c = await ctx.client();
    const params = { uri: uri.toString(), runDir: run.runDir, backend: ctx.backendSetting() };
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `IIT: evaluating ${run.experiment}`, cancellable: true },
      (_p, token) => c.sendRequest(EvaluateRequest, params, token),
    );
    const view: RunView = { ...run, report, history: run.history };
    const iia = iiaText(report.metrics);
    ctx.output.appendLine(`evaluated ${run.runDir}: IIA ${iia}`);
    const a = await vscode.window.showInformationMessage(
      `IIT: interchange intervention accuracy of ${run.experiment} (${run.config}): ${iia}.`,
      'Open Results',
    );
    if (a) ctx.panels.showRun(view);
  };

const selectBackend =
  (ctx: Ctx): Cmd =>
  async () => {
    const b = await pickBackend(ctx, 'IIT: compute backend for training and evaluation');
    if (!b) return;
    await vscode.workspace
      .getConfiguration('iitStudio')
      .update(
        'backend',
        b,
        vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global,
      );
    ctx.live.update();
  };

export const trainCommands: Record<string, (ctx: Ctx) => Cmd> = {
  'iit.train': train,
  'iit.resume': resume,
  'iit.stop': stop,
  'iit.evaluate': evaluate,
  'iit.selectBackend': selectBackend,
};
