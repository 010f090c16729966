/**
 * Results webview panels: one per run (live while it trains) and comparison
 * panels. The HTML has a strict CSP (nonce'd script, no remote resources);
 * state survives reloads through a WebviewPanelSerializer that rereads the
 * run directories.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import {
  isFromWebview,
  type ExportFormat,
  type FromWebview,
  type PairRef,
  type RunView,
  type ToWebview,
  type WebviewState,
} from '../server/protocol/webview';
import { writeFileAtomic } from '../server/runs/files';
import { folderSetting } from '../server/runs/layout';
import type { RunStore } from './runs';

export const RESULTS_VIEW = 'iit.results';

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const js = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.css'));
  // data: images are the SVG→PNG export drawn on a canvas; nothing remote is allowed.
  const csp = [
    `default-src 'none'`,
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}">
<title>${title.replace(/[<>&"]/g, '')}</title>
</head>
<body>
<div id="root"></div>
<script nonce="${nonce}" src="${js}"></script>
</body>
</html>`;
}

interface PanelEntry {
  panel: vscode.WebviewPanel;
  state: WebviewState;
  /** Run ids shown (run directories, or a live run's id). */
  ids: string[];
  ready: boolean;
  queue: ToWebview[];
}

export class ResultsPanels implements vscode.Disposable {
  private readonly panels = new Set<PanelEntry>();
  private nextRequest = 1;
  private readonly pendingExports = new Map<number, (m: Extract<FromWebview, { type: 'exported' }>) => void>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly store: RunStore,
    private readonly onOpenPair: (run: RunView, pair: PairRef) => void,
    private readonly log: vscode.OutputChannel,
  ) {
    context.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW, {
        deserializeWebviewPanel: async (panel, state: WebviewState | undefined) => {
          const runs = (state?.runDirs ?? []).map((d) => store.get(d)).filter((r): r is RunView => !!r);
          if (!runs.length) {
            panel.dispose();
            return;
          }
          this.attach(panel, state!.mode, runs);
        },
      }),
    );
  }

  /** Opens (or reveals) the results of one run. */
  showRun(run: RunView): void {
    const existing = [...this.panels].find((p) => p.state.mode === 'results' && p.ids.includes(run.id));
    if (existing) {
      existing.panel.reveal();
      this.send(existing, { type: 'results', run });
      return;
    }
    const panel = this.create(`IIT: ${run.experiment} · ${run.config}`);
    this.attach(panel, 'results', [run]);
  }

  showCompare(runs: RunView[]): void {
    const panel = this.create(`IIT: compare ${runs.length} runs`);
    this.attach(panel, 'compare', runs);
  }

  /** Live updates go to every panel showing the run. */
  post(runId: string, m: ToWebview): void {
    for (const p of this.panels) if (p.ids.includes(runId)) this.send(p, m);
  }

  /** A live run got its directory: panels follow it under the new id. */
  finished(oldId: string, run: RunView): void {
    for (const p of this.panels) {
      const i = p.ids.indexOf(oldId);
      if (i < 0) continue;
      p.ids[i] = run.id;
      p.state = { ...p.state, runDirs: p.ids };
      this.send(p, { type: 'finished', run });
    }
  }

  /** Asks the active (or only) results panel for an export; resolves with the content. */
  async requestExport(format: ExportFormat): Promise<Extract<FromWebview, { type: 'exported' }>> {
    const list = [...this.panels];
    const target = list.find((p) => p.panel.active) ?? list[list.length - 1];
    if (!target) throw new Error('no results view is open');
    const requestId = this.nextRequest++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingExports.delete(requestId);
        reject(new Error('the results view did not answer the export request'));
      }, 30_000);
      this.pendingExports.set(requestId, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.send(target, { type: 'export', format, requestId });
    });
  }

  get count(): number {
    return this.panels.size;
  }

  private create(title: string): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel(RESULTS_VIEW, title, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist')],
    });
  }

  private attach(panel: vscode.WebviewPanel, mode: WebviewState['mode'], runs: RunView[]): void {
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist')],
    };
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'extension', 'media', 'iit.svg');
    const entry: PanelEntry = {
      panel,
      state: { mode, runDirs: runs.map((r) => r.runDir ?? r.id) },
      ids: runs.map((r) => r.id),
      ready: false,
      queue: [],
    };
    entry.queue.push(mode === 'results' ? { type: 'results', run: runs[0]! } : { type: 'compare', runs });
    this.panels.add(entry);
    panel.webview.html = webviewHtml(panel.webview, this.context.extensionUri, panel.title);
    panel.onDidDispose(() => this.panels.delete(entry));
    panel.webview.onDidReceiveMessage((m: unknown) => {
      if (!isFromWebview(m)) return;
      void this.receive(entry, m);
    });
  }

  private send(p: PanelEntry, m: ToWebview): void {
    if (!p.ready) {
      // Before 'ready' only the latest full state matters; keep incremental updates in order.
      p.queue.push(m);
      return;
    }
    void p.panel.webview.postMessage(m);
  }

  private async receive(p: PanelEntry, m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready': {
        p.ready = true;
        // A reload re-sends the current state, not the stale queue.
        const fresh = p.ids.map((id) => this.store.get(id)).filter((r): r is RunView => !!r);
        const initial: ToWebview[] =
          fresh.length === p.ids.length
            ? [p.state.mode === 'results' ? { type: 'results', run: fresh[0]! } : { type: 'compare', runs: fresh }]
            : p.queue;
        p.queue = [];
        for (const q of initial) void p.panel.webview.postMessage(q);
        return;
      }
      case 'openPair': {
        const run = this.store.get(m.pair.runId);
        if (run) this.onOpenPair(run, m.pair);
        return;
      }
      case 'openRun': {
        const run = this.store.get(m.runId);
        if (run) this.showRun(run);
        return;
      }
      case 'exported': {
        const waiting = m.requestId !== undefined ? this.pendingExports.get(m.requestId) : undefined;
        if (waiting) {
          this.pendingExports.delete(m.requestId!);
          waiting(m);
          return;
        }
        await this.save(m);
        return;
      }
      case 'error':
        this.log.appendLine(`[results] ${m.message}`);
        void vscode.window.showErrorMessage(`IIT Studio: ${m.message}`);
        return;
    }
  }

  /** Saves an export: into iitStudio.exportDirectory when set, else where the user picks. */
  async save(m: Extract<FromWebview, { type: 'exported' }>, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
    const bytes = m.encoding === 'base64' ? Buffer.from(m.data, 'base64') : Buffer.from(m.data, 'utf8');
    let uri = target;
    if (!uri) {
      const dir = vscode.workspace.getConfiguration('iitStudio').get<string>('exportDirectory');
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
      const setting = dir ? folderSetting(folder, 'exportDirectory', dir, 'exports') : undefined;
      if (setting?.problem) void vscode.window.showErrorMessage(`IIT Studio: ${setting.problem} (pick where to save)`);
      if (setting && !setting.problem) uri = vscode.Uri.file(path.join(setting.dir, m.name));
      else {
        uri = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.file(path.join(folder, m.name)),
          filters: { [m.format.toUpperCase()]: [m.format] },
        });
      }
    }
    if (!uri) return undefined;
    mkdirSync(path.dirname(uri.fsPath), { recursive: true });
    // Whole or not at all: a reader (or a crash) never sees half an export.
    writeFileAtomic(uri.fsPath, bytes);
    this.log.appendLine(`exported ${m.format.toUpperCase()} to ${uri.fsPath}`);
    void vscode.window.showInformationMessage(`IIT Studio: exported ${path.basename(uri.fsPath)}`);
    return uri;
  }

  dispose(): void {
    for (const p of this.panels) p.panel.dispose();
  }
}
