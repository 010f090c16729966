/**
 * iit/train, iit/cancel, iit/evaluate and iit/runs: a training is one
 * worker running the app's pipeline into its run directory, reported as
 * `$/progress` and ended by iit/runFinished; the server itself never loads
 * the engine, so it answers while models train and survives their crashes.
 */
import path from 'node:path';
import {
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  WorkDoneProgress,
  type CancellationToken,
  type Connection,
} from 'vscode-languageserver/node';
import {
  RunFinishedNotification,
  type EvaluateParams,
  type TrainParams,
  type TrainProgress,
  type TrainResult,
} from '../protocol/index';
import type { Report, RunSummary } from '../protocol/results';
import { inside, newRunId, RUN_ID } from '../runs/layout';
import { listRuns, readRun } from '../runs/list';
import { releaseUnstartedRunDir, reserveRunDir, writeRunStatus } from '../runs/runDir';
import { hasWeights } from '../runs/weights';
import type { Checks } from './checks';
import type { WorkerError, WorkerMessage } from './jobs';
import type { LastReports } from './lastReports';
import { LiveRuns, type LiveRun } from './liveRuns';
import { bad, formatError, optional, paramsObject } from './params';
import { startWorker, type Outcome } from './supervisor';
import type { Workspace } from './workspace';

/** A worker that has not stopped this long after a cancel (stuck in a loop, in a long load) is killed. */
const CANCEL_DEADLINE_MS = 3000;

const percent = (step: number, total: number) => Math.round((100 * step) / Math.max(1, total));

/** A worker's message as a `$/progress` report (undefined for messages that report nothing). */
function progressOf(m: WorkerMessage, run: LiveRun): TrainProgress | undefined {
  const { runId, runDir } = run;
  if (m.type === 'started')
    return {
      kind: 'report',
      runId,
      runDir,
      workerPid: run.worker?.child.pid,
      step: m.step,
      totalSteps: m.totalSteps,
      ...(m.resumedFrom !== undefined ? { resumedFrom: m.resumedFrom } : {}),
      message:
        m.resumedFrom !== undefined ? `resumed at step ${m.resumedFrom} on ${m.backend}` : `training on ${m.backend}`,
      percentage: percent(m.step, m.totalSteps),
    };
  if (m.type === 'step') {
    const s = m.progress;
    return {
      kind: 'report',
      runId,
      step: s.step,
      totalSteps: s.totalSteps,
      epoch: s.epoch,
      losses: s.losses,
      examplesPerSecond: s.examplesPerSecond,
      etaSeconds: s.etaSeconds,
      percentage: percent(s.step, s.totalSteps),
      message: `step ${s.step}/${s.totalSteps}`,
    };
  }
  if (m.type === 'eval')
    return { kind: 'report', runId, step: m.step, metrics: m.metrics, message: `evaluated at step ${m.step}` };
  if (m.type === 'checkpoint')
    return { kind: 'report', runId, step: m.step, checkpoint: m.step, message: `checkpoint at step ${m.step}` };
  return undefined;
}

export class Training {
  readonly live: LiveRuns;

  constructor(
    private readonly connection: Connection,
    private readonly workspace: Workspace,
    private readonly checks: Checks,
    private readonly reports: LastReports,
  ) {
    this.live = new LiveRuns(() => Math.max(1, workspace.opts.maxConcurrentRuns ?? 2));
  }

  /** The run a request names: a new one (its directory claimed now) or one to resume. */
  private target(p: Partial<TrainParams>, file: string): { runId: string; runDir: string; resuming: boolean } {
    const dir = this.workspace.runsDirFor(file);
    const resuming = p.resume ?? p.resumeFrom;
    if (resuming !== undefined) {
      const runDir = p.resume !== undefined ? path.join(dir, p.resume) : path.resolve(p.resumeFrom!);
      const runId = path.basename(runDir);
      if ((p.resume !== undefined && !RUN_ID.test(p.resume)) || !inside(dir, runDir))
        throw bad(`no run ${JSON.stringify(resuming)} in ${dir}`);
      const prev = readRun(runDir);
      if (!prev) throw bad(`no run ${JSON.stringify(resuming)} in ${dir}`);
      if (prev.status === 'finished') throw bad(`run ${runId} has already finished; start a new run instead`);
      const live = this.live.get(runDir);
      if (live) throw bad(`run ${runId} is already ${live.status}`);
      return { runId, runDir, resuming: true };
    }
    if (p.runId !== undefined && !RUN_ID.test(p.runId))
      throw bad(`runId ${JSON.stringify(p.runId)} must match ${RUN_ID}`);
    const runId =
      p.runId ?? newRunId(path.basename(file).replace(/\.[cm]?ts$/, ''), p.config ?? 'default', p.seed ?? 0);
    const runDir = path.join(dir, runId);
    if (this.live.get(runDir) || !reserveRunDir(runDir))
      throw bad(`run ${runId} already exists in ${dir}; choose another runId or resume it`);
    return { runId, runDir, resuming: false };
  }

  async train(raw: unknown, token: CancellationToken): Promise<TrainResult> {
    const p = paramsObject(raw, 'iit/train') as Partial<TrainParams>;
    const file = this.workspace.fileOf(p.uri);
    for (const k of ['config', 'backend', 'runId', 'resume', 'resumeFrom'] as const) optional(p, k, 'string');
    for (const k of ['seed', 'checkpointEvery'] as const) optional(p, k, 'integer');
    if (p.checkpointEvery !== undefined && p.checkpointEvery < 1) throw bad('checkpointEvery must be at least 1');
    if (p.workDoneToken !== undefined && typeof p.workDoneToken !== 'string' && typeof p.workDoneToken !== 'number')
      throw bad('workDoneToken must be a string or a number');
    this.workspace.requireTrust();
    const { runId, runDir, resuming } = this.target(p, file);
    const progress = (value: TrainProgress) => {
      if (p.workDoneToken !== undefined)
        void this.connection.sendProgress(WorkDoneProgress.type, p.workDoneToken, value as never);
    };
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let killedOnCancel = false;
    /** A cancel the worker does not answer in time ends it: the run stops at its last checkpoint. */
    const killIfStuck = () => {
      killTimer ??= setTimeout(() => {
        killedOnCancel = true;
        run.worker?.kill();
      }, CANCEL_DEADLINE_MS);
    };
    const run: LiveRun = {
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
        if (run.worker) killIfStuck();
        this.live.dequeue(run);
      },
    };
    const queued = this.live.full;
    this.live.add(run);
    const sub = token.onCancellationRequested(() => run.cancel());
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
      await this.live.slot(run);
      if (cancelled) outcome = { type: 'cancelled', step: 0 };
      else {
        run.status = 'running';
        const opts = this.workspace.opts;
        run.worker = startWorker(
          {
            kind: 'train',
            runId,
            runDir,
            resume: resuming,
            file,
            config: p.config,
            seed: p.seed,
            backend: p.backend ?? opts.backend,
            checkpointEvery: p.checkpointEvery ?? opts.checkpointEvery,
          },
          (m) => {
            if (m.type === 'step') lastStep = run.step = m.progress.step;
            const value = progressOf(m, run);
            if (value) progress(value);
          },
        );
        if (cancelled) {
          run.worker.child.send({ kind: 'cancel' });
          killIfStuck();
        }
        outcome = await run.worker.done;
        if (killedOnCancel && outcome.type === 'error') outcome = { type: 'cancelled', step: lastStep };
      }
    } finally {
      clearTimeout(killTimer);
      sub.dispose();
      this.live.remove(run);
    }
    return this.finish(run, outcome, lastStep, progress);
  }

  /** The run's end as the request's answer, its iit/runFinished and (unless finished) its status file. */
  private finish(run: LiveRun, outcome: Outcome, lastStep: number, progress: (v: TrainProgress) => void): TrainResult {
    const { runId, runDir, file } = run;
    // Ended before its worker wrote the run's configuration: nothing to list or resume, so nothing is left.
    const unstarted = outcome.type !== 'done' && releaseUnstartedRunDir(runDir);
    if (outcome.type === 'done') {
      progress({ kind: 'end', runId, message: 'finished' });
      this.reports.set(file, { report: outcome.report, runId });
      void this.connection.sendNotification(RunFinishedNotification, {
        runId,
        runDir,
        status: 'finished',
        report: outcome.report,
      });
      this.checks.publishFile(file);
      return { runId, runDir, report: outcome.report };
    }
    if (outcome.type === 'cancelled') {
      if (!unstarted) writeRunStatus(runDir, { status: 'cancelled', step: outcome.step });
      progress({ kind: 'end', runId, message: `cancelled at step ${outcome.step}` });
      void this.connection.sendNotification(RunFinishedNotification, {
        runId,
        runDir,
        status: 'cancelled',
        error: `cancelled at step ${outcome.step}`,
      });
      throw new ResponseError(
        LSPErrorCodes.RequestCancelled,
        unstarted
          ? `run ${runId} was cancelled before it started; nothing was kept`
          : `run ${runId} was cancelled at step ${outcome.step}; continue it with iit/train { resume: '${runId}' }`,
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
    if (!unstarted) writeRunStatus(runDir, { status: 'failed', step: lastStep, error: msg });
    progress({ kind: 'end', runId, message: `failed: ${e.message}` });
    void this.connection.sendNotification(RunFinishedNotification, { runId, runDir, status: 'failed', error: msg });
    throw new ResponseError(ErrorCodes.InternalError, msg, { runId, runDir, code: e.code });
  }

  cancel(raw: unknown): { cancelled: boolean } {
    this.workspace.requireInitialized();
    const p = paramsObject(raw, 'iit/cancel');
    if (typeof p.runId !== 'string') throw bad(`runId must be a string, got ${JSON.stringify(p.runId)?.slice(0, 100)}`);
    const run = this.live.find(p.runId);
    if (!run) throw bad(`no queued or running run with id ${JSON.stringify(p.runId)}`);
    run.cancel();
    return { cancelled: true };
  }

  async evaluate(raw: unknown): Promise<Report> {
    const p = paramsObject(raw, 'iit/evaluate') as Partial<EvaluateParams>;
    const file = this.workspace.fileOf(p.uri);
    for (const k of ['runId', 'runDir', 'backend'] as const) optional(p, k, 'string');
    this.workspace.requireTrust();
    const dir = this.workspace.runsDirFor(file);
    let runDir: string | undefined;
    if (typeof p.runId === 'string') runDir = RUN_ID.test(p.runId) ? path.join(dir, p.runId) : undefined;
    else if (typeof p.runDir === 'string') {
      runDir = path.resolve(p.runDir);
      if (!inside(dir, runDir) && !this.workspace.insideWorkspace(runDir))
        throw bad(`runDir ${runDir} is outside the workspace and the runs directory ${dir}`);
    } else throw bad('iit/evaluate needs runId (or runDir)');
    if (!runDir || !hasWeights(runDir))
      throw bad(`no run ${JSON.stringify(p.runId ?? p.runDir)} with weights in ${dir}`);
    const r = await startWorker(
      { kind: 'evaluate', file, runDir, backend: p.backend ?? this.workspace.opts.backend },
      () => undefined,
    ).done;
    if (r.type !== 'done')
      throw new ResponseError(
        ErrorCodes.InternalError,
        r.type === 'error' ? formatError(r.error) : `unexpected worker answer ${r.type}`,
      );
    this.reports.set(file, { report: r.report, runId: path.basename(runDir) });
    return r.report;
  }

  /** The runs on disk and the live ones (for one file, or every workspace folder). */
  runs(raw: unknown): RunSummary[] {
    this.workspace.requireInitialized();
    const p = raw === undefined || raw === null ? {} : paramsObject(raw, 'iit/runs');
    const file = p.uri !== undefined ? this.workspace.fileOf(p.uri) : undefined;
    const dirs = file ? [this.workspace.runsDirFor(file)] : this.workspace.allRunsDirs();
    const out: RunSummary[] = [];
    for (const dir of dirs) {
      for (const r of listRuns(dir)) {
        if (this.live.get(r.runDir)) continue;
        if (file && (!r.file || path.resolve(r.file) !== file)) continue;
        const { report: _report, mtime: _mtime, ...summary } = r;
        out.push(summary);
      }
    }
    for (const r of this.live.all()) {
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
  }
}
