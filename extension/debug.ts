/**
 * The `iit` debugger in VS Code: the debug adapter runs inline in the
 * extension host (dist/debug.js, the same session class `iit-studio
 * debug-adapter` serves on stdio, loaded on the first session), launch
 * configurations are completed here, and "Run All Pairs" asks the running
 * session for the variable's IIA and offers its mismatching pairs.
 */
import path from 'node:path';
import * as vscode from 'vscode';

export const DEBUG_TYPE = 'iit';
/** Custom DAP request served by server/debug/session.ts. */
const RUN_ALL_PAIRS = 'iit/runAllPairs';

interface AllPairs {
  variable: string;
  split: string;
  pairs: number;
  matches: number;
  iia: number;
  exact: boolean;
  interval?: [number, number];
  mismatches: { base: number; source: number; baseInput: string; sourceInput: string }[];
}

class InlineAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly extensionPath: string) {}

  createDebugAdapterDescriptor(): vscode.DebugAdapterDescriptor {
    // Loaded lazily: TensorFlow.js enters the extension host only when someone debugs.
    const mod = require(path.join(this.extensionPath, 'dist', 'debug.js')) as { createSession(): vscode.DebugAdapter };
    return new vscode.DebugAdapterInlineImplementation(mod.createSession());
  }
}

class ConfigurationProvider implements vscode.DebugConfigurationProvider {
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
    return {
      ...config,
      request: config.request ?? 'launch',
      stopOnEntry: config.stopOnEntry ?? true,
      // Relative experiment and runDir paths resolve against the workspace folder.
      cwd: config.cwd ?? folder?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    };
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** Runs the variable over all pairs in the active session; picking a mismatch debugs that pair. */
async function runAllPairs(output: vscode.LogOutputChannel): Promise<void> {
  const session = vscode.debug.activeDebugSession;
  if (session?.type !== DEBUG_TYPE) {
    void vscode.window.showInformationMessage(
      'IIT: Run All Pairs works on a running intervention debugger: start one with “IIT: Debug Intervention”.',
    );
    return;
  }
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'IIT: running all pairs' },
    () => Promise.resolve(session.customRequest(RUN_ALL_PAIRS) as Thenable<AllPairs>),
  );
  const summary = `IIA ${r.variable} = ${pct(r.iia)} (${r.matches}/${r.pairs} ${r.exact ? 'pairs' : `sampled pairs, 95% CI ${pct(r.interval![0])}–${pct(r.interval![1])}`}, split ${r.split})`;
  output.info(`${summary}; ${r.mismatches.length} mismatching pairs listed`);
  if (r.mismatches.length === 0) {
    void vscode.window.showInformationMessage(`${summary}: no mismatching pair.`);
    return;
  }
  const pick = await vscode.window.showQuickPick(
    r.mismatches.map((m) => ({
      label: `base ${m.baseInput} ← source ${m.sourceInput}`,
      description: 'mismatch',
      m,
    })),
    { title: `${summary}: pick a mismatching pair to debug`, matchOnDescription: true },
  );
  if (!pick) return;
  const cfg = session.configuration;
  const next: vscode.DebugConfiguration = {
    ...cfg,
    name: `IIT: ${r.variable} (base ${pick.m.base}, source ${pick.m.source})`,
    base: pick.m.base,
    source: pick.m.source,
    split: r.split,
  };
  await vscode.debug.stopDebugging(session);
  await vscode.debug.startDebugging(session.workspaceFolder, next);
}

export function activateDebug(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new InlineAdapterFactory(context.extensionPath)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider()),
    vscode.commands.registerCommand('iit.runAllPairs', () =>
      runAllPairs(output).catch(
        (e: Error) => void vscode.window.showErrorMessage(`IIT: Run All Pairs failed: ${e.message}`),
      ),
    ),
  );
}
