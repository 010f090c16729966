/**
 * The language client for the IIT server (dist/server.js over stdio). It
 * restarts the server when it dies, says so in the output channel and a
 * notification, and forwards workspace trust in the initialization options
 * and again when the user grants it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';

/** Crashes within this window count towards giving up (the client's own restart also has a limit). */
const CRASH_WINDOW_MS = 3 * 60_000;
const MAX_CRASHES = 5;

export class ServerConnection implements vscode.Disposable {
  client: LanguageClient | undefined;
  private crashes: number[] = [];
  private readonly ready = new vscode.EventEmitter<LanguageClient>();
  readonly onReady = this.ready.event;
  private disposed = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  async start(): Promise<LanguageClient> {
    const serverModule = this.context.asAbsolutePath(path.join('dist', 'server.js'));
    // A missing bundle is a broken install, not a crash: say so once instead of restarting in a loop.
    if (!existsSync(serverModule))
      throw new Error(`the server bundle ${serverModule} is missing (run \`npm run build\`)`);
    const nodeArgs = vscode.workspace.getConfiguration('iitStudio').get<string[]>('server.nodeArgs') ?? [];
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.stdio, options: { execArgv: nodeArgs } },
      debug: {
        module: serverModule,
        transport: TransportKind.stdio,
        options: { execArgv: [...nodeArgs, '--inspect=6019'] },
      },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'typescript' }],
      outputChannel: this.output,
      traceOutputChannel: this.output,
      initializationOptions: () => ({
        trusted: vscode.workspace.isTrusted,
        backend: vscode.workspace.getConfiguration('iitStudio').get<string>('backend') ?? 'auto',
        runsDirectory: vscode.workspace.getConfiguration('iitStudio').get<string>('runsDirectory') ?? '.iit/runs',
      }),
      synchronize: { configurationSection: 'iitStudio' },
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue }),
        closed: () => this.onClosed(),
      },
    };
    const client = new LanguageClient('iitStudio', 'IIT Studio', serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) this.ready.fire(client);
    });
    await client.start();
    return client;
  }

  /** Called by the client when the connection closes: restart, and say so. */
  private onClosed(): { action: CloseAction; message?: string } {
    if (this.disposed) return { action: CloseAction.DoNotRestart };
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    if (this.crashes.length > MAX_CRASHES) {
      const message = `The IIT server stopped ${this.crashes.length} times in ${CRASH_WINDOW_MS / 60_000} minutes and will not be restarted. See the "IIT Studio" output, then run "IIT: Restart Server".`;
      this.output.appendLine(message);
      return { action: CloseAction.DoNotRestart, message };
    }
    const message = 'The IIT server stopped unexpectedly; restarting it. Runs in progress were cancelled.';
    this.output.appendLine(`[${new Date().toISOString()}] ${message}`);
    void vscode.window.showWarningMessage(`IIT Studio: ${message}`, 'Show Output').then((a) => a && this.output.show());
    return { action: CloseAction.Restart, message };
  }

  async restart(): Promise<void> {
    this.crashes = [];
    if (this.client) await this.client.restart();
    else await this.start();
  }

  /** Tells the running server that the workspace became trusted. */
  async trustGranted(): Promise<void> {
    this.output.appendLine('workspace trusted: the server may now load and run experiments');
    // A restart re-sends initialization options (trusted: true); simplest correct path.
    await this.restart();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.client?.stop().catch(() => undefined);
  }
}
