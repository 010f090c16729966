/**
 * The IIT language / training server: LSP on stdio. It checks experiment
 * files as they are edited (diagnostics, hovers, CodeLens, symbols) and runs
 * training and evaluation in forked worker processes that it supervises, so
 * it keeps answering while a model trains and survives a worker's crash.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CodeLens,
  createConnection,
  Diagnostic,
  DiagnosticSeverity,
  DocumentSymbol,
  ErrorCodes,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  SymbolKind,
  TextDocuments,
  TextDocumentSyncKind,
  WorkDoneProgress,
  type CancellationToken,
  type Connection,
  type Hover,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { plainName } from '../engine/names';
import type { Report } from '../engine/report';
import {
  CancelRequest,
  EvaluateRequest,
  ExperimentInfoRequest,
  RunFinishedNotification,
  RunsRequest,
  SetTrustedNotification,
  TrainRequest,
  type ExperimentInfo,
  type InitializationOptions,
  type RunStatus,
  type RunSummary,
  type TrainParams,
  type TrainProgress,
  type TrainResult,
} from '../protocol/index';
import { FrameGuard } from './guard';
import { SourceIndex, type Range } from './ranges';
import { listRuns, readRun, RUN_ID } from './runStore';
import { killAllWorkers, startWorker, type Outcome, type WorkerHandle } from './supervisor';
import { STATUS } from './trainJob';
import type { WorkerError } from './worker';

const DEBOUNCE_MS = 300;
const DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024;

interface Run {
  runId: string;
  runDir: string;
  file: string;
  status: 'queued' | 'running';
  worker?: WorkerHandle;
  cancel(): void;
  step?: number;
  startTime: string;
  config?: string;
  seed?: number;
  backend?: string;
}

/** Unsaved texts written beside their files for a check; removed even when the server is terminated. */
const tmpFiles = new Set<string>();

const bad = (msg: string) => new ResponseError(ErrorCodes.InvalidParams, msg);

function formatError(e: WorkerError): string {
  return `${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ''}${e.message}${e.fix ? ` — ${e.fix}` : ''}`;
}

/** A connection on stdio behind the frame guard (malformed and over-long messages are answered, not dropped). */
function stdioConnection(): Connection {
  const max = Number(process.env.IIT_STUDIO_MAX_MESSAGE_BYTES) || DEFAULT_MAX_MESSAGE;
  const writer = new StreamMessageWriter(process.stdout);
  const guard = new FrameGuard(max, (id, code, message) => {
    void writer.write({ jsonrpc: '2.0', id, error: { code, message } } as never);
  });
  process.stdin.pipe(guard);
  return createConnection(ProposedFeatures.all, new StreamMessageReader(guard), writer);
}

export function startServer(connection: Connection = stdioConnection()): void {
  const documents = new TextDocuments(TextDocument);
  let trusted = false;
  let roots: string[] = [];
  let opts: InitializationOptions & { checkTimeoutMs?: number } = {};
  const infos = new Map<string, ExperimentInfo>(); // by uri
  const errors = new Map<string, Diagnostic[]>(); // last check's diagnostics by uri
  const lastReports = new Map<string, { report: Report; runId: string }>(); // by file path
  const timers = new Map<string, NodeJS.Timeout>();
  const checks = new Map<string, { version: number; worker?: WorkerHandle }>();
  const runs = new Map<string, Run>(); // by run dir
  const queue: { run: Run; start: () => void }[] = [];
  const indexCache = new Map<string, { version: number; index: SourceIndex }>();

  connection.onInitialize((params) => {
    opts = (params.initializationOptions ?? {}) as typeof opts;
    trusted = opts.trusted === true;
    roots = (params.workspaceFolders ?? []).map((f) => fileURLToPath(f.uri));
    if (!roots.length && params.rootUri) roots = [fileURLToPath(params.rootUri)];
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        documentSymbolProvider: true,
      },
      serverInfo: { name: 'iit-studio' },
    };
  });

  connection.onNotification(SetTrustedNotification, (p) => {
    trusted = p?.trusted === true;
    documents.all().forEach((d) => schedule(d));
  });

  const isExperiment = (doc: TextDocument) =>
    /\.[cm]?ts$/.test(doc.uri) &&
    doc.uri.startsWith('file:') &&
    /\bexperiment\s*\(/.test(doc.getText()) &&
    /export\s+default\b/.test(doc.getText());

  function indexOf(doc: TextDocument): SourceIndex {
    const c = indexCache.get(doc.uri);
    if (c && c.version === doc.version) return c.index;
    const index = new SourceIndex(doc.getText(), fileURLToPath(doc.uri));
    indexCache.set(doc.uri, { version: doc.version, index });
    return index;
  }

  const inside = (root: string, file: string) => {
    const r = path.relative(root, file);
    return !r.startsWith('..') && !path.isAbsolute(r);
  };

  /** A file path inside the workspace, or a JSON-RPC error. */
  function fileOf(uri: unknown): string {
    if (typeof uri !== 'string' || !uri.startsWith('file:'))
      throw bad(`uri must be a file: URI string, got ${JSON.stringify(uri)?.slice(0, 100)}`);
    let file: string;
    try {
      file = fileURLToPath(uri);
    } catch (e) {
      throw bad(`uri ${uri} is not a valid file URI: ${(e as Error).message}`);
    }
    if (roots.length && !roots.some((r) => inside(r, file)))
      throw bad(`${file} is outside the workspace (${roots.join(', ')}); open it in a workspace folder`);
    if (!existsSync(file) || !statSync(file).isFile()) throw bad(`${file} does not exist`);
    return file;
  }

  function paramsObject(p: unknown, method: string): Record<string, unknown> {
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw bad(`${method}: params must be an object`);
    return p as Record<string, unknown>;
  }

  function optional(p: Record<string, unknown>, key: string, type: 'string' | 'integer'): void {
    const v = p[key];
    if (v === undefined || v === null) return;
    if (type === 'string' ? typeof v !== 'string' : !Number.isInteger(v))
      throw bad(
        `${key} must be ${type === 'string' ? 'a string' : 'an integer'}, got ${JSON.stringify(v)?.slice(0, 100)}`,
      );
  }

  function requireTrust(): void {
    if (!trusted)
      throw new ResponseError(
        ErrorCodes.InvalidRequest,
        'this workspace is not trusted: IIT Studio does not run experiment code in untrusted folders',
      );
  }

  function rootOf(file: string): string {
    return roots.find((r) => inside(r, file)) ?? path.dirname(file);
  }

  function runsDir(root: string): string {
    return path.resolve(root, opts.runsDirectory || path.join('.iit', 'runs'));
  }

  function lineRange(text: string, line: number, column = 1): Range {
    const l = text.split('\n')[line - 1] ?? '';
    const start = Math.max(0, Math.min(column - 1, l.length));
    return {
      start: { line: Math.max(0, line - 1), character: start },
      end: { line: Math.max(0, line - 1), character: Math.max(start, l.trimEnd().length) },
    };
  }

  /** The last report for a file: this session's, else the newest finished run on disk. */
  function lastReport(file: string): { report: Report; runId: string } | undefined {
    const mem = lastReports.get(file);
    if (mem) return mem;
    const found = listRuns(runsDir(rootOf(file)))
      .filter((r) => r.report && r.file && path.resolve(r.file) === file)
      .at(-1);
    if (found?.report) {
      const v = { report: found.report, runId: found.runId };
      lastReports.set(file, v);
      return v;
    }
    return undefined;
  }

  function iiaDiagnostics(doc: TextDocument): Diagnostic[] {
    const file = fileURLToPath(doc.uri);
    const last = lastReport(file);
    if (!last) return [];
    const index = indexOf(doc);
    const out: Diagnostic[] = [];
    const [split, m] = Object.entries(last.report.metrics)[0] ?? [];
    if (!m) return [];
    for (const [v, iia] of Object.entries(m.iia.byVariable)) {
      const decl = index.alignmentDecls().find((d) => d.name === v);
      if (!decl) continue;
      out.push({
        range: index.range(decl.node),
        severity: DiagnosticSeverity.Information,
        source: 'iit',
        code: 'iia',
        message: `IIA ${v}: ${(100 * iia).toFixed(2)}% on ${split} over ${m.iia.pairs} pairs (run ${last.runId}, config ${last.report.config}, seed ${last.report.seed})`,
      });
    }
    return out;
  }

  function publish(doc: TextDocument): void {
    void connection.sendDiagnostics({
      uri: doc.uri,
      version: doc.version,
      diagnostics: [...(errors.get(doc.uri) ?? []), ...iiaDiagnostics(doc)],
    });
  }

  /** The error as a diagnostic on its declaration in `doc` (whose text was loaded from `loaded`). */
  function toDiagnostic(doc: TextDocument, loaded: string, e: WorkerError): Diagnostic {
    const text = doc.getText();
    const index = indexOf(doc);
    const here = !e.location || path.resolve(e.location.file) === loaded;
    let range: Range | undefined;
    let where = '';
    if (here)
      range =
        index.rangeFor({ ...e, location: e.location }) ??
        (e.location ? lineRange(text, e.location.line, e.location.column) : undefined);
    else {
      // Declared in an imported file: point at the import of that file.
      where = ` (in ${path.basename(e.location!.file)}:${e.location!.line})`;
      const base = path.basename(e.location!.file).replace(/\.[cm]?[jt]s$/, '');
      const line = text.split('\n').findIndex((l) => /^\s*import\b/.test(l) && l.includes(base));
      if (line >= 0) range = lineRange(text, line + 1);
    }
    if (e.code === 'timeout') {
      const l = index.experimentLine();
      if (l !== undefined) range = lineRange(text, l + 1);
    }
    return {
      range: range ?? lineRange(text, 1),
      severity: DiagnosticSeverity.Error,
      source: 'iit',
      code: e.code,
      message: `${e.message}${e.fix ? ` — ${e.fix}` : ''}${where}`,
    };
  }

  /** Loads the document's current text in a worker (beside the file, so relative imports resolve). */
  async function checkText(doc: TextDocument, track: boolean): Promise<{ outcome: Outcome; loaded: string }> {
    const file = fileURLToPath(doc.uri);
    const tmp = path.join(
      path.dirname(file),
      `.${path.basename(file).replace(/\.[cm]?ts$/, '')}.iit-check-${process.pid}-${doc.version}-${Date.now() % 1e6}.ts`,
    );
    writeFileSync(tmp, doc.getText());
    tmpFiles.add(tmp);
    try {
      const w = startWorker({ kind: 'check', file: tmp }, () => undefined, opts.checkTimeoutMs ?? 10_000);
      if (track) {
        const c = checks.get(doc.uri);
        if (c) c.worker = w;
      }
      return { outcome: await w.done, loaded: tmp };
    } finally {
      rmSync(tmp, { force: true });
      tmpFiles.delete(tmp);
    }
  }

  async function check(doc: TextDocument): Promise<void> {
    const uri = doc.uri;
    const prev = checks.get(uri);
    prev?.worker?.kill(); // an older text's check is no longer wanted
    const version = doc.version;
    checks.set(uri, { version });
    const { outcome, loaded } = await checkText(doc, true);
    if (checks.get(uri)?.version !== version || documents.get(uri)?.version !== version) return;
    checks.delete(uri);
    if (outcome.type === 'info') {
      infos.set(uri, { ...outcome.info, file: fileURLToPath(uri) });
      errors.set(uri, []);
    } else if (outcome.type === 'error') {
      errors.set(uri, [toDiagnostic(doc, loaded, outcome.error)]);
    }
    publish(doc);
  }

  function schedule(doc: TextDocument): void {
    if (!isExperiment(doc)) return;
    if (!trusted) {
      errors.delete(doc.uri);
      void connection.sendDiagnostics({ uri: doc.uri, diagnostics: [] });
      return;
    }
    clearTimeout(timers.get(doc.uri));
    timers.set(
      doc.uri,
      setTimeout(
        () =>
          void check(doc).catch((e) =>
            connection.console.error(`check of ${doc.uri} failed: ${(e as Error).stack ?? e}`),
          ),
        DEBOUNCE_MS,
      ),
    );
  }

  documents.onDidOpen((e) => schedule(e.document));
  documents.onDidChangeContent((e) => schedule(e.document));
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    checks.get(e.document.uri)?.worker?.kill();
    checks.delete(e.document.uri);
    indexCache.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onHover((p): Hover | null => {
    const doc = documents.get(p.textDocument.uri);
    const info = infos.get(p.textDocument.uri);
    if (!doc || !info) return null;
    const decl = indexOf(doc).declAt(p.position);
    let name = decl?.name;
    if (!name) {
      const line = doc.getText().split('\n')[p.position.line] ?? '';
      name = [...line.matchAll(/[A-Za-z_$][\w$]*/g)].find(
        (m) => m.index! <= p.position.character && p.position.character <= m.index! + m[0].length,
      )?.[0];
    }
    const v = info.variables.find((x) => x.name === name);
    if (!name || !v) return null;
    const a = info.alignment.find((x) => x.variable === name);
    const group = info.variables.filter((x) => x.type === v.type).map((x) => x.name);
    const parts = [
      `**${v.name}** — ${v.role} variable`,
      `values: ${v.values} (${v.size} value${v.size === 1 ? '' : 's'})${v.parents.length ? ` · parents: ${v.parents.join(', ')}` : ''}`,
      `type group: ${v.type}${group.length > 1 ? ` (${group.join(', ')})` : ''}`,
    ];
    if (a)
      parts.push(
        `neurons: site \`${a.site}\` ${a.ranges.map(([s, e]) => `[${s}:${e}]`).join('')} — ${a.neurons} neuron${a.neurons === 1 ? '' : 's'}`,
      );
    else if (v.role === 'intermediate') parts.push('not aligned');
    const last = lastReport(fileURLToPath(p.textDocument.uri));
    if (last && a) {
      for (const [split, m] of Object.entries(last.report.metrics)) {
        const x = m.iia.byVariable[name];
        if (x === undefined) continue;
        const ci = m.iia.interval
          ? `, 95% CI [${(100 * m.iia.interval[0]).toFixed(1)}, ${(100 * m.iia.interval[1]).toFixed(1)}]`
          : m.iia.exact
            ? ' (all pairs)'
            : '';
        parts.push(`last IIA (${split}): ${(100 * x).toFixed(2)}% over ${m.iia.pairs} pairs${ci} — run ${last.runId}`);
      }
    }
    return { contents: { kind: 'markdown', value: parts.join('\n\n') } };
  });

  connection.onCodeLens((p): CodeLens[] => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc || !isExperiment(doc)) return [];
    const line = indexOf(doc).experimentLine();
    if (line === undefined) return [];
    const range = { start: { line, character: 0 }, end: { line, character: 0 } };
    return [
      { range, command: { title: '$(play) Train', command: 'iit.train', arguments: [p.textDocument.uri] } },
      { range, command: { title: 'Evaluate', command: 'iit.evaluate', arguments: [p.textDocument.uri] } },
      {
        range,
        command: {
          title: 'Debug intervention',
          command: 'iit.debugIntervention',
          arguments: [{ experiment: fileURLToPath(p.textDocument.uri) }],
        },
      },
    ];
  });

  // Symbols come from the syntax tree alone, so they work before (or without) a trusted check.
  connection.onDocumentSymbol((p): DocumentSymbol[] => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc || !isExperiment(doc)) return [];
    const index = indexOf(doc);
    const info = infos.get(p.textDocument.uri);
    const out: DocumentSymbol[] = [];
    for (const d of index.variableDecls()) {
      const r = index.range(d.node);
      const v = info?.variables.find((x) => x.name === d.name);
      out.push({
        name: d.name,
        detail: v ? `${v.role} · ${v.values}` : 'variable',
        kind: SymbolKind.Variable,
        range: r,
        selectionRange: index.range(d.node.name!),
      });
    }
    for (const d of index.alignmentDecls()) {
      const r = index.range(d.node);
      const a = info?.alignment.find((x) => x.variable === d.name);
      out.push({
        name: a ? `${d.name} ↔ ${a.site}` : d.name,
        detail: a ? `${a.neurons} neurons` : 'alignment',
        kind: SymbolKind.Field,
        range: r,
        selectionRange: index.range(d.node.name!),
      });
    }
    return out;
  });

  connection.onRequest(ExperimentInfoRequest, async (raw) => {
    const p = paramsObject(raw, 'iit/experimentInfo');
    const file = fileOf(p.uri);
    requireTrust();
    const uri = p.uri as string;
    const doc = documents.get(uri) ?? TextDocument.create(uri, 'typescript', 0, readFileSync(file, 'utf8'));
    const { outcome, loaded } = await checkText(doc, false);
    if (outcome.type !== 'info') {
      const e =
        outcome.type === 'error'
          ? outcome.error
          : { code: 'internal', message: `unexpected worker answer ${outcome.type}` };
      const d = toDiagnostic(doc, loaded, e);
      throw new ResponseError(
        ErrorCodes.InvalidParams,
        `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`,
        { code: e.code, range: d.range },
      );
    }
    const info = { ...outcome.info, file };
    infos.set(uri, info);
    return info;
  });

  /** Starts now when a slot is free, else when one frees (FIFO). */
  const maxRuns = () => Math.max(1, opts.maxConcurrentRuns ?? 2);
  const active = () => [...runs.values()].filter((r) => r.status === 'running').length;

  function slot(run: Run): Promise<void> {
    if (active() < maxRuns() && !queue.length) return Promise.resolve();
    return new Promise((start) => queue.push({ run, start }));
  }

  /** Called when a run ends: the next queued one starts (it marks itself running before its turn ends). */
  function release(): void {
    if (queue.length && active() < maxRuns()) queue.shift()!.start();
  }

  function writeStatus(runDir: string, status: RunStatus, extra: Record<string, unknown>): void {
    try {
      mkdirSync(runDir, { recursive: true });
      writeFileSync(path.join(runDir, STATUS), JSON.stringify({ status, ...extra }) + '\n');
    } catch {
      // the run directory was removed meanwhile
    }
  }

  connection.onRequest(TrainRequest, async (raw, token: CancellationToken): Promise<TrainResult> => {
    const p = paramsObject(raw, 'iit/train') as Partial<TrainParams>;
    const file = fileOf(p.uri);
    for (const k of ['config', 'backend', 'runId', 'resume', 'resumeFrom'] as const) optional(p, k, 'string');
    for (const k of ['seed', 'checkpointEvery'] as const) optional(p, k, 'integer');
    if (p.checkpointEvery !== undefined && p.checkpointEvery < 1) throw bad('checkpointEvery must be at least 1');
    if (p.workDoneToken !== undefined && typeof p.workDoneToken !== 'string' && typeof p.workDoneToken !== 'number')
      throw bad('workDoneToken must be a string or a number');
    requireTrust();
    const dir = runsDir(rootOf(file));
    let runId: string;
    let runDir: string;
    const resuming = p.resume ?? p.resumeFrom;
    if (resuming !== undefined) {
      runDir = p.resume !== undefined ? path.join(dir, p.resume) : path.resolve(p.resumeFrom!);
      runId = path.basename(runDir);
      if ((p.resume !== undefined && !RUN_ID.test(p.resume)) || !inside(dir, runDir))
        throw bad(`no run ${JSON.stringify(resuming)} in ${dir}`);
      const prev = readRun(runDir);
      if (!prev) throw bad(`no run ${JSON.stringify(resuming)} in ${dir}`);
      if (prev.status === 'finished') throw bad(`run ${runId} has already finished; start a new run instead`);
      if (runs.has(runDir)) throw bad(`run ${runId} is already ${runs.get(runDir)!.status}`);
    } else {
      if (p.runId !== undefined && !RUN_ID.test(p.runId))
        throw bad(`runId ${JSON.stringify(p.runId)} must match ${RUN_ID}`);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      runId =
        p.runId ??
        // Config names may hold spaces or '+' ('NO TYPING', 'IIT+MULTI'); a run id must match RUN_ID.
        `${path.basename(file).replace(/\.[cm]?ts$/, '')}-${plainName(p.config ?? 'default')}-${p.seed ?? 0}-${stamp}`;
      runDir = path.join(dir, runId);
      if (runs.has(runDir) || existsSync(runDir))
        throw bad(`run ${runId} already exists in ${dir}; choose another runId or resume it`);
      mkdirSync(runDir, { recursive: true });
    }
    const progress = (value: TrainProgress) => {
      if (p.workDoneToken !== undefined)
        void connection.sendProgress(WorkDoneProgress.type, p.workDoneToken, value as never);
    };
    let cancelled = false;
    const run: Run = {
      runId,
      runDir,
      file,
      status: 'queued',
      startTime: new Date().toISOString(),
      config: p.config,
      seed: p.seed,
      backend: p.backend,
      cancel: () => {
        cancelled = true;
        if (run.worker?.child.connected) run.worker.child.send({ kind: 'cancel' });
        const i = queue.findIndex((q) => q.run === run);
        if (i >= 0) queue.splice(i, 1)[0]!.start();
      },
    };
    runs.set(runDir, run);
    const sub = token.onCancellationRequested(() => run.cancel());
    const queued = queue.length > 0 || active() >= maxRuns();
    progress({
      kind: 'begin',
      title: `Training ${path.basename(file)}`,
      cancellable: true,
      percentage: 0,
      runId,
      runDir,
      queued,
      message: queued ? 'queued' : 'starting',
    });
    let outcome: Outcome;
    let lastStep = 0;
    try {
      await slot(run);
      if (cancelled) outcome = { type: 'cancelled', step: 0 };
      else {
        run.status = 'running';
        const worker = startWorker(
          {
            kind: 'train',
            runId,
            runDir,
            resume: resuming !== undefined,
            file,
            config: p.config,
            seed: p.seed,
            backend: p.backend ?? opts.backend,
            checkpointEvery: p.checkpointEvery ?? opts.checkpointEvery,
          },
          (m) => {
            if (m.type === 'started') {
              progress({
                kind: 'report',
                runId,
                runDir,
                workerPid: worker.child.pid,
                step: m.step,
                totalSteps: m.totalSteps,
                ...(m.resumedFrom !== undefined ? { resumedFrom: m.resumedFrom } : {}),
                message:
                  m.resumedFrom !== undefined
                    ? `resumed at step ${m.resumedFrom} on ${m.backend}`
                    : `training on ${m.backend}`,
                percentage: Math.round((100 * m.step) / Math.max(1, m.totalSteps)),
              });
            } else if (m.type === 'step') {
              const s = m.progress;
              lastStep = s.step;
              run.step = s.step;
              progress({
                kind: 'report',
                runId,
                step: s.step,
                totalSteps: s.totalSteps,
                epoch: s.epoch,
                losses: s.losses,
                examplesPerSecond: s.examplesPerSecond,
                etaSeconds: s.etaSeconds,
                percentage: Math.round((100 * s.step) / Math.max(1, s.totalSteps)),
                message: `step ${s.step}/${s.totalSteps}`,
              });
            } else if (m.type === 'eval') {
              progress({
                kind: 'report',
                runId,
                step: m.step,
                metrics: m.metrics,
                message: `evaluated at step ${m.step}`,
              });
            } else if (m.type === 'checkpoint') {
              progress({
                kind: 'report',
                runId,
                step: m.step,
                checkpoint: m.step,
                message: `checkpoint at step ${m.step}`,
              });
            }
          },
        );
        run.worker = worker;
        if (cancelled) worker.child.send({ kind: 'cancel' });
        outcome = await worker.done;
      }
    } finally {
      sub.dispose();
      runs.delete(runDir);
      release();
    }
    if (outcome.type === 'done') {
      progress({ kind: 'end', runId, message: 'finished' });
      lastReports.set(file, { report: outcome.report, runId });
      void connection.sendNotification(RunFinishedNotification, {
        runId,
        runDir,
        status: 'finished',
        report: outcome.report,
      });
      const doc = documents.all().find((d) => d.uri.startsWith('file:') && fileURLToPath(d.uri) === file);
      if (doc) publish(doc);
      return { runId, runDir, report: outcome.report };
    }
    if (outcome.type === 'cancelled') {
      writeStatus(runDir, 'cancelled', { step: outcome.step });
      progress({ kind: 'end', runId, message: `cancelled at step ${outcome.step}` });
      void connection.sendNotification(RunFinishedNotification, {
        runId,
        runDir,
        status: 'cancelled',
        error: `cancelled at step ${outcome.step}`,
      });
      throw new ResponseError(
        LSPErrorCodes.RequestCancelled,
        `run ${runId} was cancelled at step ${outcome.step}; continue it with iit/train { resume: '${runId}' }`,
        {
          runId,
          runDir,
          step: outcome.step,
          ...(outcome.requestedAt !== undefined ? { requestedAt: outcome.requestedAt } : {}),
        },
      );
    }
    const e: WorkerError =
      outcome.type === 'error'
        ? outcome.error
        : { code: 'internal', message: `unexpected worker answer ${outcome.type}` };
    const msg = formatError(e);
    writeStatus(runDir, 'failed', { step: lastStep, error: msg });
    progress({ kind: 'end', runId, message: `failed: ${e.message}` });
    void connection.sendNotification(RunFinishedNotification, { runId, runDir, status: 'failed', error: msg });
    throw new ResponseError(ErrorCodes.InternalError, msg, { runId, runDir, code: e.code });
  });

  function findRun(id: unknown): Run | undefined {
    if (typeof id !== 'string') return undefined;
    return [...runs.values()].find((r) => r.runId === id);
  }

  connection.onRequest(CancelRequest, (raw) => {
    const p = paramsObject(raw, 'iit/cancel');
    if (typeof p.runId !== 'string') throw bad(`runId must be a string, got ${JSON.stringify(p.runId)?.slice(0, 100)}`);
    const run = findRun(p.runId);
    if (!run) throw bad(`no queued or running run with id ${JSON.stringify(p.runId)}`);
    run.cancel();
    return { cancelled: true };
  });

  connection.onRequest(EvaluateRequest, async (raw) => {
    const p = paramsObject(raw, 'iit/evaluate');
    const file = fileOf(p.uri);
    for (const k of ['runId', 'runDir', 'backend']) optional(p, k, 'string');
    requireTrust();
    const dir = runsDir(rootOf(file));
    let runDir: string | undefined;
    if (typeof p.runId === 'string') runDir = RUN_ID.test(p.runId) ? path.join(dir, p.runId) : undefined;
    else if (typeof p.runDir === 'string') {
      runDir = path.resolve(p.runDir);
      if (!inside(dir, runDir) && !roots.some((r) => inside(r, runDir!)))
        throw bad(`runDir ${runDir} is outside the workspace and the runs directory ${dir}`);
    } else throw bad('iit/evaluate needs runId (or runDir)');
    if (!runDir || !existsSync(path.join(runDir, 'model.json')))
      throw bad(`no run ${JSON.stringify(p.runId ?? p.runDir)} with weights in ${dir}`);
    const r = await startWorker(
      { kind: 'evaluate', file, runDir, backend: (p.backend as string | undefined) ?? opts.backend },
      () => undefined,
    ).done;
    if (r.type !== 'done')
      throw new ResponseError(
        ErrorCodes.InternalError,
        r.type === 'error' ? formatError(r.error) : `unexpected worker answer ${r.type}`,
      );
    lastReports.set(file, { report: r.report, runId: path.basename(runDir) });
    return r.report;
  });

  connection.onRequest(RunsRequest, (raw) => {
    const p = raw === undefined || raw === null ? {} : paramsObject(raw, 'iit/runs');
    const file = p.uri !== undefined ? fileOf(p.uri) : undefined;
    const dirs = file ? [runsDir(rootOf(file))] : [...new Set(roots.map(runsDir))];
    const out: RunSummary[] = [];
    for (const dir of dirs) {
      for (const r of listRuns(dir)) {
        if (runs.has(r.runDir)) continue;
        if (file && (!r.file || path.resolve(r.file) !== file)) continue;
        const { report: _report, mtime: _mtime, ...summary } = r;
        out.push(summary);
      }
    }
    for (const r of runs.values()) {
      if (file && r.file !== file) continue;
      if (!dirs.some((d) => inside(d, r.runDir))) continue;
      const disk = readRun(r.runDir);
      out.push({
        runId: r.runId,
        runDir: r.runDir,
        experiment: disk?.experiment ?? path.basename(r.file).replace(/\.[cm]?ts$/, ''),
        file: r.file,
        config: disk?.config ?? r.config ?? 'default',
        seed: disk?.seed ?? r.seed ?? 0,
        backend: disk?.backend ?? r.backend ?? 'auto',
        status: r.status,
        ...(r.step !== undefined ? { step: r.step } : {}),
        startTime: r.startTime,
      });
    }
    return out;
  });

  const killAll = () => {
    killAllWorkers();
    for (const f of tmpFiles) rmSync(f, { force: true });
  };
  connection.onShutdown(killAll);
  process.on('exit', killAll);
  // A terminated server takes its workers with it (an infinite loop in one would otherwise spin on).
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(sig, () => {
      killAll();
      process.exit(0);
    });
  }

  documents.listen(connection);
  connection.listen();
}
