/**
 * A real JSON-RPC client for `iit-studio serve --stdio` (no VS Code): spawns
 * the server, records diagnostics, `$/progress` and iit/runFinished, and taps
 * the raw output for answers to messages the client itself did not send.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';

export const root = path.resolve(import.meta.dirname, '../..');
export const uriOf = (rel: string) => pathToFileURL(path.join(root, rel)).href;

export interface Diag {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  message: string;
  severity: number;
  code?: string;
}

/** A fresh runs directory inside the workspace (the repository's ignored .iit/). */
function testRunsDir(): string {
  mkdirSync(path.join(root, '.iit'), { recursive: true });
  return mkdtempSync(path.join(root, '.iit', 'test-runs-'));
}

export class Harness {
  conn!: MessageConnection;
  server!: ChildProcess;
  readonly diagnostics = new Map<string, Diag[]>();
  readonly progress: { token: unknown; value: Record<string, unknown> }[] = [];
  readonly finished: Record<string, unknown>[] = [];
  /** window/showMessage and showMessageRequest texts. */
  readonly messages: string[] = [];
  /** Raw server output since the last `tap()`. */
  raw = '';
  private tapping = false;
  /** Inside the workspace (the repository): the server refuses a runs directory outside its folders. */
  readonly runsDir = testRunsDir();
  /** The client's process id sent at initialize (null: the server has no client process to watch). */
  processId: number | null = process.pid;

  async start(
    init: Record<string, unknown> = {},
    env: Record<string, string> = {},
    argv = [path.join(root, 'bin/iit-studio.js'), 'serve', '--stdio'],
  ): Promise<void> {
    this.server = spawn(process.execPath, argv, {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    this.server.stdout!.on('data', (d: Buffer) => {
      if (this.tapping) this.raw += d.toString();
    });
    this.conn = createMessageConnection(
      new StreamMessageReader(this.server.stdout!),
      new StreamMessageWriter(this.server.stdin!),
    );
    this.conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diag[] }) => {
      this.diagnostics.set(p.uri, p.diagnostics);
    });
    this.conn.onNotification('$/progress', (p: { token: unknown; value: Record<string, unknown> }) => {
      this.progress.push(p);
    });
    this.conn.onNotification('iit/runFinished', (p: Record<string, unknown>) => {
      this.finished.push(p);
    });
    this.conn.onNotification('window/showMessage', (p: { message: string }) => {
      this.messages.push(p.message);
    });
    this.conn.onRequest('window/showMessageRequest', (p: { message: string }) => {
      this.messages.push(p.message);
      return null;
    });
    this.conn.onRequest('window/workDoneProgress/create', () => null);
    this.conn.listen();
    await this.conn.sendRequest('initialize', {
      processId: this.processId,
      rootUri: pathToFileURL(root).href,
      workspaceFolders: [{ uri: pathToFileURL(root).href, name: 'root' }],
      capabilities: {},
      initializationOptions: { trusted: true, runsDirectory: this.runsDir, ...init },
    });
    await this.conn.sendNotification('initialized', {});
  }

  tap(): void {
    this.raw = '';
    this.tapping = true;
  }

  async open(rel: string, text = readFileSync(path.join(root, rel), 'utf8'), version = 1): Promise<void> {
    await this.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri: uriOf(rel), languageId: 'typescript', version, text },
    });
  }

  async hover(rel: string, line: number, character: number): Promise<string | undefined> {
    const h = (await this.conn.sendRequest('textDocument/hover', {
      textDocument: { uri: uriOf(rel) },
      position: { line, character },
    })) as { contents: { value: string } } | null;
    return h?.contents.value;
  }

  progressOf(token: string): Record<string, unknown>[] {
    return this.progress.filter((p) => p.token === token).map((p) => p.value);
  }

  stop(): void {
    this.conn?.dispose();
    this.server?.kill();
  }
}

export async function waitFor<T>(f: () => T | undefined, what: string, ms = 90_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** 0-based line and character of the first `needle` at or after `fromLine` in a file. */
export function find(rel: string, needle: string, fromLine = 0): { line: number; character: number } {
  const lines = readFileSync(path.join(root, rel), 'utf8').split('\n');
  for (let i = fromLine; i < lines.length; i++) {
    const c = lines[i]!.indexOf(needle);
    if (c >= 0) return { line: i, character: c };
  }
  throw new Error(`${needle} not in ${rel}`);
}
