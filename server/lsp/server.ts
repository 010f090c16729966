/**
 * The IIT language / training server: LSP on stdio. It checks experiment
 * files as they are edited (checks.ts: diagnostics; features.ts: hovers,
 * CodeLens, symbols) and runs training and evaluation in forked worker
 * processes that it supervises (training.ts), so it keeps answering while a
 * model trains and survives a worker's crash. This file only wires them to
 * the connection.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  createConnection,
  ErrorCodes,
  ProposedFeatures,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CancelRequest,
  EvaluateRequest,
  ExperimentInfoRequest,
  RunsRequest,
  SweepCancelRequest,
  SweepsRequest,
  SweepSubmitRequest,
  SetTrustedNotification,
  TrainRequest,
} from '../protocol/index';
import type { ExperimentInfo } from '../protocol/results';
import { Checks, isExperiment, removeCheckFiles } from './checks';
import { codeLenses, hover, symbols } from './features';
import { FrameGuard } from './guard';
import { LastReports } from './lastReports';
import { paramsObject } from './params';
import { killAllWorkers } from './supervisor';
import { missingClients } from '../cluster/slurm';
import { Sweeps } from './sweeps';
import { Training } from './training';
import { Workspace } from './workspace';

const DEFAULT_MAX_MESSAGE = 16 * 1024 * 1024;

/** A connection on stdio behind the frame guard (malformed and over-long messages are answered, not dropped). */
function stdioConnection(): Connection {
  const max = Number(process.env.IIT_STUDIO_MAX_MESSAGE_BYTES) || DEFAULT_MAX_MESSAGE;
  const writer = new StreamMessageWriter(process.stdout);
  const guard = new FrameGuard(max, (id, code, message) => {
    void writer.write({ jsonrpc: '2.0', id, error: { code, message } } as never);
  });
  process.stdin.pipe(guard);
  // The client is gone (its end of stdin closed): so is the server, and with it its workers (the exit handler).
  process.stdin.on('end', () => process.exit(0));
  return createConnection(ProposedFeatures.all, new StreamMessageReader(guard), writer);
}

export function startServer(connection: Connection = stdioConnection()): void {
  const documents = new TextDocuments(TextDocument);
  const workspace = new Workspace();
  const reports = new LastReports(workspace);
  const checks = new Checks(connection, documents, workspace, reports);
  const training = new Training(connection, workspace, checks, reports);
  const sweeps = new Sweeps(workspace);
  // Whether this machine submits to Slurm (a login node): asked once, then the CodeLens offers Run on Slurm.
  let hasSlurm: boolean | undefined;
  const slurm = () => (hasSlurm ??= missingClients().length === 0);

  connection.onInitialize((params) => {
    workspace.initialize(params);
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

  // The output channel then shows which server answers (a restarted one has a new pid).
  connection.onInitialized(() => {
    connection.console.info(
      `IIT server ${process.pid} ready (${workspace.trusted ? 'trusted' : 'untrusted'}; folders: ${workspace.roots.join(', ') || 'none'})`,
    );
    for (const p of workspace.settingProblems()) void connection.window.showWarningMessage(`IIT Studio: ${p}`);
  });

  connection.onNotification(SetTrustedNotification, (p) => {
    workspace.trusted = p?.trusted === true;
    documents.all().forEach((d) => checks.schedule(d));
  });

  documents.onDidOpen((e) => checks.schedule(e.document));
  documents.onDidChangeContent((e) => checks.schedule(e.document));
  documents.onDidClose((e) => checks.close(e.document.uri));

  connection.onHover((p) => {
    const doc = documents.get(p.textDocument.uri);
    const info = checks.infos.get(p.textDocument.uri);
    if (!doc || !info) return null;
    return hover(doc, checks.indexOf(doc), info, p.position, reports.get(fileURLToPath(p.textDocument.uri)));
  });

  connection.onCodeLens((p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc && isExperiment(doc) ? codeLenses(p.textDocument.uri, checks.indexOf(doc), slurm()) : [];
  });

  connection.onDocumentSymbol((p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc && isExperiment(doc) ? symbols(checks.indexOf(doc), checks.infos.get(p.textDocument.uri)) : [];
  });

  connection.onRequest(ExperimentInfoRequest, async (raw): Promise<ExperimentInfo> => {
    const p = paramsObject(raw, 'iit/experimentInfo');
    const file = workspace.fileOf(p.uri);
    workspace.requireTrust();
    const uri = p.uri as string;
    const doc = documents.get(uri) ?? TextDocument.create(uri, 'typescript', 0, readFileSync(file, 'utf8'));
    const { outcome, loaded } = await checks.checkText(doc, false);
    if (outcome.type !== 'info') {
      const e =
        outcome.type === 'error'
          ? outcome.error
          : { code: 'internal', message: `unexpected worker answer ${outcome.type}` };
      const d = checks.errorOf(doc, loaded, e);
      throw new ResponseError(
        ErrorCodes.InvalidParams,
        `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`,
        { code: e.code, range: d.range },
      );
    }
    const info = { ...outcome.info, file };
    checks.infos.set(uri, info);
    return info;
  });

  connection.onRequest(TrainRequest, (raw, token) => training.train(raw, token));
  connection.onRequest(CancelRequest, (raw) => training.cancel(raw));
  connection.onRequest(EvaluateRequest, (raw) => training.evaluate(raw));
  connection.onRequest(RunsRequest, (raw) => training.runs(raw));
  connection.onRequest(SweepSubmitRequest, (raw) => sweeps.submit(raw));
  connection.onRequest(SweepsRequest, () => sweeps.list());
  connection.onRequest(SweepCancelRequest, (raw) => sweeps.cancel(raw));

  const killAll = () => {
    killAllWorkers();
    removeCheckFiles();
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
