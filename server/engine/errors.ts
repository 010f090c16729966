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
    const where = this.location
      ? `${this.location.file}:${this.location.line}:${this.location.column}: `
      : '';
    return `${where}${this.message}${this.fix ? ` — ${this.fix}` : ''}`;
  }
}

/**
 * Where the caller of a declaration function sits in user code, read from the
 * stack; with source maps enabled this is the experiment file's own line.
 */
export function callerLocation(depth = 2): SourceLocation | undefined {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  const frames = stack
    .map((l) => /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ file: m[1]!.replace(/^file:\/\//, ''), line: +m[2]!, column: +m[3]! }));
  // Skip frames inside the engine itself: the first frame outside it is the user's.
  const user = frames.slice(depth - 1).find((f) => !/[\\/](server[\\/]engine|dist)[\\/]/.test(f.file));
  return user;
}
