/**
 * Checking open experiment files as they are edited: each text, debounced,
 * is written beside its file and loaded in a worker with a time limit; the
 * answer (the experiment's description, or its error) becomes diagnostics.
 * An older text's check is killed when a newer one starts.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection, Diagnostic, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ExperimentInfo } from '../protocol/results';
import { SourceIndex } from '../source/index';
import { isExperimentSource } from '../source/experimentFile';
import { errorDiagnostic, iiaDiagnostics } from './diagnostics';
import type { LastReports } from './lastReports';
import { startWorker, type Outcome, type WorkerHandle } from './supervisor';
import type { Workspace } from './workspace';

const DEBOUNCE_MS = 300;
const CHECK_TIMEOUT_MS = 10_000;

/** Unsaved texts written beside their files for a check; removed even when the server is terminated. */
const tmpFiles = new Set<string>();

export function removeCheckFiles(): void {
  for (const f of tmpFiles) rmSync(f, { force: true });
}

export const isExperiment = (doc: TextDocument) =>
  doc.uri.startsWith('file:') && isExperimentSource(doc.getText(), doc.uri);

export class Checks {
  /** The last successful check's description, by uri (hovers and symbols use it). */
  readonly infos = new Map<string, ExperimentInfo>();
  private readonly errors = new Map<string, Diagnostic[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly pending = new Map<string, { version: number; worker?: WorkerHandle }>();
  private readonly indexes = new Map<string, { version: number; index: SourceIndex }>();

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly workspace: Workspace,
    private readonly reports: LastReports,
  ) {}

  /** The document's syntax index, kept per version. */
  indexOf(doc: TextDocument): SourceIndex {
    const c = this.indexes.get(doc.uri);
    if (c && c.version === doc.version) return c.index;
    const index = new SourceIndex(doc.getText(), fileURLToPath(doc.uri));
    this.indexes.set(doc.uri, { version: doc.version, index });
    return index;
  }

  publish(doc: TextDocument): void {
    const last = this.reports.get(fileURLToPath(doc.uri));
    void this.connection.sendDiagnostics({
      uri: doc.uri,
      version: doc.version,
      diagnostics: [...(this.errors.get(doc.uri) ?? []), ...iiaDiagnostics(this.indexOf(doc), last)],
    });
  }

  /** The open document of `file`, republished (after a run changed its IIA). */
  publishFile(file: string): void {
    const doc = this.documents.all().find((d) => d.uri.startsWith('file:') && fileURLToPath(d.uri) === file);
    if (doc) this.publish(doc);
  }

  /** Loads the document's current text in a worker (beside the file, so relative imports resolve). */
  async checkText(doc: TextDocument, track: boolean): Promise<{ outcome: Outcome; loaded: string }> {
    const file = fileURLToPath(doc.uri);
    const tmp = path.join(
      path.dirname(file),
      `.${path.basename(file).replace(/\.[cm]?ts$/, '')}.iit-check-${process.pid}-${doc.version}-${Date.now() % 1e6}.ts`,
    );
    writeFileSync(tmp, doc.getText());
    tmpFiles.add(tmp);
    try {
      const w = startWorker(
        { kind: 'check', file: tmp },
        () => undefined,
        this.workspace.opts.checkTimeoutMs ?? CHECK_TIMEOUT_MS,
      );
      if (track) {
        const c = this.pending.get(doc.uri);
        if (c) c.worker = w;
      }
      return { outcome: await w.done, loaded: tmp };
    } finally {
      rmSync(tmp, { force: true });
      tmpFiles.delete(tmp);
    }
  }

  /** The check's error as a diagnostic of `doc`. */
  errorOf(doc: TextDocument, loaded: string, e: Parameters<typeof errorDiagnostic>[3]): Diagnostic {
    return errorDiagnostic(doc.getText(), this.indexOf(doc), loaded, e);
  }

  private async check(doc: TextDocument): Promise<void> {
    // Trust may have been revoked while the check waited for its turn.
    if (!this.mayRun(doc)) return;
    const uri = doc.uri;
    this.pending.get(uri)?.worker?.kill(); // an older text's check is no longer wanted
    const version = doc.version;
    // Identity, not version: a file closed and opened again restarts at the same version, and the killed older
    // check must not take the newer one's place.
    const mine: { version: number; worker?: WorkerHandle } = { version };
    this.pending.set(uri, mine);
    const { outcome, loaded } = await this.checkText(doc, true);
    if (this.pending.get(uri) !== mine || this.documents.get(uri)?.version !== version) return;
    this.pending.delete(uri);
    if (outcome.type === 'info') {
      this.infos.set(uri, { ...outcome.info, file: fileURLToPath(uri) });
      this.errors.set(uri, []);
    } else if (outcome.type === 'error') {
      this.errors.set(uri, [this.errorOf(doc, loaded, outcome.error)]);
      // Not the file's fault: say so in the output too, where a user looks for why a check gave up.
      if (outcome.error.code === 'timeout' || outcome.error.code === 'worker-crashed')
        this.connection.console.warn(`check of ${fileURLToPath(uri)}: ${outcome.error.message}`);
    }
    this.publish(doc);
  }

  /** Whether the document's code may run: a trusted workspace, a file inside one of its folders. */
  private mayRun(doc: TextDocument): boolean {
    return this.workspace.trusted && this.workspace.insideWorkspace(fileURLToPath(doc.uri));
  }

  /**
   * Checks the document after a pause in typing. Where its code may not run (untrusted, or outside the workspace
   * folders) the pending check is dropped, a running one killed, and its diagnostics cleared.
   */
  schedule(doc: TextDocument): void {
    if (!isExperiment(doc)) return;
    if (!this.mayRun(doc)) {
      clearTimeout(this.timers.get(doc.uri));
      this.timers.delete(doc.uri);
      this.pending.get(doc.uri)?.worker?.kill();
      this.pending.delete(doc.uri);
      this.errors.delete(doc.uri);
      void this.connection.sendDiagnostics({ uri: doc.uri, diagnostics: [] });
      return;
    }
    clearTimeout(this.timers.get(doc.uri));
    this.timers.set(
      doc.uri,
      setTimeout(
        () =>
          void this.check(doc).catch((e) =>
            this.connection.console.error(`check of ${doc.uri} failed: ${(e as Error).stack ?? e}`),
          ),
        DEBOUNCE_MS,
      ),
    );
  }

  close(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.pending.get(uri)?.worker?.kill();
    this.pending.delete(uri);
    this.indexes.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }
}
