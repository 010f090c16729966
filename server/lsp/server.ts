/**
 * The IIT language / training server: LSP on stdio. It checks experiment
 * files as they are edited (diagnostics, hovers, CodeLens, symbols) and runs
 * training and evaluation in forked worker processes that it supervises, so
 * it keeps answering while a model trains and survives a worker's crash.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CodeLens,
  createConnection,
  Diagnostic,
  DiagnosticSeverity,
  DocumentSymbol,
  ErrorCodes,
  ProposedFeatures,
  ResponseError,
  SymbolKind,
  TextDocuments,
  TextDocumentSyncKind,
  WorkDoneProgress,
  type Connection,
  type Hover,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Report } from '../engine/report';
import {
  CancelRequest,
  EvaluateRequest,
  ExperimentInfoRequest,
  RunFinishedNotification,
  RunsRequest,
  TrainRequest,
  type ExperimentInfo,
  type RunSummary,
  type TrainProgress,
} from '../protocol/index';
import type { Job, WorkerError } from './worker';

const CHECK_TIMEOUT_MS = 30_000;
const DEBOUNCE_MS = 300;

interface WorkerHandle {
  child: ChildProcess;
  done: Promise<{ type: string; [k: string]: unknown }>;
}

function workerPath(): string {
  return path.join(__dirname, 'worker.js');
}

/** Forks a worker for one job; the promise settles with its last message, or an error if it dies. */
function startWorker(job: Job, onMessage: (m: { type: string; [k: string]: unknown }) => void, timeoutMs?: number): WorkerHandle {
  const child = fork(workerPath(), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const done = new Promise<{ type: string; [k: string]: unknown }>((resolve) => {
    let last: { type: string; [k: string]: unknown } | undefined;
    let timedOut = false;
    const timer = timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs)
      : undefined;
    child.on('message', (m: { type: string; [k: string]: unknown }) => {
      if (m.type === 'done' || m.type === 'error' || m.type === 'info') last = m;
      onMessage(m);
    });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (timedOut) resolve({ type: 'error', error: { code: 'timeout', message: `evaluation timed out after ${timeoutMs! / 1000} s (an equation or the network may loop forever)` } });
      else if (last) resolve(last);
      else {
        const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
        const oom = /heap out of memory|Allocation failed/.test(stderr) ? ' (out of memory)' : '';
        resolve({ type: 'error', error: { code: 'worker-crashed', message: `the worker ${why}${oom}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` } });
      }
    });
  });
  child.send(job);
  return { child, done };
}

export function startServer(connection: Connection = createConnection(ProposedFeatures.all)): void {
  const documents = new TextDocuments(TextDocument);
  let trusted = false;
  let roots: string[] = [];
  const infos = new Map<string, ExperimentInfo>();
  const lastReports = new Map<string, Report>();
  const timers = new Map<string, NodeJS.Timeout>();
  const checking = new Map<string, number>();
  const running = new Map<string, { worker: WorkerHandle; uri: string; runDir: string }>();

  connection.onInitialize((params) => {
    trusted = (params.initializationOptions as { trusted?: boolean } | undefined)?.trusted ?? false;
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

  connection.onNotification('iit/setTrusted', (p: { trusted: boolean }) => {
    trusted = !!p?.trusted;
    documents.all().forEach((d) => schedule(d));
  });

  const isExperiment = (doc: TextDocument) => /\.[cm]?ts$/.test(doc.uri) && /export\s+default\s+experiment\s*\(/.test(doc.getText());

  /** A file path inside the workspace, or a JSON-RPC error. */
  function fileOf(uri: unknown): string {
    if (typeof uri !== 'string' || !uri.startsWith('file:')) throw new ResponseError(ErrorCodes.InvalidParams, `uri must be a file: URI, got ${JSON.stringify(uri)}`);
    const file = fileURLToPath(uri);
    if (roots.length && !roots.some((r) => !path.relative(r, file).startsWith('..'))) {
      throw new ResponseError(ErrorCodes.InvalidParams, `${file} is outside the workspace`);
    }
    if (!existsSync(file)) throw new ResponseError(ErrorCodes.InvalidParams, `${file} does not exist`);
    return file;
  }

  function requireTrust(): void {
    if (!trusted) throw new ResponseError(ErrorCodes.InvalidRequest, 'this workspace is not trusted: IIT Studio does not run experiment code in untrusted folders');
  }

  function runsDir(file: string): string {
    const root = roots.find((r) => !path.relative(r, file).startsWith('..')) ?? path.dirname(file);
    return path.join(root, '.iit', 'runs');
  }

  function lineRange(text: string, line: number, column = 1) {
    const l = text.split('\n')[line - 1] ?? '';
    return { start: { line: line - 1, character: Math.max(0, column - 1) }, end: { line: line - 1, character: l.trimEnd().length } };
  }

  /** Line (1-based) of `name:` in the alignment block, else anywhere. */
  function declLine(text: string, name: string, after?: RegExp): number | undefined {
    const lines = text.split('\n');
    const start = after ? Math.max(0, lines.findIndex((l) => after.test(l))) : 0;
    const re = new RegExp(`^\\s*['"]?${name}['"]?\\s*:`);
    for (let i = start; i < lines.length; i++) if (re.test(lines[i]!)) return i + 1;
    return undefined;
  }

  async function check(doc: TextDocument): Promise<void> {
    const uri = doc.uri;
    const version = doc.version;
    checking.set(uri, version);
    const file = fileURLToPath(uri);
    const tmp = path.join(path.dirname(file), `.${path.basename(file, '.ts')}.iit-check-${process.pid}.ts`);
    writeFileSync(tmp, doc.getText());
    let result: { type: string; [k: string]: unknown };
    try {
      result = await startWorker({ kind: 'check', file: tmp }, () => undefined, CHECK_TIMEOUT_MS).done;
    } finally {
      rmSync(tmp, { force: true });
    }
    if (checking.get(uri) !== version) return; // a newer edit is being checked
    const diagnostics: Diagnostic[] = [];
    if (result.type === 'info') {
      const info = result.info as ExperimentInfo;
      info.file = file;
      infos.set(uri, info);
      const rep = lastReports.get(uri);
      if (rep) {
        for (const [v, iia] of Object.entries(Object.values(rep.metrics)[0]?.iia.byVariable ?? {})) {
          const line = declLine(doc.getText(), v, /\balignment\s*:/);
          if (line) diagnostics.push({ range: lineRange(doc.getText(), line), severity: DiagnosticSeverity.Information, source: 'iit', message: `IIA ${v}: ${(100 * iia).toFixed(2)}% (run ${rep.config}, seed ${rep.seed})` });
        }
      }
    } else {
      const e = result.error as WorkerError;
      const loc = e.location;
      const here = loc && path.resolve(loc.file) === tmp;
      const range = here ? lineRange(doc.getText(), loc!.line, loc!.column) : lineRange(doc.getText(), 1);
      const where = loc && !here ? ` (in ${path.basename(loc.file)}:${loc.line})` : '';
      diagnostics.push({ range, severity: DiagnosticSeverity.Error, source: 'iit', code: e.code, message: `${e.message}${e.fix ? ` — ${e.fix}` : ''}${where}` });
    }
    await connection.sendDiagnostics({ uri, version, diagnostics });
  }

  function schedule(doc: TextDocument): void {
    if (!isExperiment(doc)) return;
    if (!trusted) {
      void connection.sendDiagnostics({ uri: doc.uri, diagnostics: [] });
      return;
    }
    clearTimeout(timers.get(doc.uri));
    timers.set(
      doc.uri,
      setTimeout(() => void check(doc).catch((e) => connection.console.error(`check failed: ${e}`)), DEBOUNCE_MS),
    );
  }

  documents.onDidOpen((e) => schedule(e.document));
  documents.onDidChangeContent((e) => schedule(e.document));
  documents.onDidClose((e) => {
    clearTimeout(timers.get(e.document.uri));
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.onHover((p): Hover | null => {
    const doc = documents.get(p.textDocument.uri);
    const info = infos.get(p.textDocument.uri);
    if (!doc || !info) return null;
    const line = doc.getText().split('\n')[p.position.line] ?? '';
    const words = [...line.matchAll(/[A-Za-z_$][\w$]*/g)];
    const w = words.find((m) => m.index! <= p.position.character && p.position.character <= m.index! + m[0].length)?.[0];
    const v = info.variables.find((x) => x.name === w);
    if (!w || !v) return null;
    const a = info.alignment.find((x) => x.variable === w);
    const parts = [`**${v.name}** — ${v.role}, values ${v.values} (${v.size})${v.parents.length ? `, parents ${v.parents.join(', ')}` : ''}, type ${v.type}`];
    if (a) parts.push(`neurons: site \`${a.site}\` ${a.ranges.map(([s, e]) => `[${s}:${e}]`).join('')} — ${a.neurons} neuron${a.neurons === 1 ? '' : 's'}`);
    const rep = lastReports.get(p.textDocument.uri);
    if (rep && a) {
      for (const [split, m] of Object.entries(rep.metrics)) {
        const x = m.iia.byVariable[w];
        if (x !== undefined) parts.push(`last IIA (${split}): ${(100 * x).toFixed(2)}% over ${m.iia.pairs} pairs${m.iia.interval ? `, 95% CI [${(100 * m.iia.interval[0]).toFixed(1)}, ${(100 * m.iia.interval[1]).toFixed(1)}]` : m.iia.exact ? ' (all pairs)' : ''}`);
      }
    }
    return { contents: { kind: 'markdown', value: parts.join('\n\n') } };
  });

  connection.onCodeLens((p): CodeLens[] => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc || !isExperiment(doc)) return [];
    const line = doc.getText().split('\n').findIndex((l) => /\bexperiment\s*\(/.test(l) && /export\s+default/.test(l));
    if (line < 0) return [];
    const range = { start: { line, character: 0 }, end: { line, character: 0 } };
    return [
      { range, command: { title: '$(play) Train', command: 'iit.train', arguments: [p.textDocument.uri] } },
      { range, command: { title: 'Evaluate', command: 'iit.evaluate', arguments: [p.textDocument.uri] } },
      { range, command: { title: 'Debug intervention', command: 'iit.debugIntervention', arguments: [{ experiment: fileURLToPath(p.textDocument.uri) }] } },
    ];
  });

  connection.onDocumentSymbol((p): DocumentSymbol[] => {
    const doc = documents.get(p.textDocument.uri);
    const info = infos.get(p.textDocument.uri);
    if (!doc || !info) return [];
    const text = doc.getText();
    const out: DocumentSymbol[] = [];
    for (const v of info.variables) {
      const line = declLine(text, v.name);
      if (line) {
        const r = lineRange(text, line);
        out.push({ name: v.name, detail: `${v.role} · ${v.values}`, kind: SymbolKind.Variable, range: r, selectionRange: r });
      }
    }
    for (const a of info.alignment) {
      const line = declLine(text, a.variable, /\balignment\s*:/);
      if (line) {
        const r = lineRange(text, line);
        out.push({ name: `${a.variable} ↔ ${a.site}`, detail: `${a.neurons} neurons`, kind: SymbolKind.Field, range: r, selectionRange: r });
      }
    }
    return out;
  });

  connection.onRequest(ExperimentInfoRequest, async (p) => {
    const file = fileOf(p?.uri);
    requireTrust();
    const r = await startWorker({ kind: 'check', file }, () => undefined, CHECK_TIMEOUT_MS).done;
    if (r.type !== 'info') {
      const e = r.error as WorkerError;
      throw new ResponseError(ErrorCodes.InvalidParams, `${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ''}${e.message}${e.fix ? ` — ${e.fix}` : ''}`);
    }
    infos.set(p.uri, r.info as ExperimentInfo);
    return r.info as ExperimentInfo;
  });

  connection.onRequest(TrainRequest, async (p, token) => {
    const file = fileOf(p?.uri);
    requireTrust();
    if (p.seed !== undefined && !Number.isInteger(p.seed)) throw new ResponseError(ErrorCodes.InvalidParams, 'seed must be an integer');
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const runId = typeof p.runId === 'string' && /^[\w.-]+$/.test(p.runId) ? p.runId : `${path.basename(file, '.ts')}-${p.config ?? 'default'}-${p.seed ?? 0}-${stamp}`;
    if (running.has(runId)) throw new ResponseError(ErrorCodes.InvalidParams, `run ${runId} is already running`);
    const runDir = path.join(runsDir(file), runId);
    mkdirSync(path.dirname(runDir), { recursive: true });
    const progress = (value: TrainProgress) => {
      if (p.workDoneToken !== undefined) void connection.sendProgress(WorkDoneProgress.type, p.workDoneToken, value as never);
    };
    progress({ kind: 'begin', title: `Training ${path.basename(file)}`, percentage: 0, runId });
    const worker = startWorker({ kind: 'train', file, config: p.config, seed: p.seed, backend: p.backend, out: runDir }, (m) => {
      if (m.type === 'step') {
        const s = m.progress as { step: number; totalSteps: number; epoch: number; losses: Record<string, number>; examplesPerSecond: number; etaSeconds: number };
        progress({ kind: 'report', runId, step: s.step, totalSteps: s.totalSteps, epoch: s.epoch, losses: s.losses, examplesPerSecond: s.examplesPerSecond, etaSeconds: s.etaSeconds, percentage: Math.round((100 * s.step) / Math.max(1, s.totalSteps)), message: `step ${s.step}/${s.totalSteps}` });
      } else if (m.type === 'eval') {
        progress({ kind: 'report', runId, step: m.step as number, metrics: m.metrics as TrainProgress['metrics'], message: `evaluated at step ${m.step}` });
      }
    });
    running.set(runId, { worker, uri: p.uri, runDir });
    const sub = token.onCancellationRequested(() => worker.child.send({ kind: 'cancel' }));
    const r = await worker.done;
    sub.dispose();
    running.delete(runId);
    progress({ kind: 'end', runId, message: r.type === 'done' ? 'finished' : 'failed' });
    if (r.type !== 'done') {
      const e = r.error as WorkerError;
      const msg = `${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ''}${e.message}${e.fix ? ` — ${e.fix}` : ''}`;
      void connection.sendNotification(RunFinishedNotification, { runId, error: msg });
      throw new ResponseError(ErrorCodes.InternalError, msg);
    }
    const report = r.report as Report;
    lastReports.set(p.uri, report);
    void connection.sendNotification(RunFinishedNotification, { runId, runDir: r.runDir as string, report });
    const doc = documents.get(p.uri);
    if (doc) schedule(doc);
    return { runId, runDir: r.runDir as string, report };
  });

  connection.onRequest(CancelRequest, (p) => {
    const run = typeof p?.runId === 'string' ? running.get(p.runId) : undefined;
    if (!run) throw new ResponseError(ErrorCodes.InvalidParams, `no running run with id ${JSON.stringify(p?.runId)}`);
    run.worker.child.send({ kind: 'cancel' });
    return { cancelled: true };
  });

  connection.onRequest(EvaluateRequest, async (p) => {
    const file = fileOf(p?.uri);
    requireTrust();
    const runDir = p.runDir ?? (typeof p.runId === 'string' ? path.join(runsDir(file), p.runId) : undefined);
    if (!runDir || !existsSync(path.join(runDir, 'report.json'))) throw new ResponseError(ErrorCodes.InvalidParams, `no run ${JSON.stringify(p.runId ?? p.runDir)}`);
    const r = await startWorker({ kind: 'evaluate', file, runDir, backend: p.backend }, () => undefined).done;
    if (r.type !== 'done') throw new ResponseError(ErrorCodes.InternalError, (r.error as WorkerError).message);
    return r.report as Report;
  });

  connection.onRequest(RunsRequest, (p) => {
    const dirs = p?.uri ? [runsDir(fileOf(p.uri))] : roots.map((r) => path.join(r, '.iit', 'runs'));
    const out: RunSummary[] = [];
    for (const dir of dirs) {
      if (!existsSync(dir)) continue;
      for (const id of readdirSync(dir)) {
        const rd = path.join(dir, id);
        try {
          const cfg = JSON.parse(readFileSync(path.join(rd, 'config.json'), 'utf8')) as { experiment: string; config: string; seed: number; backend: string };
          const rep = JSON.parse(readFileSync(path.join(rd, 'report.json'), 'utf8')) as Report;
          const best = Math.max(...Object.values(rep.metrics).map((m) => m.iia.overall));
          out.push({ runId: id, runDir: rd, experiment: cfg.experiment, config: cfg.config, seed: cfg.seed, backend: cfg.backend, status: 'finished', bestIia: best });
        } catch {
          // not a finished run directory
        }
      }
    }
    for (const [id, r] of running) out.push({ runId: id, runDir: r.runDir, experiment: path.basename(fileURLToPath(r.uri), '.ts'), config: '', seed: 0, backend: '', status: 'running' });
    return out;
  });

  connection.onShutdown(() => {
    for (const r of running.values()) r.worker.child.kill();
  });

  documents.listen(connection);
  connection.listen();
}
