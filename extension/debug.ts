/**
 * The `iit` debugger in VS Code: where its adapter runs, and launch
 * configurations completed here. The adapter runs out of process by default,
 * as `iit-studio debug-adapter` on stdio (the user's equations and
 * TensorFlow.js stay out of the extension host, as the language server keeps
 * them in its workers); the setting `iitStudio.debug.inline` runs the same
 * session class inside the extension host instead (dist/debug.js).
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { cliCommand } from './cli';
import { nodeArgs } from './client';

export const DEBUG_TYPE = 'iit';

class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(
    private readonly extensionPath: string,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
    if (vscode.workspace.getConfiguration('iitStudio').get<boolean>('debug.inline')) {
      this.output.appendLine(`debug adapter: inline (extension host, pid ${process.pid})`);
      // Loaded lazily: TensorFlow.js enters the extension host only when someone debugs inline.
      const mod = require(path.join(this.extensionPath, 'dist', 'debug.js')) as {
        createSession(): vscode.DebugAdapter;
      };
      return new vscode.DebugAdapterInlineImplementation(mod.createSession());
    }
    const { command, args, env } = cliCommand(this.extensionPath, ['debug-adapter'], nodeArgs());
    const cwd = typeof session.configuration.cwd === 'string' ? session.configuration.cwd : undefined;
    this.output.appendLine(`debug adapter: out of process (${[command, ...args].join(' ')})`);
    return new vscode.DebugAdapterExecutable(command, args, { env, ...(cwd ? { cwd } : {}) });
  }
}

class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly onLaunch: () => void) {}

  resolveDebugConfiguration(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.ProviderResult<vscode.DebugConfiguration> {
    // F5 without a launch.json: ask for the experiment and variable like the palette command.
    if (!config.type && !config.request && !config.name) {
      void vscode.commands.executeCommand('iit.debugIntervention');
      return undefined;
    }
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'IIT Studio: debugging an intervention runs the experiment’s code, which is disabled in untrusted folders.',
      );
      return undefined;
    }
    this.onLaunch();
    return {
      ...config,
      request: config.request ?? 'launch',
      stopOnEntry: config.stopOnEntry ?? true,
      // Relative experiment and runDir paths resolve against the workspace folder.
      cwd: config.cwd ?? folder?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    };
  }
}

/** `onLaunch`: an `iit` session is about to start (the extension starts its server then, see Ctx.ensureStarted). */
export function activateDebug(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  onLaunch: () => void = () => undefined,
): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new AdapterFactory(context.extensionPath, output)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider(onLaunch)),
  );
}
