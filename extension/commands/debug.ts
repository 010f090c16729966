/**
 * The intervention debugger's commands: Debug Intervention (palette, CodeLens,
 * a heatmap click) starts an `iit` session on one pair; Run All Pairs asks the
 * running session for its variable's IIA and offers the mismatching pairs.
 */
import * as vscode from 'vscode';
import { RUN_ALL_PAIRS, type AllPairsResult } from '../../server/protocol/debug';
import type { Cmd, Ctx } from '../ctx';
import type { DebugInterventionArgs } from '../debugArgs';
import { DEBUG_TYPE } from '../debug';
import { pickExperiment } from '../pick';

/** `iit.debugIntervention({ uri, config?, runId?, runDir?, variable, base, source, split? })` (docs/PROTOCOL.md). */
const debugIntervention =
  (ctx: Ctx): Cmd =>
  async (arg: unknown) => {
    // The CodeLens passes { experiment: path }; heatmap clicks pass DebugInterventionArgs.
    const a = (arg && typeof arg === 'object' ? arg : {}) as Partial<DebugInterventionArgs> & { experiment?: string };
    const file = typeof a.uri === 'string' ? a.uri : a.experiment;
    const t = await pickExperiment(ctx, typeof file === 'string' ? { uri: file, config: a.config } : arg);
    if (!t) return;
    if (!ctx.requireTrust('Debugging an intervention')) return;
    let variable = a.variable;
    if (!variable) {
      const info = await ctx.experiments.getInfo(t.uri).catch(() => undefined);
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
      type: DEBUG_TYPE,
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
    const debuggers = (ctx.extension.extension.packageJSON as { contributes?: { debuggers?: { type: string }[] } })
      .contributes?.debuggers;
    if (!debuggers?.some((d) => d.type === DEBUG_TYPE)) {
      void vscode.window.showInformationMessage(
        `IIT: this build has no intervention debugger; the pair was ${launch.name.replace(/^IIT: /, '')}.`,
      );
      return;
    }
    const folder = vscode.workspace.getWorkspaceFolder(t.uri);
    const ok = await vscode.debug.startDebugging(folder, launch);
    if (!ok) ctx.output.appendLine(`debug session did not start: ${JSON.stringify(launch)}`);
  };

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** Runs the variable over all pairs in the active session; picking a mismatch debugs that pair. */
async function runAllPairs(ctx: Ctx): Promise<void> {
  const session = vscode.debug.activeDebugSession;
  if (session?.type !== DEBUG_TYPE) {
    void vscode.window.showInformationMessage(
      'IIT: Run All Pairs works on a running intervention debugger: start one with “IIT: Debug Intervention”.',
    );
    return;
  }
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'IIT: running all pairs' },
    () => Promise.resolve(session.customRequest(RUN_ALL_PAIRS) as Thenable<AllPairsResult>),
  );
  const summary = `IIA ${r.variable} = ${pct(r.iia)} (${r.matches}/${r.pairs} ${r.exact ? 'pairs' : `sampled pairs, 95% CI ${pct(r.interval![0])}–${pct(r.interval![1])}`}, split ${r.split})`;
  ctx.output.info(`${summary}; ${r.mismatches.length} mismatching pairs listed`);
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
  const next: vscode.DebugConfiguration = {
    ...session.configuration,
    name: `IIT: ${r.variable} (base ${pick.m.base}, source ${pick.m.source})`,
    base: pick.m.base,
    source: pick.m.source,
    split: r.split,
  };
  await vscode.debug.stopDebugging(session);
  await vscode.debug.startDebugging(session.workspaceFolder, next);
}

export const debugCommands: Record<string, (ctx: Ctx) => Cmd> = {
  'iit.debugIntervention': debugIntervention,
  'iit.runAllPairs': (ctx) => () =>
    runAllPairs(ctx).catch(
      (e: Error) => void vscode.window.showErrorMessage(`IIT: Run All Pairs failed: ${e.message}`),
    ),
};
