/**
 * IIT Studio's VS Code extension: the state lives in a Ctx (extension/ctx.ts:
 * server connection, sidebar, runs, results panels, status bar), the commands
 * in extension/commands/, the debugger's adapter in extension/debug.ts.
 */
import type * as vscode from 'vscode';
import { debugCommands } from './commands/debug';
import { editCommands } from './commands/edit';
import { runsCommands } from './commands/runs';
import { serverCommands } from './commands/server';
import { sweepCommands } from './commands/sweep';
import { trainCommands } from './commands/train';
import { Ctx } from './ctx';
import { activateDebug } from './debug';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): void {
  ctx = new Ctx(context);
  const c = ctx;
  activateDebug(context, c.output, () => void c.ensureStarted('an iit debug session'));
  const commands = {
    ...trainCommands,
    ...sweepCommands,
    ...runsCommands,
    ...editCommands,
    ...debugCommands,
    ...serverCommands,
  };
  for (const [id, factory] of Object.entries(commands)) ctx.registerCommand(id, factory(ctx));
  ctx.output.appendLine('IIT Studio activated');
}

export async function deactivate(): Promise<void> {
  await ctx?.connection.dispose();
  ctx = undefined;
}
