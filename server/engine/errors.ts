/**
 * Errors a user can act on. Each carries where the problem is declared (file,
 * line, column when known) and a fix, so the CLI prints one line and the
 * language server places a diagnostic on the right range.
 */
export interface SourceLocation {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
}

export type ErrorCode =
  | 'syntax'
  | 'load'
  | 'no-default-export'
  | 'unknown-parent'
  | 'cycle'
  | 'bad-declaration'
  | 'equation-throws'
  | 'value-out-of-set'
  | 'unknown-variable'
  | 'unknown-site'
  | 'slice-out-of-range'
  | 'overlap'
  | 'type-shape-mismatch'
  | 'bad-config'
  | 'non-finite-loss'
  | 'backend';

export class IITError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fix?: string,
    public location?: SourceLocation,
    /** The declaration the error is about (a variable, a site, an alignment entry). */
    readonly subject?: string,
  ) {
    super(message);
    this.name = 'IITError';
  }

  /** One line: `file:line:col: message; fix`. */
  oneLine(): string {
    const where = this.location ? `${this.location.file}:${this.location.line}:${this.location.column}: ` : '';
    return `${where}${this.message}${this.fix ? ` — ${this.fix}` : ''}`;
  }
}

/**
 * Where the first caller outside the engine sits in user code, read from the
 * stack; with source maps enabled this is the experiment file's own line.
 */
export function callerLocation(): SourceLocation | undefined {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  for (const l of stack) {
    const m = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?$/.exec(l.trim());
    if (!m || m[1]!.startsWith('node:')) continue;
    const file = m[1]!.replace(/^file:\/\//, '');
    if (/[\\/](server[\\/]engine|dist)[\\/]/.test(file) || /[\\/]node_modules[\\/]/.test(file)) continue;
    return { file, line: +m[2]!, column: +m[3]! };
  }
  return undefined;
}
