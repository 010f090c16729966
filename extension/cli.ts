/**
 * The bundled CLI (bin/iit-studio.js) as a child process of the extension
 * host: the out-of-process debug adapter (`debug-adapter`) and the fallback
 * for experiment info (`inspect --json`). No `vscode` here, so the command
 * line the extension runs is unit-tested as it is.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { ExperimentInfo } from '../server/protocol/index';

export interface NodeCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * `node [nodeArgs] bin/iit-studio.js …args`. In VS Code the extension host's process.execPath is Electron, which
 * ELECTRON_RUN_AS_NODE turns into plain Node (vscode-languageclient starts the server the same way).
 */
export function cliCommand(extensionPath: string, args: string[], nodeArgs: readonly string[] = []): NodeCommand {
  return {
    command: process.execPath,
    args: [...nodeArgs, path.join(extensionPath, 'bin', 'iit-studio.js'), ...args],
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined)),
      ELECTRON_RUN_AS_NODE: '1',
    },
  };
}

/** Runs the bundled CLI's inspect: the engine loading the file exactly as training will. */
export function inspectWithCli(extensionPath: string, file: string, cwd: string): Promise<ExperimentInfo> {
  const { command, args, env } = cliCommand(extensionPath, ['inspect', file, '--json']);
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: 120_000, maxBuffer: 16 << 20, env }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(stderr.trim().replace(/^iit-studio: /, '') || err.message));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as ExperimentInfo);
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}
