/**
 * The "Causal Graph" sidebar view: the active experiment's DAG with each
 * variable's aligned site. Static SVG styled by theme variables in a nonce'd
 * stylesheet; no script runs in this view. It follows the active experiment
 * editor and the experiment selected in the sidebar.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ExperimentInfo } from '../server/protocol/index';
import { graphSvg } from '../webview/graph';
import { isExperimentSource } from '../server/source/experimentFile';
import type { ExperimentItem, ExperimentsTree } from './experiments';

const STYLE = `
body { color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 4px 8px; }
.caption { color: var(--vscode-descriptionForeground); margin: 2px 0 8px; }
svg { max-width: 100%; height: auto; }
.node rect { fill: var(--vscode-editor-background); stroke: var(--vscode-foreground); stroke-width: 1; }
.node.aligned rect { stroke: var(--vscode-charts-blue, var(--vscode-focusBorder)); stroke-width: 2; }
.node.input rect { stroke-dasharray: 4 2; }
.node.selected rect { fill: var(--vscode-list-inactiveSelectionBackground, var(--vscode-editor-selectionBackground)); stroke-width: 2; }
.node text { fill: var(--vscode-foreground); font-size: 12px; }
.node text.site { fill: var(--vscode-charts-blue, var(--vscode-textLink-foreground)); font-size: 11px; }
.edge { stroke: var(--vscode-descriptionForeground); stroke-width: 1.2; }
.arrowhead { fill: var(--vscode-descriptionForeground); }
`;

export class CausalGraphView implements vscode.WebviewViewProvider {
  static readonly id = 'iit.graph';
  private view: vscode.WebviewView | undefined;
  private last: { info: ExperimentInfo; file: string; selected?: string } | { error: string } | undefined;

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = { enableScripts: false };
    this.render();
  }

  /** `selected`: a variable to highlight (the one picked in the Experiments tree). */
  show(info: ExperimentInfo, file: string, selected?: string): void {
    this.last = { info, file, selected };
    this.render();
  }

  showError(error: string): void {
    this.last = { error };
    this.render();
  }

  private render(): void {
    if (!this.view) return;
    const nonce = randomBytes(16).toString('base64');
    const csp = `default-src 'none'; style-src 'nonce-${nonce}'`;
    let body: string;
    if (!this.last) body = '<p class="caption">Open an experiment file to see its causal model.</p>';
    else if ('error' in this.last) body = `<p class="caption">${escapeHtml(this.last.error)}</p>`;
    else {
      const { info, file, selected } = this.last;
      const align = new Map(
        info.alignment.map((a) => [a.variable, `${a.site}${a.ranges.map(([x, y]) => `[${x}:${y}]`).join('')}`]),
      );
      const svg = graphSvg(
        info.variables.map((v) => ({
          name: v.name,
          role: v.role,
          parents: v.parents,
          values: v.values,
          ...(align.has(v.name) ? { site: align.get(v.name)! } : {}),
        })),
        selected,
      );
      body = `<p class="caption">${escapeHtml(info.experiment)} — ${escapeHtml(vscode.workspace.asRelativePath(file))}</p>${svg}`;
    }
    this.view.webview.html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><style nonce="${nonce}">${STYLE}</style></head><body>${body}</body></html>`;
  }
}

/** Shows the experiment of the active editor (now and as it changes, and when saved) and of the sidebar selection. */
export function followExperiments(
  graph: CausalGraphView,
  experiments: ExperimentsTree,
  view: vscode.TreeView<ExperimentItem>,
): vscode.Disposable[] {
  const showGraphOf = async (uri: vscode.Uri, selected?: string) => {
    try {
      graph.show(await experiments.getInfo(uri), uri.fsPath, selected);
    } catch (e) {
      graph.showError((e as Error).message);
    }
  };
  const showGraphFor = async (doc: vscode.TextDocument | undefined) => {
    if (!doc || !isExperimentSource(doc.getText(), doc.fileName)) return;
    await showGraphOf(doc.uri);
  };
  void showGraphFor(vscode.window.activeTextEditor?.document);
  return [
    vscode.window.onDidChangeActiveTextEditor((ed) => void showGraphFor(ed?.document)),
    view.onDidChangeSelection((e) => {
      const item = e.selection[0];
      if (item) void showGraphOf(item.uri, item.variableName);
    }),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (!isExperimentSource(doc.getText(), doc.fileName)) return;
      experiments.refresh(doc.uri);
      void showGraphFor(doc);
    }),
  ];
}

function escapeHtml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
