/**
 * What the client told the server at initialize: workspace folders, trust
 * and settings. `initialize` is accepted once; every file a request names,
 * and every document checked, must lie inside a workspace folder; nothing of
 * an experiment runs until the workspace is trusted.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, ResponseError, type InitializeParams } from 'vscode-languageserver/node';
import type { InitializationOptions } from '../protocol/index';
import { DEFAULT_RUNS_DIRECTORY, folderSetting, inside, runsDirectory } from '../runs/layout';
import { bad } from './params';

export class Workspace {
  trusted = false;
  roots: string[] = [];
  opts: InitializationOptions = {};
  private initialized = false;

  initialize(params: InitializeParams): void {
    // A second initialize would reset trust and the folders (the client's word is given once).
    if (this.initialized)
      throw new ResponseError(
        ErrorCodes.InvalidRequest,
        'the server is already initialized; restart it to change folders or trust',
      );
    this.initialized = true;
    this.opts = (params.initializationOptions ?? {}) as InitializationOptions;
    this.trusted = this.opts.trusted === true;
    this.roots = (params.workspaceFolders ?? []).map((f) => fileURLToPath(f.uri));
    if (!this.roots.length && params.rootUri) this.roots = [fileURLToPath(params.rootUri)];
  }

  /** What is wrong with the settings the client sent (each a sentence with the fix), for the user to read. */
  settingProblems(): string[] {
    return this.roots.flatMap((r) => {
      const { dir, problem } = folderSetting(r, 'runsDirectory', this.opts.runsDirectory, DEFAULT_RUNS_DIRECTORY);
      return problem ? [`${problem} (runs go to ${dir} meanwhile)`] : [];
    });
  }

  /** Requests before initialize are refused, as LSP asks. */
  requireInitialized(): void {
    if (!this.initialized)
      throw new ResponseError(ErrorCodes.ServerNotInitialized, 'the server is not initialized yet');
  }

  /** A file path inside the workspace, or a JSON-RPC error. */
  fileOf(uri: unknown): string {
    this.requireInitialized();
    if (typeof uri !== 'string' || !uri.startsWith('file:'))
      throw bad(`uri must be a file: URI string, got ${JSON.stringify(uri)?.slice(0, 100)}`);
    let file: string;
    try {
      file = fileURLToPath(uri);
    } catch (e) {
      throw bad(`uri ${uri} is not a valid file URI: ${(e as Error).message}`);
    }
    if (!this.insideWorkspace(file))
      throw bad(
        this.roots.length
          ? `${file} is outside the workspace (${this.roots.join(', ')}); open it in a workspace folder`
          : `${file}: no workspace folder is open; open the folder that holds it`,
      );
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
