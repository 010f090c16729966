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

import { SetTrustedNotification, type InitializationOptions } from '../server/protocol/index';
import { RestartPolicy } from './restartPolicy';

/** The server's initialization options, from the iitStudio.* settings and the workspace's trust. */
export function initializationOptions(): InitializationOptions {
  const c = vscode.workspace.getConfiguration('iitStudio');
  const num = (key: string) => {
    const v = c.get<number>(key);
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
  };
  const maxConcurrentRuns = num('maxConcurrentRuns');
  const checkpointEvery = num('checkpointEvery');
  const checkTimeoutMs = num('checkTimeoutMs');
  return {
    trusted: vscode.workspace.isTrusted,
    backend: c.get<string>('backend') || 'auto',
    runsDirectory: c.get<string>('runsDirectory') || '.iit/runs',
    ...(maxConcurrentRuns ? { maxConcurrentRuns } : {}),
    ...(checkpointEvery ? { checkpointEvery } : {}),
    ...(checkTimeoutMs ? { checkTimeoutMs } : {}),
  };
}

/** `iitStudio.server.nodeArgs`: Node.js options of the processes that run experiments (server, debug adapter). */
export function nodeArgs(): string[] {
  return vscode.workspace.getConfiguration('iitStudio').get<string[]>('server.nodeArgs') ?? [];
}

export class ServerConnection implements vscode.Disposable {
  client: LanguageClient | undefined;
  private readonly policy = new RestartPolicy();
  private readonly restarted = new vscode.EventEmitter<void>();
  /** Fires when the server was restarted after it died (runs in progress were lost). */
  readonly onRestarted = this.restarted.event;
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
    const execArgv = nodeArgs();
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.stdio, options: { execArgv } },
      debug: {
        module: serverModule,
        transport: TransportKind.stdio,
        options: { execArgv: [...execArgv, '--inspect=6019'] },
      },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'typescript' }],
      outputChannel: this.output,
      traceOutputChannel: this.output,
      initializationOptions,
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
  private onClosed(): { action: CloseAction; message?: string; handled?: boolean } {
    if (this.disposed) return { action: CloseAction.DoNotRestart };
    const d = this.policy.onCrash(Date.now());
    this.output.appendLine(`[${new Date().toISOString()}] ${d.message}`);
    if (!d.restart) {
      void vscode.window
        .showErrorMessage(`IIT Studio: ${d.message}`, 'Restart Server', 'Show Output')
        .then((a) =>
          a === 'Restart Server' ? vscode.commands.executeCommand('iit.restartServer') : a && this.output.show(),
        );
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    void vscode.window
      .showWarningMessage(`IIT Studio: ${d.message}`, 'Show Output')
      .then((a) => a && this.output.show());
    this.restarted.fire();
    // handled: our own notification says so; the client's generic one would repeat it.
    return { action: CloseAction.Restart, handled: true };
  }

  async restart(): Promise<void> {
    this.policy.reset();
    if (this.client) await this.client.restart();
    else await this.start();
  }

  /** Tells the running server that the workspace became trusted (iit/setTrusted); it re-checks open files. */
  async trustGranted(): Promise<void> {
    this.output.appendLine('workspace trusted: the server may now load and run experiments');
    const client = this.client;
    // Still starting: restarting now would stop a client that is not running yet (and leave a second server).
    if (client && client.state === State.Starting)
      await new Promise<void>((resolve) => {
        const sub = client.onDidChangeState((e) => {
          if (e.newState !== State.Starting) {
            sub.dispose();
            resolve();
          }
        });
      });
    if (client?.isRunning()) await client.sendNotification(SetTrustedNotification, { trusted: true });
    else await this.restart();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.client?.stop().catch(() => undefined);
  }
}
