/**
 * The one training pipeline. The CLI (`iit-studio train`, `table`) and the
 * server's worker call `trainRun`; both write the same run directory
 * (server/runs), in place from the start, so any run stopped by a cancel,
 * Ctrl-C or a kill resumes from its last checkpoint (`resume`) and ends with
 * the report an uninterrupted run of the same seed gives.
 */
import path from 'node:path';
import { IITError } from '../engine/errors';
import { evaluate } from '../engine/evaluate';
import type { AlignmentDecl } from '../engine/alignment';
import type { Experiment } from '../engine/experiment';
import type { Metrics } from '../engine/metrics';
import { buildReport, type Report, type ReportData } from '../engine/report';
import { train, Trainer, type StepProgress, type TrainerState } from '../engine/train';
import type { CheckpointState } from '../runs/checkpoint';
import type { RunConfig } from '../runs/config';
import { DEFAULT_RUNS_DIRECTORY, newRunId } from '../runs/layout';
import { RunDir } from '../runs/runDir';
import { runState } from '../runs/state';
import type { Session } from '../engine/session';
import { inputLabels } from './describe';
import { asIITError, loadExperiment, located, openExperiment, runOverrides } from './open';

export const DEFAULT_CHECKPOINT_EVERY = 50;

export interface RunHooks {
  onStart?: (s: { step: number; totalSteps: number; resumedFrom?: number; backend: string; runDir: string }) => void;
  onStep?: (p: StepProgress) => void;
  onEval?: (step: number, metrics: Metrics) => void;
  onCheckpoint?: (step: number) => void;
  /** Polled after each step: true stops the run after writing a checkpoint (it then throws Cancelled). */
  cancelled?: () => boolean;
}

export interface TrainRequest {
  /** The experiment file (a new run; a resumed one reads it from its run directory). */
  file?: string;
  config?: string;
  seed?: number;
  backend?: string;
  /** The training length and batch size instead of the configuration's; a resumed run keeps its own. */
  steps?: number;
  batchSize?: number;
  /** A new run's directory; default `.iit/runs/<experiment>-<config>-<seed>-<time>` under the working directory. */
  out?: string;
  /** Continue the run in this directory from its last checkpoint (or from the start if it stopped before one). */
  resume?: string;
  /**
   * A finished run whose network weights start this one (a new run; a resumed one reads it from its config). The
   * interventions' own parameters (rotations) and probes start fresh. With `freeze`, this is DAS's align mode.
   */
  from?: string;
  /** 'network': train only the interventions' parameters, the network frozen (`iit-studio align`). */
  freeze?: 'network';
  /** An alignment instead of the configuration's (a new run; a resume keeps its own). */
  alignment?: AlignmentDecl;
  /** Steps between checkpoints (default 50, or the resumed run's). */
  checkpointEvery?: number;
  /** Put the final parameters in the report. */
  params?: boolean;
  /**
   * A new run that fails on bad input is removed (nothing half-written is left), unless this is set: the server
   * keeps it, so the Runs view shows the error.
   */
  keepFailed?: boolean;
  hooks?: RunHooks;
  log?: (msg: string) => void;
}

export interface TrainOutcome {
  report: Report;
  runDir: string;
}

/** A report's `data`: the experiment's data set (name, source) when it declares one, and the digest of its splits. */
export function reportData(exp: Experiment, digest: string): ReportData {
  const d = exp.decl.dataset;
  return {
    ...(d?.name !== undefined ? { name: d.name } : {}),
    ...(d?.source !== undefined ? { source: d.source } : {}),
    digest,
  };
}

/** A run stopped on request; its checkpoint holds `step`. */
export class Cancelled extends Error {
  constructor(
    readonly step: number,
    readonly runDir: string,
  ) {
    super(`cancelled at step ${step}`);
  }
}

function openForResume(dir: string): RunDir {
  let run: RunDir;
  try {
    run = RunDir.open(path.resolve(dir));
  } catch (e) {
    throw asIITError(e);
  }
  if (run.finished)
    throw new IITError('bad-config', `run ${dir} has already finished`, 'start a new run instead of resuming it');
  try {
    run.lock();
  } catch (e) {
    throw asIITError(e);
  }
  return run;
}

/** A finished run to start from (`from`), refused with the fix when it is not one. */
function openFrom(dir: string): RunDir {
  let run: RunDir;
  try {
    run = RunDir.open(dir);
  } catch (e) {
    throw asIITError(e);
  }
  const status = runState(run.dir)?.status;
  if (status !== 'finished')
    throw new IITError(
      'bad-config',
      `${dir} is not a finished run (it is ${status ?? 'not a run'}); its weights are not final`,
      `finish it first (iit-studio train --resume ${dir}), or pass a finished run`,
    );
  return run;
}

/**
 * Loads `from`'s network weights into the session: every parameter and buffer of the network except the ones the
 * interventions and probes learn, which start fresh. A network the run's weights do not fit is refused.
 */
function startFrom(session: Session, from: RunDir): void {
  const own = new Set([
    ...session.alignment.parameters,
    ...session.alignment.buffers,
    ...(session.probes?.parameters ?? []),
  ]);
  const saved = (() => {
    try {
      return from.readWeights();
    } catch (e) {
      throw asIITError(e);
    }
  })();
  const net = session.net;
  const wanted = [...net.params.keys(), ...net.buffers.keys()].filter((n) => !own.has(n));
  const missing = wanted.filter((n) => !(n in saved));
  if (missing.length)
    throw new IITError(
      'bad-config',
      `${from.dir}'s weights lack ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''} of this network`,
      'start from a run of the same network (same experiment file and network options)',
    );
  try {
    net.setParameters(Object.fromEntries(wanted.map((n) => [n, saved[n]!])));
  } catch (e) {
    if (!(e instanceof IITError)) throw e;
    throw new IITError(
      e.code,
      `${from.dir}: ${e.message}`,
      'start from a run of the same network (same file and options)',
    );
  }
}

function snapshot(st: TrainerState): CheckpointState['trainer'] {
  return st as unknown as CheckpointState['trainer'];
}

export async function trainRun(req: TrainRequest): Promise<TrainOutcome> {
  const resumed = req.resume !== undefined ? openForResume(req.resume) : undefined;
  const prev = resumed?.config;
  const file = prev?.file ?? req.file;
  if (!file) throw new IITError('bad-config', 'trainRun needs an experiment file', 'pass the file to train');
  const exp = await loadExperiment(file);
  const data = exp.dataDigest();
  if (prev?.data !== undefined && prev.data !== data)
    throw new IITError(
      'bad-config',
      `${resumed!.dir} was started on other data than ${path.basename(file)} now gives (a split's inputs or values changed)`,
      'start a new run, or restore the data the run was started with to resume it',
      { file, line: 1, column: 1 },
      'data',
    );
  const overrides = prev
    ? prev.overrides
    : req.steps !== undefined || req.batchSize !== undefined || req.freeze !== undefined || req.alignment
      ? {
          ...(req.steps !== undefined ? { steps: req.steps } : {}),
          ...(req.batchSize !== undefined ? { batchSize: req.batchSize } : {}),
          ...(req.freeze !== undefined ? { freeze: req.freeze } : {}),
          ...(req.alignment ? { alignment: req.alignment } : {}),
        }
      : undefined;
  // The run whose weights start this one: opened before anything is written, so a bad --run leaves nothing behind.
  const from = !prev && req.from !== undefined ? openFrom(req.from) : undefined;
  const opened = await openExperiment(
    {
      file,
      config: prev?.config ?? req.config,
      seed: prev?.seed ?? req.seed,
      backend: prev?.backend ?? req.backend,
      ...runOverrides({ overrides }),
      profileKernels: true,
      log: req.log,
    },
    exp,
  );
  const { session, backend, seed } = opened;
  const hooks = req.hooks ?? {};
  let run: RunDir | undefined = resumed;
  let trainer: Trainer | undefined;
  try {
    if (!run) {
      const runId = req.out ? path.basename(req.out) : newRunId(exp.name, session.config.name, seed);
      const dir = path.resolve(req.out ?? path.join(DEFAULT_RUNS_DIRECTORY, runId));
      const config: RunConfig = {
        runId,
        experiment: exp.name,
        file: exp.file ?? path.resolve(file),
        config: session.config.name,
        seed,
        backend,
        checkpointEvery: Math.max(1, req.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY),
        startTime: new Date().toISOString(),
        resolved: session.config,
        data,
        ...(exp.decl.dataset ? { dataset: { ...exp.decl.dataset } } : {}),
        ...(overrides ? { overrides } : {}),
        ...(from ? { from: { runDir: from.dir, runId: from.config.runId, startTime: from.config.startTime } } : {}),
        ...((labels) => (labels ? { inputLabels: labels } : {}))(inputLabels(exp, session)),
      };
      try {
        run = RunDir.create(dir, config);
        run.lock();
      } catch (e) {
        throw asIITError(e);
      }
    }
    const every = Math.max(1, req.checkpointEvery ?? run.config.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY);
    const cp = resumed ? resumed.readCheckpoint() : undefined;
    run.rewindTo(cp?.step ?? 0);
    // A resumed run started from another one reloads those weights only when it stopped before its first checkpoint.
    const start = from ?? (prev?.from && !cp ? openFrom(prev.from.runDir) : undefined);
    if (start && !cp) startFrom(session, start);
    const before = cp ? cp.before : session.config.evaluation.before ? await evaluate(session, { seed }) : undefined;
    trainer = new Trainer(session, seed);
    if (cp) {
      session.net.setParameters(cp.weights);
      trainer.setState(cp.trainer as unknown as TrainerState);
    }
    hooks.onStart?.({
      step: trainer.step,
      totalSteps: trainer.totalSteps,
      ...(cp ? { resumedFrom: cp.step } : {}),
      backend,
      runDir: run.dir,
    });
    const dir = run;
    const writeCheckpoint = async (t: Trainer) => {
      const st = await t.getState();
      dir.writeCheckpoint({
        step: st.step,
        time: new Date().toISOString(),
        ...(before ? { before } : {}),
        weights: await session.net.getParameters(),
        trainer: snapshot(st),
      });
      hooks.onCheckpoint?.(st.step);
    };
    const result = await train(session, {
      seed,
      trainer,
      ...(before ? { before } : {}),
      hooks: {
        onStep: (p) => {
          dir.addLosses(p.step, p.losses);
          hooks.onStep?.(p);
        },
        onEval: (step, metrics) => {
          dir.appendMetrics(step, metrics);
          hooks.onEval?.(step, metrics);
        },
        afterStep: async (t) => {
          const stop = hooks.cancelled?.() === true;
          if (stop || (t.step % every === 0 && t.step < t.totalSteps)) await writeCheckpoint(t);
          if (stop) throw new Cancelled(t.step, dir.dir);
          // Yield to the event loop every step, so a cancel (a message, a signal) is seen before the next batch.
          await new Promise((r) => setImmediate(r));
        },
      },
    }).catch((e: unknown) => Promise.reject(located(e)));
    const report = await buildReport({
      experiment: exp.name,
      config: session.config.name,
      backend,
      seed,
      steps: result.steps,
      metrics: result.metrics,
      ...(result.before ? { before: result.before } : {}),
      timing: { trainSeconds: result.trainSeconds, examplesPerSecond: result.examplesPerSecond },
      ...(result.droppedPairs ? { droppedPairs: result.droppedPairs } : {}),
      data: reportData(exp, data),
      net: session.net,
      params: req.params,
    });
    run.finish(report, await session.net.getParameters());
    return { report, runDir: run.dir };
  } catch (e) {
    if (run && e instanceof Cancelled) run.writeStatus({ status: 'cancelled', step: e.step });
    else if (run && !resumed && !req.keepFailed && e instanceof IITError) run.remove();
    else if (run)
      run.writeStatus({
        status: 'failed',
        step: trainer?.step ?? 0,
        error: e instanceof IITError ? e.oneLine() : String((e as Error)?.message ?? e),
      });
    throw e;
  } finally {
    run?.unlock();
    trainer?.dispose();
    session.dispose();
  }
}
