/**
 * What the client told the server at initialize: workspace folders, trust
 * and settings. Every file a request names must lie inside a folder, and
 * nothing of an experiment runs until the workspace is trusted.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, ResponseError, type InitializeParams } from 'vscode-languageserver/node';
import type { InitializationOptions } from '../protocol/index';
import { inside, runsDirectory } from '../runs/layout';
import { bad } from './params';

export class Workspace {
  trusted = false;
  roots: string[] = [];
  opts: InitializationOptions = {};

  initialize(params: InitializeParams): void {
    this.opts = (params.initializationOptions ?? {}) as InitializationOptions;
    this.trusted = this.opts.trusted === true;
    this.roots = (params.workspaceFolders ?? []).map((f) => fileURLToPath(f.uri));
    if (!this.roots.length && params.rootUri) this.roots = [fileURLToPath(params.rootUri)];
  }

  /** A file path inside the workspace, or a JSON-RPC error. */
  fileOf(uri: unknown): string {
    if (typeof uri !== 'string' || !uri.startsWith('file:'))
      throw bad(`uri must be a file: URI string, got ${JSON.stringify(uri)?.slice(0, 100)}`);
    let file: string;
    try {
      file = fileURLToPath(uri);
    } catch (e) {
      throw bad(`uri ${uri} is not a valid file URI: ${(e as Error).message}`);
    }
    if (this.roots.length && !this.roots.some((r) => inside(r, file)))
      throw bad(`${file} is outside the workspace (${this.roots.join(', ')}); open it in a workspace folder`);
    if (!existsSync(file) || !statSync(file).isFile()) throw bad(`${file} does not exist`);
    return file;
  }

  requireTrust(): void {
    if (!this.trusted)
      throw new ResponseError(
        ErrorCodes.InvalidRequest,
        'this workspace is not trusted: IIT Studio does not run experiment code in untrusted folders',
      );
  }

  rootOf(file: string): string {
    return this.roots.find((r) => inside(r, file)) ?? path.dirname(file);
  }

  /** The runs directory of the folder holding `file`. */
  runsDirFor(file: string): string {
    return runsDirectory(this.rootOf(file), this.opts.runsDirectory);
  }

  /** Every folder's runs directory. */
  allRunsDirs(): string[] {
    return [...new Set(this.roots.map((r) => runsDirectory(r, this.opts.runsDirectory)))];
  }

  insideWorkspace(file: string): boolean {
    return this.roots.some((r) => inside(r, file));
  }
}
