/**
 * IIT Studio's VS Code extension: starts the IIT server, contributes the IIT
 * sidebar (experiments, runs, causal graph), the commands, the training
 * progress and status bar, and the results webviews.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { CancelRequest, PRESET_OBJECTIVES, RunFinishedNotification, RunsRequest } from '../server/protocol/index';
import type { LossPoint, PairRef, RunView } from '../server/protocol/webview';
import {
  inspectWithCli,
  Methods,
  workspaceCwd,
  type ExperimentInfo,
  type TrainParams,
  type TrainProgress,
  type TrainResult,
} from './api';
import { ServerConnection } from './client';
import { debugArgs, type DebugInterventionArgs } from './debugArgs';
import { ExperimentItem, ExperimentsTree, EXPERIMENT_MARKER } from './experiments';
import { activateDebug } from './debug';
import { CausalGraphView } from './graph';
import { ResultsPanels } from './results';
import { LOSSES_FILE, readRunDir, RunItem, RunsTree, RunStore, UI_FILE } from './runs';
import type { TextEdit } from './sourceEdits';

/** The TypeScript parser is large: load the edit helpers only when an edit command runs. */
const edits = () => import('./sourceEdits');

let connection: ServerConnection | undefined;

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

interface ActiveRun {
  view: RunView;
  cancel: vscode.CancellationTokenSource;
  /** The server's id for the run (from the first progress report), for iit/cancel. */
  serverRunId?: string;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('IIT Studio', { log: true });
  context.subscriptions.push(output);
  activateDebug(context, output);
  output.appendLine(
    `IIT Studio ${context.extension.packageJSON.version as string} activating (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted'})`,
  );

  const store = new RunStore();
  context.subscriptions.push(store);
  const active = new Map<string, ActiveRun>();

  connection = new ServerConnection(context, output);
  const serverStarted = connection.start().catch((e: Error) => {
    output.appendLine(`the IIT server did not start: ${e.message}`);
    void vscode.window.showErrorMessage(
      `IIT Studio: the server did not start (${e.message}). See the "IIT Studio" output.`,
    );
  });
  context.subscriptions.push({ dispose: () => void connection?.dispose() });

  const client = async () => {
    await serverStarted;
    if (!connection?.client?.isRunning())
      throw new Error('the IIT server is not running (see the "IIT Studio" output)');
    return connection.client;
  };

  /** The Runs tree's statuses come from the server's iit/runs (it alone knows queued and running runs). */
  const syncRuns = async () => {
    try {
      const c = connection?.client;
      if (!c?.isRunning()) return;
      store.setServerRuns(await c.sendRequest(RunsRequest, {}));
    } catch (e) {
      output.appendLine(`iit/runs failed: ${(e as Error).message}`);
    }
  };
  context.subscriptions.push(
    connection.onReady((c) => {
      void syncRuns();
      c.onNotification(RunFinishedNotification, (p) => {
        output.appendLine(`run ${p.runId} ${p.status ?? 'ended'}${p.error ? `: ${p.error}` : ''}`);
        void syncRuns();
      });
    }),
    connection.onRestarted(() => {
      // The server's workers died with it: live runs ended, their directories say where they stopped.
      for (const a of active.values()) a.cancel.cancel();
    }),
  );

  /** Untrusted folders: show, never run. */
  const requireTrust = (what: string): boolean => {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window
      .showWarningMessage(
        `IIT Studio: ${what} runs the experiment's code, which is disabled in untrusted folders. Trust this folder to ${what.toLowerCase()}.`,
        'Manage Workspace Trust',
      )
      .then((a) => {
        if (a) void vscode.commands.executeCommand('workbench.trust.manage');
      });
    return false;
  };

  const experimentInfo = async (uri: vscode.Uri): Promise<ExperimentInfo> => {
    if (!vscode.workspace.isTrusted) throw new Error('untrusted folder: experiment not loaded');
    try {
      const c = await client();
      return await c.sendRequest<ExperimentInfo>(Methods.experimentInfo, { uri: uri.toString() });
    } catch (e) {
      output.appendLine(`iit/experimentInfo failed (${(e as Error).message}); inspecting with the CLI`);
      return inspectWithCli(context.extensionPath, uri.fsPath, workspaceCwd(uri));
    }
  };

  const experiments = new ExperimentsTree(async (uri) => {
    const info = await experimentInfo(uri);
    if (info.inputLabels) store.setLabels(uri.fsPath, info.inputLabels);
    return info;
  });
  /** Runs trained elsewhere (the CLI, another window) have no ui.json: label their grids from the file. */
  const labelled = async (runs: RunView[]): Promise<RunView[]> => {
    const files = [
      ...new Set(runs.filter((r) => r.file && !r.inputLabels && !store.hasLabels(r.file)).map((r) => r.file!)),
    ];
    if (vscode.workspace.isTrusted)
      await Promise.all(files.map((f) => experiments.getInfo(vscode.Uri.file(f)).catch(() => undefined)));
    return runs.map((r) => (r.runDir && !store.isLive(r.id) ? (store.get(r.runDir) ?? r) : r));
  };
  const runsTree = new RunsTree(store);
  const graph = new CausalGraphView();
  const expView = vscode.window.createTreeView('iit.experiments', {
    treeDataProvider: experiments,
    showCollapseAll: true,
  });
  const runsView = vscode.window.createTreeView('iit.runs', { treeDataProvider: runsTree, canSelectMany: true });
  context.subscriptions.push(expView, runsView, vscode.window.registerWebviewViewProvider(CausalGraphView.id, graph));
  // Trust granted: the server may now load experiment files (iit/setTrusted); the sidebar loads them too.
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      void connection?.trustGranted();
      experiments.refresh();
      store.refresh();
    }),
  );

  // A heatmap click: the debugger (extension/debug.ts) gets one interchange intervention to step through.
  const openPair = (run: RunView, pair: PairRef) => {
    const args = debugArgs(run, pair, (f) => vscode.Uri.file(f).toString());
    if (!args) {
      void vscode.window.showWarningMessage(`IIT: the run ${run.id} does not name its experiment file.`);
      return;
    }
    output.appendLine(`iit.debugIntervention ${JSON.stringify(args)}`);
    void vscode.commands.executeCommand('iit.debugIntervention', args);
  };
  const panels = new ResultsPanels(context, store, openPair, output);
  context.subscriptions.push(panels);

  // Status bar: backend, and live step / IIA while training.
  const status = vscode.window.createStatusBarItem('iit.status', vscode.StatusBarAlignment.Left, 50);
  status.name = 'IIT Studio';
  const backendSetting = () => vscode.workspace.getConfiguration('iitStudio').get<string>('backend') ?? 'auto';
  const updateStatus = () => {
    const running = [...active.values()][0]?.view;
    if (running) {
      const iia = running.history.length
        ? Object.values(running.history[running.history.length - 1]!.metrics)[0]?.iia.overall
        : undefined;
      status.text = `$(sync~spin) IIT ${running.backend} · step ${running.step ?? 0}/${running.totalSteps ?? '?'}${iia !== undefined ? ` · IIA ${(iia * 100).toFixed(1)}%` : ''}`;
      status.tooltip = `Training ${running.experiment} (${running.config}). Click to stop.`;
      status.command = 'iit.stop';
    } else {
      status.text = `$(server-process) IIT ${backendSetting()}`;
      status.tooltip = 'IIT Studio compute backend. Click to change.';
      status.command = 'iit.selectBackend';
    }
    status.show();
    void vscode.commands.executeCommand('setContext', 'iit.training', active.size > 0);
  };
  updateStatus();
  context.subscriptions.push(
    status,
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('iitStudio.backend') && updateStatus()),
  );

  // The graph follows the active experiment editor, and the experiment selected in the sidebar.
  const showGraphOf = async (uri: vscode.Uri, selected?: string) => {
    try {
      graph.show(await experiments.getInfo(uri), uri.fsPath, selected);
    } catch (e) {
      graph.showError((e as Error).message);
    }
  };
  const showGraphFor = async (doc: vscode.TextDocument | undefined) => {
    if (!doc || doc.languageId !== 'typescript' || !EXPERIMENT_MARKER.test(doc.getText())) return;
    await showGraphOf(doc.uri);
  };
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor((ed) => void showGraphFor(ed?.document)),
    expView.onDidChangeSelection((e) => {
      const item = e.selection[0];
      if (item) void showGraphOf(item.uri, item.variableName);
    }),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (!EXPERIMENT_MARKER.test(doc.getText())) return;
      experiments.refresh(doc.uri);
      void showGraphFor(doc);
    }),
  );
  void showGraphFor(vscode.window.activeTextEditor?.document);

  // ----- argument resolution: palette, CodeLens (uri / {uri, config}), tree items -----
  const pickExperiment = async (arg: unknown): Promise<{ uri: vscode.Uri; config?: string } | undefined> => {
    if (arg instanceof ExperimentItem) return { uri: arg.uri, ...(arg.configName ? { config: arg.configName } : {}) };
    if (arg instanceof vscode.Uri) return { uri: arg };
    if (typeof arg === 'string') return { uri: arg.includes('://') ? vscode.Uri.parse(arg) : vscode.Uri.file(arg) };
    if (arg && typeof arg === 'object' && 'uri' in arg) {
      const a = arg as { uri: string | vscode.Uri; config?: string };
      const uri =
        typeof a.uri === 'string' ? (a.uri.includes('://') ? vscode.Uri.parse(a.uri) : vscode.Uri.file(a.uri)) : a.uri;
      return { uri, ...(a.config ? { config: a.config } : {}) };
    }
    const doc = vscode.window.activeTextEditor?.document;
    if (doc && EXPERIMENT_MARKER.test(doc.getText())) return { uri: doc.uri };
    const files = await experiments.experimentFiles();
    if (files.length === 1) return { uri: files[0]! };
    const pick = await vscode.window.showQuickPick(
      files.map((f) => ({ label: path.basename(f.fsPath), description: vscode.workspace.asRelativePath(f), uri: f })),
      { title: 'IIT: pick an experiment', placeHolder: 'experiment file' },
    );
    return pick && { uri: pick.uri };
  };

  const pickRuns = (arg: unknown, all?: unknown): RunView[] => {
    const items = Array.isArray(all) && all.length ? all : arg ? [arg] : runsView.selection;
    return (items as unknown[])
      .map((i) =>
        i instanceof RunItem
          ? store.get(i.run.id)
          : typeof i === 'string'
            ? store.get(i)
            : i && typeof i === 'object' && 'runDir' in i
              ? store.get(String((i as { runDir: string }).runDir))
              : undefined,
      )
      .filter((r): r is RunView => !!r);
  };

  const quickPickRun = async (
    title: string,
    filter: (r: RunView) => boolean = () => true,
  ): Promise<RunView | undefined> => {
    const runs = store.all().filter(filter);
    if (!runs.length) {
      void vscode.window.showInformationMessage('IIT Studio: no runs yet. Train an experiment first.');
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      runs.map((r) => ({
        label: `${r.experiment} · ${r.config}`,
        description: `${r.status} · ${r.backend} · ${new Date(r.startedAt).toLocaleString()}`,
        run: r,
      })),
      { title },
    );
    return pick?.run;
  };

  // ----- training -----
  const train = async (uri: vscode.Uri, config: string | undefined, backend: string, resumeFrom?: RunView) => {
    const c = await client();
    // The extension's id for the live view; the server names the run (and its directory) in its first report.
    const runId = `live-${randomUUID()}`;
    const view: RunView = {
      id: runId,
      experiment: resumeFrom?.experiment ?? path.basename(uri.fsPath, '.ts'),
      file: uri.fsPath,
      config: config ?? 'default',
      backend: resumeFrom?.backend ?? backend,
      seed: resumeFrom?.seed ?? 0,
      status: 'running',
      startedAt: resumeFrom?.startedAt ?? new Date().toISOString(),
      // A resumed run continues its curves.
      history: resumeFrom ? [...resumeFrom.history] : [],
      losses: resumeFrom ? [...resumeFrom.losses] : [],
      ...(resumeFrom?.runDir ? { runDir: resumeFrom.runDir } : {}),
      ...(resumeFrom?.step !== undefined ? { step: resumeFrom.step } : {}),
    };
    try {
      const info = await experiments.getInfo(uri);
      view.experiment = info.experiment;
      if (info.inputLabels) view.inputLabels = info.inputLabels;
      view.sites = Object.fromEntries(info.alignment.map((a) => [a.variable, a.site]));
    } catch {
      // The server reports load errors itself when training starts.
    }
    const cancel = new vscode.CancellationTokenSource();
    const entry: ActiveRun = { view, cancel };
    active.set(runId, entry);
    store.setLive(view);
    updateStatus();
    output.appendLine(
      resumeFrom?.runDir
        ? `resuming ${resumeFrom.runDir} from step ${resumeFrom.step ?? 0}`
        : `training ${vscode.workspace.asRelativePath(uri)} (config ${view.config}, backend ${backend})`,
    );
    // Resuming shows the run at once, live, where it continues.
    if (resumeFrom) panels.showRun(view);
    const token = randomUUID();
    let lastPct = 0;
    const result = await vscode.window
      .withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `IIT: training ${view.experiment} (${view.config})`,
          cancellable: true,
        },
        async (progress, notifToken) => {
          notifToken.onCancellationRequested(() => cancel.cancel());
          // Steps arrive hundreds of times a second on small models: the notification, status bar, Runs tree and
          // results view are updated a few times a second, with every loss point in between.
          let pendingLosses: LossPoint[] = [];
          let flushTimer: NodeJS.Timeout | undefined;
          let lastMessage: string | undefined;
          const flush = () => {
            flushTimer = undefined;
            if (pendingLosses.length) {
              panels.post(runId, {
                type: 'progress',
                runId,
                step: view.step ?? 0,
                totalSteps: view.totalSteps ?? 0,
                points: pendingLosses,
              });
              pendingLosses = [];
            }
            const pct = view.totalSteps ? ((view.step ?? 0) / view.totalSteps) * 100 : undefined;
            progress.report({
              ...(lastMessage ? { message: lastMessage } : {}),
              ...(pct !== undefined && pct > lastPct ? { increment: pct - lastPct } : {}),
            });
            if (pct !== undefined && pct > lastPct) lastPct = pct;
            updateStatus();
            store.setLive(view);
          };
          const schedule = () => (flushTimer ??= setTimeout(flush, 250));
          const sub = c.onProgress<TrainProgress>({ method: '$/progress' } as never, token, (p) => {
            if (p.runId) entry.serverRunId = p.runId;
            if (p.runDir && !view.runDir) view.runDir = p.runDir;
            if (p.kind === 'begin') view.status = p.queued ? 'queued' : 'running';
            else if (p.kind === 'report' && view.status === 'queued') view.status = 'running';
            if (p.step !== undefined) view.step = p.step;
            if (p.totalSteps !== undefined) view.totalSteps = p.totalSteps;
            if (p.losses && p.step !== undefined) {
              const point = { step: p.step, losses: p.losses };
              view.losses.push(point);
              pendingLosses.push(point);
            }
            if (p.message) lastMessage = p.message;
            if (p.metrics && p.step !== undefined) {
              const point = { step: p.step, metrics: p.metrics };
              view.history.push(point);
              // Evaluations are rare and change the heatmaps: send the losses before them, then them, at once.
              if (flushTimer) clearTimeout(flushTimer);
              flush();
              panels.post(runId, { type: 'eval', runId, point });
            } else if (p.kind === 'begin') flush();
            else schedule();
          });
          try {
            // A resumed run keeps its configuration, seed and backend (the server reads them from the run).
            const params: TrainParams & { workDoneToken: string } = resumeFrom?.runDir
              ? { uri: uri.toString(), resumeFrom: resumeFrom.runDir, workDoneToken: token }
              : { uri: uri.toString(), backend, workDoneToken: token, ...(config ? { config } : {}) };
            return await c.sendRequest<TrainResult>(Methods.train, params, cancel.token);
          } finally {
            sub.dispose();
            if (flushTimer) clearTimeout(flushTimer);
          }
        },
      )
      .then(
        (r) => ({ ok: true as const, r }),
        (e: Error) => ({ ok: false as const, e }),
      );
    active.delete(runId);
    cancel.dispose();
    store.endLive(runId);
    updateStatus();
    void syncRuns();
    if (!result.ok) {
      const cancelled = cancel.token.isCancellationRequested;
      view.status = cancelled ? 'cancelled' : 'failed';
      view.error = result.e.message;
      // The run directory (with its checkpoint) is what the panel shows from now on.
      if (view.runDir)
        try {
          writeFileSync(
            path.join(view.runDir, UI_FILE),
            JSON.stringify({
              startedAt: view.startedAt,
              ...(view.inputLabels ? { inputLabels: view.inputLabels } : {}),
            }),
          );
        } catch {
          // the run directory is gone
        }
      const ended = (view.runDir && store.get(view.runDir)) || view;
      if (view.runDir) panels.finished(runId, { ...ended, losses: view.losses, error: view.error });
      else panels.post(runId, { type: 'finished', run: view });
      if (view.runDir)
        try {
          writeFileSync(path.join(view.runDir, LOSSES_FILE), JSON.stringify(view.losses));
        } catch {
          // the run directory is gone
        }
      output.appendLine(`training ${cancelled ? 'cancelled' : `failed: ${result.e.message}`}`);
      if (cancelled) void vscode.window.showInformationMessage(`IIT: training of ${view.experiment} was stopped.`);
      else
        void vscode.window
          .showErrorMessage(`IIT: training failed: ${result.e.message}`, 'Show Output')
          .then((a) => a && output.show());
      return;
    }
    const { runDir, report } = result.r;
    // Keep what only the extension saw (per-step losses, input labels) beside the engine's files.
    try {
      writeFileSync(path.join(runDir, LOSSES_FILE), JSON.stringify(view.losses));
      writeFileSync(
        path.join(runDir, UI_FILE),
        JSON.stringify({ startedAt: view.startedAt, ...(view.inputLabels ? { inputLabels: view.inputLabels } : {}) }),
      );
    } catch (e) {
      output.appendLine(`could not write UI files into ${runDir}: ${(e as Error).message}`);
    }
    const done = readRunDir(runDir) ?? { ...view, id: runDir, runDir, status: 'finished' as const, report };
    panels.finished(runId, done);
    store.refresh();
    const iia = Object.entries(report.metrics)
      .map(([s, m]) => `${s} ${(m.iia.overall * 100).toFixed(2)}%`)
      .join(', ');
    output.appendLine(`training finished: ${runDir} — IIA ${iia}`);
    const action = await vscode.window.showInformationMessage(
      `IIT: training of ${report.experiment} finished — IIA ${iia}.`,
      'Open Results',
    );
    if (action === 'Open Results') panels.showRun(done);
  };

  const pickConfig = async (uri: vscode.Uri): Promise<string | undefined | null> => {
    let configs: string[] = ['default'];
    try {
      configs = (await experiments.getInfo(uri)).configs;
    } catch {
      // Training will report why the file does not load.
    }
    if (configs.length <= 1) return configs[0];
    const p = await vscode.window.showQuickPick(configs, { title: 'IIT: train with which configuration?' });
    return p ?? null;
  };

  const pickBackend = async (title: string): Promise<string | undefined> => {
    const current = backendSetting();
    const p = await vscode.window.showQuickPick(
      BACKENDS.map((b) => ({ label: b.id, detail: b.detail, description: b.id === current ? '(current)' : '' })),
      { title },
    );
    return p?.label;
  };

  const reg = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg('iit.train', async (arg: unknown) => {
    if (!requireTrust('Training')) return;
    const target = await pickExperiment(arg);
    if (!target) return;
    const config = target.config ?? (await pickConfig(target.uri));
    if (config === null) return;
    // The palette asks for a backend; CodeLens and tree actions use the configured one.
    const backend = arg === undefined ? await pickBackend('IIT: train on which backend?') : backendSetting();
    if (!backend) return;
    await train(target.uri, config, backend);
  });

  const resumable = (r: RunView) =>
    !!r.file &&
    !!r.runDir &&
    !store.isLive(r.id) &&
    (r.status === 'cancelled' || r.status === 'failed') &&
    !!r.resumable;

  reg('iit.resume', async (arg: unknown, all: unknown) => {
    if (!requireTrust('Resuming')) return;
    const run = pickRuns(arg, all)[0] ?? (await quickPickRun('IIT: resume which run?', resumable));
    if (!run) return;
    if (!resumable(run)) {
      void vscode.window.showInformationMessage(
        run.status === 'finished'
          ? `IIT: the run ${path.basename(run.runDir ?? run.id)} has finished; train again to start a new run.`
          : `IIT: the run ${path.basename(run.runDir ?? run.id)} is ${run.status}${run.resumable === false ? ' and has no checkpoint to resume from' : ''}.`,
      );
      return;
    }
    await train(vscode.Uri.file(run.file!), run.config, run.backend, run);
  });

  reg('iit.stop', async () => {
    const runs = [...active.values()];
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
        await (await client()).sendRequest(CancelRequest, { runId: target.serverRunId });
      } catch {
        // Already ended; cancelling the iit/train request itself also stops it.
      }
  });

  reg('iit.evaluate', async (arg: unknown) => {
    if (!requireTrust('Evaluation')) return;
    let run = arg instanceof RunItem ? store.get(arg.run.id) : undefined;
    let uri: vscode.Uri | undefined = run?.file ? vscode.Uri.file(run.file) : undefined;
    if (!run) {
      const target = await pickExperiment(arg);
      if (!target) return;
      uri = target.uri;
      const candidates = store
        .all()
        .filter((r) => r.file && path.resolve(r.file) === path.resolve(target.uri.fsPath) && r.status === 'finished');
      run =
        candidates.length === 1
          ? candidates[0]
          : await quickPickRun('IIT: evaluate which run of this experiment?', (r) => candidates.includes(r));
    }
    if (!run?.runDir || !uri) return;
    const c = await client();
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `IIT: evaluating ${run.experiment}`, cancellable: true },
      (_p, token) =>
        c.sendRequest<import('../server/engine/report').Report>(
          Methods.evaluate,
          { uri: uri!.toString(), runDir: run!.runDir!, backend: backendSetting() },
          token,
        ),
    );
    const view: RunView = { ...run, report, history: run.history };
    const iia = Object.entries(report.metrics)
      .map(([s, m]) => `${s} ${(m.iia.overall * 100).toFixed(2)}%`)
      .join(', ');
    output.appendLine(`evaluated ${run.runDir}: IIA ${iia}`);
    const a = await vscode.window.showInformationMessage(
      `IIT: interchange intervention accuracy of ${run.experiment} (${run.config}): ${iia}.`,
      'Open Results',
    );
    if (a) panels.showRun(view);
  });

  reg('iit.openResults', async (arg: unknown) => {
    const run = pickRuns(arg)[0] ?? (await quickPickRun('IIT: open the results of which run?'));
    if (run) panels.showRun((await labelled([run]))[0]!);
  });

  reg('iit.compareRuns', async (arg: unknown, all: unknown) => {
    let runs = pickRuns(arg, all);
    if (runs.length < 2) {
      const picks = await vscode.window.showQuickPick(
        store
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
    if (runs.length) panels.showCompare(await labelled(runs));
  });

  reg('iit.deleteRun', async (arg: unknown, all: unknown) => {
    const picked = pickRuns(arg, all);
    const runs = picked.filter(
      (r) => r.runDir && !store.isLive(r.id) && r.status !== 'running' && r.status !== 'queued',
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
    for (const r of runs) store.delete(r.runDir!);
  });

  reg('iit.selectBackend', async () => {
    const b = await pickBackend('IIT: compute backend for training and evaluation');
    if (!b) return;
    await vscode.workspace
      .getConfiguration('iitStudio')
      .update(
        'backend',
        b,
        vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global,
      );
    updateStatus();
  });

  reg('iit.refresh', () => {
    experiments.refresh();
    store.refresh();
  });

  reg('iit.restartServer', async () => {
    await connection?.restart();
    output.appendLine('server restarted');
  });

  reg('iit.showOutput', () => output.show());

  reg('iit.exportResults', async (format?: unknown, target?: unknown) => {
    const f =
      typeof format === 'string' && ['svg', 'png', 'csv'].includes(format)
        ? (format as 'svg' | 'png' | 'csv')
        : ((await vscode.window.showQuickPick(['svg', 'png', 'csv'], { title: 'IIT: export as' })) as
            'svg' | 'png' | 'csv' | undefined);
    if (!f) return;
    const m = await panels.requestExport(f);
    return panels.save(
      m,
      typeof target === 'string' ? vscode.Uri.file(target) : target instanceof vscode.Uri ? target : undefined,
    );
  });

  reg('iit.newExperiment', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      void vscode.window.showErrorMessage('IIT: open a folder first.');
      return;
    }
    const samples = path.join(context.extensionPath, 'samples');
    const dirs = existsSync(samples)
      ? (await vscode.workspace.fs.readDirectory(vscode.Uri.file(samples)))
          .filter(([, t]) => t === vscode.FileType.Directory)
          .map(([n]) => n)
      : [];
    const pick = await vscode.window.showQuickPick(dirs, { title: 'IIT: new experiment from which sample?' });
    if (!pick) return;
    const name = await vscode.window.showInputBox({
      title: 'IIT: folder for the new experiment',
      value: pick,
      validateInput: (v) => (/^[\w.-]+$/.test(v) ? undefined : 'letters, digits, . _ - only'),
    });
    if (!name) return;
    const dest = path.join(folder.uri.fsPath, name);
    if (existsSync(dest)) {
      void vscode.window.showErrorMessage(`IIT: ${name} already exists.`);
      return;
    }
    cpSync(path.join(samples, pick), dest, { recursive: true });
    experiments.refresh();
    const files = (await vscode.workspace.fs.readDirectory(vscode.Uri.file(dest)))
      .map(([n]) => n)
      .filter((n) => n.endsWith('.ts'));
    for (const f of files) {
      const doc = await vscode.workspace.openTextDocument(path.join(dest, f));
      if (EXPERIMENT_MARKER.test(doc.getText())) {
        await vscode.window.showTextDocument(doc);
        break;
      }
    }
  });

  // extension/debug.ts (activateDebug) registers iit.debugIntervention when the debugger is built in; this
  // fallback takes the same argument ({ uri, config?, runId?, runDir?, variable, base, source, split? }).
  const registered = new Set(await vscode.commands.getCommands(true));
  if (!registered.has('iit.debugIntervention'))
    reg('iit.debugIntervention', async (arg: unknown) => {
      // The CodeLens passes { experiment: path }; heatmap clicks pass DebugInterventionArgs.
      const a = (arg && typeof arg === 'object' ? arg : {}) as Partial<DebugInterventionArgs> & { experiment?: string };
      const file = typeof a.uri === 'string' ? a.uri : a.experiment;
      const t = await pickExperiment(typeof file === 'string' ? { uri: file, config: a.config } : arg);
      if (!t) return;
      if (!requireTrust('Debugging an intervention')) return;
      let variable = a.variable;
      if (!variable) {
        const info = await experiments.getInfo(t.uri).catch(() => undefined);
        variable =
          info?.alignment.length === 1
            ? info.alignment[0]!.variable
            : await vscode.window.showQuickPick(info?.alignment.map((x) => x.variable) ?? [], {
                title: 'IIT: intervene on which variable?',
              });
        if (!variable) return;
      }
      const name = typeof variable === 'string' ? variable : `${variable.from}→${variable.to}`;
      const launch: vscode.DebugConfiguration = {
        type: 'iit',
        request: 'launch',
        name: `IIT: ${name} (base ${a.base ?? 0}, source ${a.source ?? 1})`,
        experiment: t.uri.fsPath,
        config: t.config ?? 'default',
        variable,
        base: a.base ?? 0,
        source: a.source ?? 1,
        split: a.split ?? 'train',
        ...(a.runDir ? { runDir: a.runDir } : {}),
      };
      // Without the intervention debugger in this build, say so instead of VS Code's "unknown debug type".
      const debuggers = (context.extension.packageJSON as { contributes?: { debuggers?: { type: string }[] } })
        .contributes?.debuggers;
      if (!debuggers?.some((d) => d.type === 'iit')) {
        void vscode.window.showInformationMessage(
          `IIT: this build has no intervention debugger; the pair was ${launch.name.replace(/^IIT: /, '')}.`,
        );
        return;
      }
      const folder = vscode.workspace.getWorkspaceFolder(t.uri);
      const ok = await vscode.debug.startDebugging(folder, launch);
      if (!ok) output.appendLine(`debug session did not start: ${JSON.stringify(launch)}`);
    });

  // ----- source edits: the experiment file is the single source of truth -----
  const applyTextEdit = async (file: string, e: TextEdit, what: string) => {
    const doc = await vscode.workspace.openTextDocument(file);
    const we = new vscode.WorkspaceEdit();
    we.replace(doc.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.text);
    if (!(await vscode.workspace.applyEdit(we))) throw new Error(`could not edit ${path.basename(file)}`);
    const ed = await vscode.window.showTextDocument(doc, { preserveFocus: false });
    const start = doc.positionAt(e.start);
    ed.revealRange(new vscode.Range(start, start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    // Saving re-checks the file on the server and refreshes the tree; undo still reverts it.
    await doc.save();
    experiments.refresh(vscode.Uri.file(file));
    output.appendLine(`${what} in ${vscode.workspace.asRelativePath(file)}`);
  };

  const withEditErrors =
    (fn: (...args: unknown[]) => Promise<void>) =>
    async (...args: unknown[]) => {
      try {
        await fn(...args);
      } catch (e) {
        void vscode.window.showErrorMessage(`IIT: ${(e as Error).message}`);
      }
    };

  reg(
    'iit.addVariable',
    withEditErrors(async (arg: unknown) => {
      const t = await pickExperiment(arg);
      if (!t) return;
      const expText = (await vscode.workspace.openTextDocument(t.uri)).getText();
      const { locateModel, addVariableEdit } = await edits();
      const where = locateModel(t.uri.fsPath, expText);
      const modelText = (await vscode.workspace.openTextDocument(where.file)).getText();
      const existing = (await experiments.getInfo(t.uri).catch(() => undefined))?.variables.map((v) => v.name) ?? [];
      const name = await vscode.window.showInputBox({
        title: 'IIT: Add Variable — name',
        validateInput: (v) =>
          !/^[A-Za-z_$][\w$]*$/.test(v) ? 'an identifier' : existing.includes(v) ? `${v} exists` : undefined,
      });
      if (!name) return;
      const values = await vscode.window.showQuickPick(['bool', 'range(2)', 'range(10)', "oneOf('a', 'b')"], {
        title: `IIT: values of ${name} (edit the file for other value sets)`,
      });
      if (!values) return;
      const parents = existing.length
        ? ((await vscode.window.showQuickPick(existing, {
            title: `IIT: parents of ${name} (none: an input)`,
            canPickMany: true,
          })) ?? undefined)
        : [];
      if (!parents) return;
      const body = parents.length
        ? await vscode.window.showInputBox({
            title: `IIT: ${name} = f(${parents.join(', ')})`,
            value: parents.length === 1 ? parents[0] : parents.join(' && '),
          })
        : '';
      if (body === undefined) return;
      await applyTextEdit(
        where.file,
        addVariableEdit(where.file, modelText, { name, values, parents, body }),
        `added variable ${name}`,
      );
    }),
  );

  reg(
    'iit.alignVariable',
    withEditErrors(async (arg: unknown) => {
      const t = await pickExperiment(arg);
      if (!t) return;
      const { freeNeurons, parseSlice, alignVariableEdit } = await edits();
      const info = await experiments.getInfo(t.uri);
      const pre = arg instanceof ExperimentItem ? arg.variableName : undefined;
      const candidates = info.variables.filter((v) => v.role === 'intermediate');
      const variable =
        pre ??
        (
          await vscode.window.showQuickPick(
            candidates.map((v) => ({
              label: v.name,
              description: info.alignment.find((a) => a.variable === v.name)
                ? `aligned to ${info.alignment.find((a) => a.variable === v.name)!.site}`
                : 'not aligned',
            })),
            { title: 'IIT: Align which variable?' },
          )
        )?.label;
      if (!variable) return;
      const site = await vscode.window.showQuickPick(
        info.sites.map((s) => {
          const used = info.alignment.filter((a) => a.site === s.name && a.variable !== variable).map((a) => a.ranges);
          return {
            label: s.name,
            description: `shape [${s.shape.join(', ')}]`,
            detail: `${freeNeurons(s.shape, used)} free neuron(s)${
              used.length
                ? `; used by ${info.alignment
                    .filter((a) => a.site === s.name && a.variable !== variable)
                    .map((a) => `${a.variable} ${a.ranges.map(([x, y]) => `[${x}:${y}]`).join('')}`)
                    .join(', ')}`
                : ''
            }`,
            shape: s.shape,
          };
        }),
        { title: `IIT: align ${variable} to which site?` },
      );
      if (!site) return;
      const range = await vscode.window.showInputBox({
        title: `IIT: neurons of ${site.label} [${site.shape.join(', ')}] for ${variable}`,
        prompt: 'start:end per axis, comma separated; empty for the whole site',
        value: site.shape.length ? `0:${site.shape[0]}` : '',
        validateInput: (v) => {
          try {
            parseSlice(v, site.shape);
            return undefined;
          } catch (e) {
            return (e as Error).message;
          }
        },
      });
      if (range === undefined) return;
      const slice = parseSlice(range, site.shape);
      const text = (await vscode.workspace.openTextDocument(t.uri)).getText();
      await applyTextEdit(
        t.uri.fsPath,
        alignVariableEdit(t.uri.fsPath, text, variable, site.label, slice),
        `aligned ${variable} to ${site.label}`,
      );
    }),
  );

  reg(
    'iit.addConfiguration',
    withEditErrors(async (arg: unknown) => {
      const t = await pickExperiment(arg);
      if (!t) return;
      const { addConfigurationEdit } = await edits();
      const name = await vscode.window.showInputBox({
        title: 'IIT: Add Configuration — name',
        validateInput: (v) => (/^[\w-]+$/.test(v) ? undefined : 'letters, digits, _ and - only'),
      });
      if (!name) return;
      // Table 1's six configurations (server/engine/presets.ts), each objective at weight 1.0 as in the paper.
      const presets = Object.entries(PRESET_OBJECTIVES).map(([label, objectives]) => ({
        label,
        detail: Object.keys(objectives).join(' + '),
        objectives: objectives as Record<string, number>,
      }));
      const p = await vscode.window.showQuickPick(presets, { title: `IIT: objectives of ${name}` });
      if (!p) return;
      const text = (await vscode.workspace.openTextDocument(t.uri)).getText();
      await applyTextEdit(
        t.uri.fsPath,
        addConfigurationEdit(t.uri.fsPath, text, { name, objectives: p.objectives }),
        `added configuration ${name}`,
      );
    }),
  );

  output.appendLine('IIT Studio activated');
}

export async function deactivate(): Promise<void> {
  await connection?.dispose();
  connection = undefined;
}
