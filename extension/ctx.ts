/**
 * The extension's state, in one object that the command modules receive (the
 * shape of rust-analyzer's editors/code ctx.ts): the server connection, the
 * output channel, the runs (on disk and live) and the status bar, the sidebar
 * trees, the Causal Graph view and the results panels.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  ExperimentInfoRequest,
  RunFinishedNotification,
  RunsRequest,
  SweepsRequest,
  type ExperimentInfo,
} from '../server/protocol/index';
import type { PairRef, RunView } from '../server/protocol/webview';
import { inspectWithCli } from './cli';
import { ServerConnection } from './client';
import { debugArgs } from './debugArgs';
import { ExperimentItem, ExperimentsTree } from './experiments';
import { CausalGraphView, followExperiments } from './graph';
import { importsIitStudio, isTypeScriptSource, SCAN_EXCLUDE, SCAN_INCLUDE, SCAN_MAX_FILES } from './lazyStart';
import { LiveRuns } from './liveRun';
import { ResultsPanels } from './results';
import { RunsTree, RunStore } from './runs';
import { SweepTracker } from './sweeps';

/** Commands that do not start the server: Show Output; Restart Server starts it itself. */
const NO_SERVER = new Set(['iit.showOutput', 'iit.restartServer']);

/** A command's implementation, given its arguments as VS Code passes them (tree items, URIs, palette: none). */
export type Cmd = (...args: unknown[]) => unknown;

export class Ctx {
  readonly output: vscode.LogOutputChannel;
  readonly connection: ServerConnection;
  /** Run directories on disk, and the live runs' views. */
  readonly store: RunStore;
  /** Runs training now (their cancellation) and the status bar. */
  readonly live: LiveRuns;
  /** Sweeps on Slurm (iit/sweeps), polled while cells are queued or running. */
  readonly sweeps: SweepTracker;
  readonly experiments: ExperimentsTree;
  readonly experimentsView: vscode.TreeView<ExperimentItem>;
  readonly runsView: vscode.TreeView<vscode.TreeItem>;
  readonly graph: CausalGraphView;
  readonly panels: ResultsPanels;
  /** The server's start, once asked for (ensureStarted); undefined while nothing needed it. */
  private started: Promise<void> | undefined;
  /** What watches for a reason to start the server, disposed once it starts. */
  private readonly startTriggers: vscode.Disposable[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    const subs = extension.subscriptions;
    this.output = vscode.window.createOutputChannel('IIT Studio', { log: true });
    subs.push(this.output);
    this.output.appendLine(
      `IIT Studio ${extension.extension.packageJSON.version as string} activating (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'untrusted'})`,
    );

    this.store = new RunStore();
    this.live = new LiveRuns(() => this.backendSetting());
    this.sweeps = new SweepTracker(
      async () => {
        const c = this.connection.client;
        return c?.isRunning() ? c.sendRequest(SweepsRequest, null) : undefined;
      },
      (line) => this.output.appendLine(line),
    );
    subs.push(this.store, this.live, this.sweeps);

    this.connection = new ServerConnection(extension, this.output);
    subs.push(
      { dispose: () => void this.connection.dispose() },
      this.connection.onReady((c) => {
        void this.syncRuns();
        void this.sweeps.refresh();
        c.onNotification(RunFinishedNotification, (p) => {
          this.output.appendLine(`run ${p.runId} ${p.status ?? 'ended'}${p.error ? `: ${p.error}` : ''}`);
          void this.syncRuns();
        });
      }),
      this.connection.onRestarted(() => this.live.cancelAll()),
    );

    this.experiments = new ExperimentsTree(async (uri) => {
      const info = await this.experimentInfo(uri);
      if (info.inputLabels) this.store.setLabels(uri.fsPath, info.inputLabels);
      return info;
    });
    this.graph = new CausalGraphView();
    this.experimentsView = vscode.window.createTreeView('iit.experiments', {
      treeDataProvider: this.experiments,
      showCollapseAll: true,
    });
    this.runsView = vscode.window.createTreeView('iit.runs', {
      treeDataProvider: new RunsTree(this.store, this.sweeps),
      canSelectMany: true,
    });
    subs.push(
      this.experimentsView,
      this.runsView,
      vscode.window.registerWebviewViewProvider(CausalGraphView.id, {
        resolveWebviewView: (view) => {
          void this.ensureStarted('the Causal Graph view was shown');
          this.graph.resolveWebviewView(view);
        },
      }),
      // Trust granted: the server may now load experiment files (iit/setTrusted); the sidebar loads them too.
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        if (this.started) void this.connection.trustGranted();
        this.experiments.refresh();
        this.store.refresh();
      }),
    );
    this.panels = new ResultsPanels(extension, this.store, (run, pair) => this.openPair(run, pair), this.output);
    subs.push(this.panels, ...followExperiments(this.graph, this.experiments, this.experimentsView));
    subs.push({ dispose: () => this.startTriggers.forEach((d) => d.dispose()) });
    this.watchForExperiments();
  }

  /**
   * Starts the server (once; later calls return the same promise). Everything that needs the server awaits this,
   * through client(); nothing else starts it. It resolves once the server runs or failed to start (said then).
   */
  ensureStarted(reason: string): Promise<void> {
    if (this.started) return this.started;
    this.output.appendLine(`IIT server: starting (${reason})`);
    this.startTriggers.splice(0).forEach((d) => d.dispose());
    this.started = this.connection.start().then(
      () => undefined,
      (e: Error) => {
        this.output.appendLine(`the IIT server did not start: ${e.message}`);
        void vscode.window.showErrorMessage(
          `IIT Studio: the server did not start (${e.message}). See the "IIT Studio" output.`,
        );
      },
    );
    return this.started;
  }

  /** Restart Server: a server never started is started instead. */
  async restartServer(): Promise<void> {
    if (!this.started) await this.ensureStarted('IIT: Restart Server');
    else await this.connection.restart();
  }

  /**
   * The reasons to start the server besides a command or a request: an experiment document open now or later,
   * an IIT view visible now or later, an experiment file in the workspace (a bounded scan).
   */
  private watchForExperiments(): void {
    if (this.started) return;
    const isExperiment = (doc: vscode.TextDocument) =>
      doc.uri.scheme === 'file' && isTypeScriptSource(doc.fileName) && importsIitStudio(doc.getText());
    const onDoc = (doc: vscode.TextDocument) => {
      if (isExperiment(doc)) void this.ensureStarted(`${vscode.workspace.asRelativePath(doc.uri)} was opened`);
    };
    const onView = (view: vscode.TreeView<unknown>, name: string) => {
      if (view.visible) void this.ensureStarted(`the ${name} view was shown`);
    };
    this.startTriggers.push(
      vscode.workspace.onDidOpenTextDocument(onDoc),
      this.experimentsView.onDidChangeVisibility(() => onView(this.experimentsView, 'Experiments')),
      this.runsView.onDidChangeVisibility(() => onView(this.runsView, 'Runs')),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.scanWorkspace()),
    );
    vscode.workspace.textDocuments.forEach(onDoc);
    onView(this.experimentsView, 'Experiments');
    onView(this.runsView, 'Runs');
    void this.scanWorkspace();
  }

  /** Reads up to SCAN_MAX_FILES TypeScript files of the workspace (not node_modules) for an 'iit-studio' import. */
  private async scanWorkspace(): Promise<void> {
    if (this.started || !vscode.workspace.workspaceFolders?.length) return;
    const t0 = Date.now();
    const files = await vscode.workspace.findFiles(SCAN_INCLUDE, SCAN_EXCLUDE, SCAN_MAX_FILES);
    for (const f of files) {
      if (this.started) return;
      let text: string;
      try {
        text = Buffer.from(await vscode.workspace.fs.readFile(f)).toString('utf8');
      } catch {
        continue; // deleted between the search and the read
      }
      if (importsIitStudio(text)) {
        void this.ensureStarted(`${vscode.workspace.asRelativePath(f)} imports 'iit-studio'`);
        return;
      }
    }
    if (!this.started)
      this.output.appendLine(
        `IIT server: not started (no experiment among ${files.length} TypeScript files, ${Date.now() - t0} ms); it starts when an experiment file is opened, an IIT view is shown or an IIT command runs`,
      );
  }

  registerCommand(id: string, cmd: Cmd): void {
    const needsServer = !NO_SERVER.has(id);
    this.extension.subscriptions.push(
      vscode.commands.registerCommand(id, (...args: unknown[]) => {
        if (needsServer) void this.ensureStarted(`the command ${id}`);
        return cmd(...args);
      }),
    );
  }

  /** The running server's client (started now if it was not); throws (the command's error) when it is not running. */
  async client(): Promise<LanguageClient> {
    await this.ensureStarted('a request to the server');
    const c = this.connection.client;
    if (!c?.isRunning()) throw new Error('the IIT server is not running (see the "IIT Studio" output)');
    return c;
  }

  /** The Runs tree's statuses come from the server's iit/runs (it alone knows queued and running runs). */
  async syncRuns(): Promise<void> {
    try {
      const c = this.connection.client;
      if (!c?.isRunning()) return;
      this.store.setServerRuns(await c.sendRequest(RunsRequest, {}));
    } catch (e) {
      this.output.appendLine(`iit/runs failed: ${(e as Error).message}`);
    }
  }

  backendSetting(): string {
    return vscode.workspace.getConfiguration('iitStudio').get<string>('backend') ?? 'auto';
  }

  /** Untrusted folders: show, never run. */
  requireTrust(what: string): boolean {
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
  }

  /** The server's iit/experimentInfo; the CLI's `inspect --json` when the server cannot answer. */
  private async experimentInfo(uri: vscode.Uri): Promise<ExperimentInfo> {
    if (!vscode.workspace.isTrusted) throw new Error('untrusted folder: experiment not loaded');
    try {
      return await (await this.client()).sendRequest(ExperimentInfoRequest, { uri: uri.toString() });
    } catch (e) {
      this.output.appendLine(`iit/experimentInfo failed (${(e as Error).message}); inspecting with the CLI`);
      const cwd = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
      return inspectWithCli(this.extension.extensionPath, uri.fsPath, cwd);
    }
  }

  /** Runs whose directory has no input labels (trained before runs recorded them): label their grids from the file. */
  async labelled(runs: RunView[]): Promise<RunView[]> {
    const files = [
      ...new Set(runs.filter((r) => r.file && !r.inputLabels && !this.store.hasLabels(r.file)).map((r) => r.file!)),
    ];
    if (vscode.workspace.isTrusted)
      await Promise.all(files.map((f) => this.experiments.getInfo(vscode.Uri.file(f)).catch(() => undefined)));
    return runs.map((r) => (r.runDir && !this.store.isLive(r.id) ? (this.store.get(r.runDir) ?? r) : r));
  }

  /** A heatmap click: the debugger gets one interchange intervention to step through. */
  private openPair(run: RunView, pair: PairRef): void {
    const args = debugArgs(run, pair, (f) => vscode.Uri.file(f).toString());
    if (!args) {
      void vscode.window.showWarningMessage(`IIT: the run ${run.id} does not name its experiment file.`);
      return;
    }
    this.output.appendLine(`iit.debugIntervention ${JSON.stringify(args)}`);
    void vscode.commands.executeCommand('iit.debugIntervention', args);
  }
}
