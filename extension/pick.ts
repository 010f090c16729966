/**
 * What a command acts on, from its arguments or by asking: an experiment
 * (tree item, `Uri`, path or URI string, `{ uri, config }` from CodeLens, the
 * active editor, or a quick pick) and runs (Runs tree items, the view's
 * selection, run directories, or a quick pick).
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { RunView } from '../server/protocol/webview';
import type { Ctx } from './ctx';
import { isExperimentSource } from '../server/source/experimentFile';
import { ExperimentItem } from './experiments';
import { RunItem } from './runs';

export interface ExperimentTarget {
  uri: vscode.Uri;
  config?: string;
}

const toUri = (s: string) => (s.includes('://') ? vscode.Uri.parse(s) : vscode.Uri.file(s));

export async function pickExperiment(ctx: Ctx, arg: unknown): Promise<ExperimentTarget | undefined> {
  if (arg instanceof ExperimentItem) return { uri: arg.uri, ...(arg.configName ? { config: arg.configName } : {}) };
  if (arg instanceof vscode.Uri) return { uri: arg };
  if (typeof arg === 'string') return { uri: toUri(arg) };
  if (arg && typeof arg === 'object' && 'uri' in arg) {
    const a = arg as { uri: string | vscode.Uri; config?: string };
    return { uri: typeof a.uri === 'string' ? toUri(a.uri) : a.uri, ...(a.config ? { config: a.config } : {}) };
  }
  const doc = vscode.window.activeTextEditor?.document;
  if (doc && isExperimentSource(doc.getText(), doc.fileName)) return { uri: doc.uri };
  const files = await ctx.experiments.experimentFiles();
  if (files.length === 1) return { uri: files[0]! };
  const pick = await vscode.window.showQuickPick(
    files.map((f) => ({ label: path.basename(f.fsPath), description: vscode.workspace.asRelativePath(f), uri: f })),
    { title: 'IIT: pick an experiment', placeHolder: 'experiment file' },
  );
  return pick && { uri: pick.uri };
}

/** The runs a Runs-view command acts on: (arg, all) as VS Code passes a multi-selection, else the selection. */
export function pickRuns(ctx: Ctx, arg: unknown, all?: unknown): RunView[] {
  const items = Array.isArray(all) && all.length ? all : arg ? [arg] : ctx.runsView.selection;
  return (items as unknown[])
    .map((i) =>
      i instanceof RunItem
        ? ctx.store.get(i.run.id)
        : typeof i === 'string'
          ? ctx.store.get(i)
          : i && typeof i === 'object' && 'runDir' in i
            ? ctx.store.get(String((i as { runDir: string }).runDir))
            : undefined,
    )
    .filter((r): r is RunView => !!r);
}

export async function quickPickRun(
  ctx: Ctx,
  title: string,
  filter: (r: RunView) => boolean = () => true,
): Promise<RunView | undefined> {
  const runs = ctx.store.all().filter(filter);
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
}
