/**
 * Experiments: files that default-export `experiment(...)`, and the tree of
 * each one's causal model variables, alignment entries and configurations
 * (from the server's iit/experimentInfo).
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentInfo } from '../server/protocol/index';
import { isExperimentSource } from '../server/source/experimentFile';

export async function findExperimentFiles(): Promise<vscode.Uri[]> {
  const files = await vscode.workspace.findFiles(
    '**/*.ts',
    '{**/node_modules/**,**/dist/**,**/.iit/**,**/*.d.ts}',
    2000,
  );
  const out: vscode.Uri[] = [];
  for (const f of files) {
    try {
      const text = Buffer.from(await vscode.workspace.fs.readFile(f)).toString('utf8');
      if (isExperimentSource(text, f.fsPath)) out.push(f);
    } catch {
      // Deleted between the search and the read.
    }
  }
  return out.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
}

export type InfoSource = (uri: vscode.Uri) => Promise<ExperimentInfo>;

type Node =
  | { kind: 'experiment'; uri: vscode.Uri }
  | { kind: 'group'; uri: vscode.Uri; group: 'variables' | 'alignments' | 'configs'; info: ExperimentInfo }
  | { kind: 'variable'; uri: vscode.Uri; info: ExperimentInfo; name: string }
  | { kind: 'alignment'; uri: vscode.Uri; info: ExperimentInfo; variable: string }
  | { kind: 'config'; uri: vscode.Uri; info: ExperimentInfo; name: string }
  | { kind: 'error'; uri: vscode.Uri; message: string };

export class ExperimentItem extends vscode.TreeItem {
  constructor(readonly node: Node) {
    super('', vscode.TreeItemCollapsibleState.None);
  }
  get uri(): vscode.Uri {
    return this.node.uri;
  }
  get configName(): string | undefined {
    return this.node.kind === 'config' ? this.node.name : undefined;
  }
  get variableName(): string | undefined {
    return this.node.kind === 'variable'
      ? this.node.name
      : this.node.kind === 'alignment'
        ? this.node.variable
        : undefined;
  }
}

function neuronsText(ranges: [number, number][]): string {
  return ranges.map(([a, b]) => `[${a}:${b}]`).join('');
}

export class ExperimentsTree implements vscode.TreeDataProvider<ExperimentItem> {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.emitter.event;
  private files: vscode.Uri[] | undefined;
  private readonly infos = new Map<string, Promise<ExperimentInfo>>();

  constructor(private readonly info: InfoSource) {}

  refresh(uri?: vscode.Uri): void {
    if (uri) this.infos.delete(uri.toString());
    else {
      this.files = undefined;
      this.infos.clear();
    }
    this.emitter.fire();
  }

  getInfo(uri: vscode.Uri): Promise<ExperimentInfo> {
    let p = this.infos.get(uri.toString());
    if (!p) {
      p = this.info(uri);
      this.infos.set(uri.toString(), p);
      // A failed load is retried on the next expand rather than cached.
      p.catch(() => this.infos.delete(uri.toString()));
    }
    return p;
  }

  async experimentFiles(): Promise<vscode.Uri[]> {
    this.files ??= await findExperimentFiles();
    return this.files;
  }

  getTreeItem(e: ExperimentItem): vscode.TreeItem {
    const n = e.node;
    const rel = vscode.workspace.asRelativePath(n.uri);
    switch (n.kind) {
      case 'experiment':
        e.label = path.basename(n.uri.fsPath, '.ts');
        e.description = rel;
        e.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
        e.iconPath = new vscode.ThemeIcon('beaker');
        e.contextValue = 'experiment';
        e.resourceUri = n.uri;
        e.id = `exp:${n.uri.toString()}`;
        e.command = { command: 'vscode.open', title: 'Open', arguments: [n.uri] };
        break;
      case 'group':
        e.label = n.group === 'variables' ? 'Causal model' : n.group === 'alignments' ? 'Alignment' : 'Configurations';
        e.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
        e.iconPath = new vscode.ThemeIcon(
          n.group === 'variables' ? 'type-hierarchy' : n.group === 'alignments' ? 'link' : 'settings',
        );
        e.contextValue = n.group;
        e.id = `${n.group}:${n.uri.toString()}`;
        break;
      case 'variable': {
        const v = n.info.variables.find((x) => x.name === n.name)!;
        e.label = v.name;
        e.description = `${v.role} · ${v.values}${v.parents.length ? ` ← ${v.parents.join(', ')}` : ''}`;
        e.tooltip = new vscode.MarkdownString(
          `**${v.name}** (${v.role})\n\nvalues: \`${v.values}\` (${v.size})${v.parents.length ? `\n\nparents: ${v.parents.join(', ')}` : ''}${v.type && v.type !== v.name ? `\n\ntype: ${v.type}` : ''}`,
        );
        e.iconPath = new vscode.ThemeIcon(
          v.role === 'input' ? 'symbol-parameter' : v.role === 'output' ? 'symbol-event' : 'symbol-variable',
        );
        e.contextValue = 'variable';
        e.id = `var:${n.uri.toString()}:${v.name}`;
        break;
      }
      case 'alignment': {
        const a = n.info.alignment.find((x) => x.variable === n.variable)!;
        e.label = `${a.variable} ↔ ${a.site}${neuronsText(a.ranges)}`;
        e.description = `${a.neurons} neuron${a.neurons === 1 ? '' : 's'}`;
        const site = n.info.sites.find((s) => s.name === a.site);
        e.tooltip = new vscode.MarkdownString(
          `**${a.variable}** is aligned to site \`${a.site}\`${site ? ` (shape [${site.shape.join(', ')}])` : ''}, neurons ${neuronsText(a.ranges)}: ${a.neurons} neuron${a.neurons === 1 ? '' : 's'}`,
        );
        e.iconPath = new vscode.ThemeIcon('link');
        e.contextValue = 'alignment';
        e.id = `align:${n.uri.toString()}:${a.variable}`;
        break;
      }
      case 'config':
        e.label = n.name;
        e.iconPath = new vscode.ThemeIcon('gear');
        e.contextValue = 'config';
        e.id = `config:${n.uri.toString()}:${n.name}`;
        e.tooltip = `Configuration ${n.name}: right-click to train`;
        break;
      case 'error':
        e.label = n.message.split('\n')[0]!;
        e.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        e.tooltip = n.message;
        e.contextValue = 'error';
        break;
    }
    return e;
  }

  async getChildren(e?: ExperimentItem): Promise<ExperimentItem[]> {
    if (!e) return (await this.experimentFiles()).map((uri) => new ExperimentItem({ kind: 'experiment', uri }));
    const n = e.node;
    if (n.kind === 'experiment') {
      try {
        const info = await this.getInfo(n.uri);
        return (['variables', 'alignments', 'configs'] as const).map(
          (group) => new ExperimentItem({ kind: 'group', uri: n.uri, group, info }),
        );
      } catch (err) {
        return [new ExperimentItem({ kind: 'error', uri: n.uri, message: (err as Error).message })];
      }
    }
    if (n.kind === 'group') {
      if (n.group === 'variables')
        return n.info.variables.map(
          (v) => new ExperimentItem({ kind: 'variable', uri: n.uri, info: n.info, name: v.name }),
        );
      if (n.group === 'alignments')
        return n.info.alignment.map(
          (a) => new ExperimentItem({ kind: 'alignment', uri: n.uri, info: n.info, variable: a.variable }),
        );
      return n.info.configs.map((c) => new ExperimentItem({ kind: 'config', uri: n.uri, info: n.info, name: c }));
    }
    return [];
  }
}
