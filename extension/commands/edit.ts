/**
 * Editing experiments: New Experiment from Sample, and Add Variable, Align
 * Variable…, Add Configuration as text edits of the experiment file (the
 * single source of truth), located through its TypeScript AST
 * (server/source/edits.ts).
 */
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { TextEdit } from '../../server/source/edits';
import type { Cmd, Ctx } from '../ctx';
import { isExperimentSource } from '../../server/source/experimentFile';
import { ExperimentItem } from '../experiments';
import { pickExperiment } from '../pick';

/** The TypeScript parser is large: load the edit helpers only when an edit command runs. */
const edits = () => import('../../server/source/edits');

/** Applies, shows and saves one edit; saving re-checks the file on the server and refreshes the tree. */
async function applyTextEdit(ctx: Ctx, file: string, e: TextEdit, what: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(file);
  const we = new vscode.WorkspaceEdit();
  we.replace(doc.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.text);
  if (!(await vscode.workspace.applyEdit(we))) throw new Error(`could not edit ${path.basename(file)}`);
  const ed = await vscode.window.showTextDocument(doc, { preserveFocus: false });
  const start = doc.positionAt(e.start);
  ed.revealRange(new vscode.Range(start, start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  // Undo still reverts it.
  await doc.save();
  ctx.experiments.refresh(vscode.Uri.file(file));
  ctx.output.appendLine(`${what} in ${vscode.workspace.asRelativePath(file)}`);
}

/** An edit command: its errors (the file's shape not found, a bad slice) are shown, not thrown. */
const editCommand =
  (fn: (ctx: Ctx, arg: unknown) => Promise<void>) =>
  (ctx: Ctx): Cmd =>
  async (arg: unknown) => {
    try {
      await fn(ctx, arg);
    } catch (e) {
      void vscode.window.showErrorMessage(`IIT: ${(e as Error).message}`);
    }
  };

const addVariable = editCommand(async (ctx, arg) => {
  const t = await pickExperiment(ctx, arg);
  if (!t) return;
  const expText = (await vscode.workspace.openTextDocument(t.uri)).getText();
  const { locateModel, addVariableEdit } = await edits();
  const where = locateModel(t.uri.fsPath, expText);
  const modelText = (await vscode.workspace.openTextDocument(where.file)).getText();
  const existing = (await ctx.experiments.getInfo(t.uri).catch(() => undefined))?.variables.map((v) => v.name) ?? [];
  const name = await vscode.window.showInputBox({
    title: 'IIT: Add Variable — name',
    validateInput: (v) =>
      !/^[A-Za-z_$][\w$]*$/.test(v) ? 'an identifier' : existing.includes(v) ? `${v} exists` : undefined,
  });
  if (!name) return;
  const values = await vscode.window.showQuickPick(['bool', 'range(2)', 'range(10)', "oneOf('a', 'b')"], {
    title: `IIT: values of ${name} (edit the file for other value sets)`,
  });
  if (!values) return;
  const parents = existing.length
    ? ((await vscode.window.showQuickPick(existing, {
        title: `IIT: parents of ${name} (none: an input)`,
        canPickMany: true,
      })) ?? undefined)
    : [];
  if (!parents) return;
  const body = parents.length
    ? await vscode.window.showInputBox({
        title: `IIT: ${name} = f(${parents.join(', ')})`,
        value: parents.length === 1 ? parents[0] : parents.join(' && '),
      })
    : '';
  if (body === undefined) return;
  await applyTextEdit(
    ctx,
    where.file,
    addVariableEdit(where.file, modelText, { name, values, parents, body }),
    `added variable ${name}`,
  );
});

const alignVariable = editCommand(async (ctx, arg) => {
  const t = await pickExperiment(ctx, arg);
  if (!t) return;
  const { freeNeurons, parseSlice, alignVariableEdit } = await edits();
  const info = await ctx.experiments.getInfo(t.uri);
  const pre = arg instanceof ExperimentItem ? arg.variableName : undefined;
  const candidates = info.variables.filter((v) => v.role === 'intermediate');
  const variable =
    pre ??
    (
      await vscode.window.showQuickPick(
        candidates.map((v) => ({
          label: v.name,
          description: info.alignment.find((a) => a.variable === v.name)
            ? `aligned to ${info.alignment.find((a) => a.variable === v.name)!.site}`
            : 'not aligned',
        })),
        { title: 'IIT: Align which variable?' },
      )
    )?.label;
  if (!variable) return;
  const site = await vscode.window.showQuickPick(
    info.sites.map((s) => {
      const others = info.alignment.filter((a) => a.site === s.name && a.variable !== variable);
      return {
        label: s.name,
        description: `shape [${s.shape.join(', ')}]`,
        detail: `${freeNeurons(
          s.shape,
          others.map((a) => a.ranges),
        )} free neuron(s)${
          others.length
            ? `; used by ${others.map((a) => `${a.variable} ${a.ranges.map(([x, y]) => `[${x}:${y}]`).join('')}`).join(', ')}`
            : ''
        }`,
        shape: s.shape,
      };
    }),
    { title: `IIT: align ${variable} to which site?` },
  );
  if (!site) return;
  const range = await vscode.window.showInputBox({
    title: `IIT: neurons of ${site.label} [${site.shape.join(', ')}] for ${variable}`,
    prompt: 'start:end per axis, comma separated; empty for the whole site',
    value: site.shape.length ? `0:${site.shape[0]}` : '',
    validateInput: (v) => {
      try {
        parseSlice(v, site.shape);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
  if (range === undefined) return;
  const slice = parseSlice(range, site.shape);
  const text = (await vscode.workspace.openTextDocument(t.uri)).getText();
  await applyTextEdit(
    ctx,
    t.uri.fsPath,
    alignVariableEdit(t.uri.fsPath, text, variable, site.label, slice),
    `aligned ${variable} to ${site.label}`,
  );
});

const addConfiguration = editCommand(async (ctx, arg) => {
  const t = await pickExperiment(ctx, arg);
  if (!t) return;
  const { addConfigurationEdit } = await edits();
  // Table 1's six configurations, each objective at weight 1.0 as in the paper: the server lists them with the
  // experiment (the extension imports no engine code).
  const presets = (await ctx.experiments.getInfo(t.uri)).presets;
  if (!presets || !Object.keys(presets).length) throw new Error('the server listed no preset configurations');
  const name = await vscode.window.showInputBox({
    title: 'IIT: Add Configuration — name',
    validateInput: (v) => (/^[\w-]+$/.test(v) ? undefined : 'letters, digits, _ and - only'),
  });
  if (!name) return;
  const p = await vscode.window.showQuickPick(
    Object.entries(presets).map(([label, objectives]) => ({
      label,
      detail: Object.keys(objectives).join(' + '),
      objectives,
    })),
    { title: `IIT: objectives of ${name}` },
  );
  if (!p) return;
  const text = (await vscode.workspace.openTextDocument(t.uri)).getText();
  await applyTextEdit(
    ctx,
    t.uri.fsPath,
    addConfigurationEdit(t.uri.fsPath, text, { name, objectives: p.objectives }),
    `added configuration ${name}`,
  );
});

const newExperiment =
  (ctx: Ctx): Cmd =>
  async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      void vscode.window.showErrorMessage('IIT: open a folder first.');
      return;
    }
    // It writes into the workspace folder: only in a trusted one.
    if (!vscode.workspace.isTrusted) {
      void vscode.window
        .showWarningMessage(
          'IIT Studio: New Experiment from Sample copies a sample into the workspace folder, which is disabled in untrusted folders. Trust this folder to create an experiment.',
          'Manage Workspace Trust',
        )
        .then((a) => {
          if (a) void vscode.commands.executeCommand('workbench.trust.manage');
        });
      return;
    }
    const samples = path.join(ctx.extension.extensionPath, 'samples');
    const dirs = existsSync(samples)
      ? (await vscode.workspace.fs.readDirectory(vscode.Uri.file(samples)))
          .filter(([, t]) => t === vscode.FileType.Directory)
          .map(([n]) => n)
      : [];
    const pick = await vscode.window.showQuickPick(dirs, { title: 'IIT: new experiment from which sample?' });
    if (!pick) return;
    const name = await vscode.window.showInputBox({
      title: 'IIT: folder for the new experiment',
      value: pick,
      validateInput: (v) => (/^[\w.-]+$/.test(v) ? undefined : 'letters, digits, . _ - only'),
    });
    if (!name) return;
    const dest = path.join(folder.uri.fsPath, name);
    if (existsSync(dest)) {
      void vscode.window.showErrorMessage(`IIT: ${name} already exists.`);
      return;
    }
    cpSync(path.join(samples, pick), dest, { recursive: true });
    ctx.experiments.refresh();
    const files = (await vscode.workspace.fs.readDirectory(vscode.Uri.file(dest)))
      .map(([n]) => n)
      .filter((n) => n.endsWith('.ts'));
    for (const f of files) {
      const doc = await vscode.workspace.openTextDocument(path.join(dest, f));
      if (isExperimentSource(doc.getText(), doc.fileName)) {
        await vscode.window.showTextDocument(doc);
        break;
      }
    }
  };

export const editCommands: Record<string, (ctx: Ctx) => Cmd> = {
  'iit.newExperiment': newExperiment,
  'iit.addVariable': addVariable,
  'iit.alignVariable': alignVariable,
  'iit.addConfiguration': addConfiguration,
};
