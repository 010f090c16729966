/** Checking the params of iit/* requests: every bad field is a JSON-RPC InvalidParams error that names it. */
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import type { WorkerError } from './jobs';

export const bad = (msg: string) => new ResponseError(ErrorCodes.InvalidParams, msg);

export function paramsObject(p: unknown, method: string): Record<string, unknown> {
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw bad(`${method}: params must be an object`);
  return p as Record<string, unknown>;
}

export function optional(p: Record<string, unknown>, key: string, type: 'string' | 'integer'): void {
  const v = p[key];
  if (v === undefined || v === null) return;
  if (type === 'string' ? typeof v !== 'string' : !Number.isInteger(v))
    throw bad(
      `${key} must be ${type === 'string' ? 'a string' : 'an integer'}, got ${JSON.stringify(v)?.slice(0, 100)}`,
    );
}

/** A worker's error as one line: `file:line:col: message — fix`. */
export function formatError(e: WorkerError): string {
  return `${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ''}${e.message}${e.fix ? ` — ${e.fix}` : ''}`;
}
