/**
 * A real tsserver (this repository's typescript) spoken to over stdio as VS Code speaks to it: requests as JSON
 * lines, responses and events framed with Content-Length. Global plugins are loaded the way VS Code's TypeScript
 * extension loads an extension's `typescriptServerPlugins`: `--globalPlugins NAME --pluginProbeLocations EXTDIR`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface Location {
  line: number;
  offset: number;
}
export interface Diagnostic {
  start: Location;
  end: Location;
  text: string;
  code: number;
  category: string;
}
export interface QuickInfo {
  displayString: string;
  documentation: string | { text: string }[];
}
export interface FileSpan {
  file: string;
  start: Location;
}

interface Response {
  type: 'response' | 'event';
  request_seq?: number;
  success?: boolean;
  message?: string;
  body?: unknown;
}

export class TsServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private seq = 0;
  private buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, (r: Response) => void>();
  private exited: string | undefined;

  /** `plugins`: the extension folder whose node_modules holds them, and their names (none: plain tsserver). */
  constructor(
    readonly logFile: string,
    plugins?: { probeLocation: string; names: string[] },
  ) {
    const tsserver = createRequire(import.meta.url).resolve('typescript/lib/tsserver.js');
    const args = [tsserver, '--disableAutomaticTypingAcquisition', '--logVerbosity', 'verbose', '--logFile', logFile];
    if (plugins) args.push('--globalPlugins', plugins.names.join(','), '--pluginProbeLocations', plugins.probeLocation);
    this.child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (b: Buffer) => this.receive(b));
    this.child.on('exit', (code) => {
      this.exited = `tsserver exited (${code})`;
      for (const w of this.waiting.values()) w({ type: 'response', success: false, message: this.exited });
    });
  }

  private receive(b: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, b]);
    for (;;) {
      const head = this.buffer.indexOf('\r\n\r\n');
      if (head < 0) return;
      const m = /Content-Length: (\d+)/.exec(this.buffer.subarray(0, head).toString());
      const length = Number(m?.[1]);
      if (this.buffer.length < head + 4 + length) return;
      const msg = JSON.parse(this.buffer.subarray(head + 4, head + 4 + length).toString()) as Response;
      this.buffer = this.buffer.subarray(head + 4 + length);
      if (msg.type === 'response' && msg.request_seq !== undefined) this.waiting.get(msg.request_seq)?.(msg);
    }
  }

  /** Sends a request without waiting (tsserver answers `open` with nothing). */
  notify(command: string, args: unknown): number {
    const seq = ++this.seq;
    this.child.stdin.write(`${JSON.stringify({ seq, type: 'request', command, arguments: args })}\n`);
    return seq;
  }

  async request<T>(command: string, args: unknown): Promise<T> {
    if (this.exited) throw new Error(this.exited);
    const seq = this.notify(command, args);
    const r = await new Promise<Response>((resolve) => this.waiting.set(seq, resolve));
    this.waiting.delete(seq);
    if (!r.success) throw new Error(`tsserver ${command}: ${r.message}\n${this.logTail()}`);
    return r.body as T;
  }

  open(file: string, projectRootPath = path.dirname(file)): void {
    this.notify('open', { file, projectRootPath, scriptKindName: 'TS' });
  }

  /** Syntactic and semantic diagnostics of an open file. */
  async diagnostics(file: string): Promise<Diagnostic[]> {
    return [
      ...(await this.request<Diagnostic[]>('syntacticDiagnosticsSync', { file })),
      ...(await this.request<Diagnostic[]>('semanticDiagnosticsSync', { file })),
    ];
  }

  quickInfo(file: string, at: Location): Promise<QuickInfo> {
    return this.request<QuickInfo>('quickinfo', { file, ...at });
  }

  definition(file: string, at: Location): Promise<FileSpan[]> {
    return this.request<FileSpan[]>('definition', { file, ...at });
  }

  logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').slice(-6000);
    } catch {
      return '(no tsserver log)';
    }
  }

  close(): void {
    this.child.kill();
  }
}

/** The 1-based position of the `nth` occurrence of `needle` in `text` (plus `shift` characters). */
export function positionOf(text: string, needle: string, nth = 1, shift = 0): Location {
  let at = -1;
  for (let i = 0; i < nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' (#${nth}) not in the text`);
  }
  const before = text.slice(0, at + shift).split('\n');
  return { line: before.length, offset: before.at(-1)!.length + 1 };
}
