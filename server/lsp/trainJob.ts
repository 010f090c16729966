/**
 * A server-side training run in a worker process. Unlike the CLI's run (one
 * temporary directory renamed at the end), a server run lives in its run
 * directory from the start so that it can be resumed: `metrics.jsonl` is
 * appended and fsynced at every evaluation, and `checkpoint.json` (weights,
 * optimizer slots, RNG states, data cursor, step) is written atomically every
 * N steps and on cancel. The report is built exactly as the CLI builds it.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { activateBackend, kernelsNeeded } from '../backend';
import { IITError } from '../engine/errors';
import { evaluate } from '../engine/evaluate';
import { loadExperiment, refine } from '../engine/loader';
import type { Metrics } from '../engine/metrics';
import type { ParameterValues } from '../engine/network';
import { buildReport, saveWeights, writeFileAtomic, type Report } from '../engine/report';
import { Session } from '../engine/session';
import { train, Trainer, type StepProgress, type TrainerState } from '../engine/train';

export interface RunConfigFile {
  runId: string;
  experiment: string;
  file: string;
  config: string;
  seed: number;
  backend: string;
  checkpointEvery: number;
  startTime: string;
  resolved?: unknown;
  /** Experiment.dataDigest() when the run started: a resume on other data is refused. */
  data?: string;
}

interface Checkpoint {
  version: 1;
  step: number;
  time: string;
  before?: Metrics;
  weights: Record<string, { shape: number[]; f32: string }>;
  trainer: Omit<TrainerState, 'optimizer'> & {
    optimizer: { step: number; slots: Record<string, { shape: number[]; f32: string }[]> };
  };
}

const f32 = (xs: ArrayLike<number>) => Buffer.from(Float32Array.from(xs).buffer).toString('base64');
const unf32 = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
};

export const CHECKPOINT = 'checkpoint.json';
export const STATUS = 'status.json';

export class Cancelled extends Error {
  constructor(readonly step: number) {
    super(`cancelled at step ${step}`);
  }
}

export interface TrainJobHooks {
  onStart: (s: { step: number; totalSteps: number; resumedFrom?: number; backend: string }) => void;
  onStep: (p: StepProgress) => void;
  onEval: (step: number, metrics: Metrics) => void;
  onCheckpoint: (step: number) => void;
  /** Polled after each step: true stops the run after writing a checkpoint. */
  cancelled: () => boolean;
}

const loc = (e: unknown) => (e instanceof IITError ? refine(e) : e);

/** Appends one line and fsyncs it, so a killed run keeps every evaluation it reported. */
function appendLine(file: string, line: unknown): void {
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, JSON.stringify(line) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function readCheckpoint(runDir: string): Checkpoint | undefined {
  const f = path.join(runDir, CHECKPOINT);
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, 'utf8')) as Checkpoint;
}

async function writeCheckpoint(
  runDir: string,
  session: Session,
  trainer: Trainer,
  before: Metrics | undefined,
): Promise<void> {
  const st = await trainer.getState();
  const params = await session.net.getParameters();
  const cp: Checkpoint = {
    version: 1,
    step: st.step,
    time: new Date().toISOString(),
    ...(before ? { before } : {}),
    weights: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, { shape: v.shape, f32: f32(v.values) }])),
    trainer: {
      ...st,
      optimizer: {
        step: st.optimizer.step,
        slots: Object.fromEntries(
          Object.entries(st.optimizer.slots).map(([k, vs]) => [
            k,
            vs.map((v) => ({ shape: v.shape, f32: f32(v.values) })),
          ]),
        ),
      },
    },
  };
  writeFileAtomic(path.join(runDir, CHECKPOINT), JSON.stringify(cp));
}

/**
 * Trains into `runDir`. A fresh run needs `file` etc.; a resumed run reads
 * them from the run's config.json and continues from its checkpoint (or from
 * the start when it was killed before the first one).
 */
export async function trainJob(
  job: {
    runDir: string;
    resume: boolean;
    file?: string;
    config?: string;
    seed?: number;
    backend?: string;
    checkpointEvery?: number;
    runId: string;
  },
  hooks: TrainJobHooks,
): Promise<{ report: Report; runDir: string }> {
  const { runDir } = job;
  let cfgFile: RunConfigFile | undefined;
  if (job.resume) {
    try {
      cfgFile = JSON.parse(readFileSync(path.join(runDir, 'config.json'), 'utf8')) as RunConfigFile;
    } catch {
      throw new IITError(
        'load',
        `${runDir} is not a resumable run (config.json missing or unreadable)`,
        'resume a run started by the IIT server',
      );
    }
  }
  const file = cfgFile?.file ?? job.file!;
  const seed = cfgFile?.seed ?? job.seed ?? 0;
  const every = Math.max(1, job.checkpointEvery ?? cfgFile?.checkpointEvery ?? 50);
  const exp = await loadExperiment(file).catch((e) => Promise.reject(loc(e)));
  const data = exp.dataDigest();
  if (cfgFile?.data !== undefined && cfgFile.data !== data) {
    throw new IITError(
      'bad-config',
      `${runDir} was started on other data than ${path.basename(file)} now gives (a split's inputs or values changed)`,
      'start a new run, or restore the data the run was started with to resume it',
      { file, line: 1, column: 1 },
      'data',
    );
  }
  let session: Session;
  let backend: string;
  try {
    const config = exp.resolve(cfgFile?.config ?? job.config);
    backend = await activateBackend(
      cfgFile?.backend ?? job.backend ?? 'auto',
      undefined,
      await kernelsNeeded(exp, config, seed),
    );
    session = new Session(exp, config, seed);
  } catch (e) {
    throw loc(e);
  }
  const metricsFile = path.join(runDir, 'metrics.jsonl');
  let trainer: Trainer | undefined;
  try {
    mkdirSync(runDir, { recursive: true });
    rmSync(path.join(runDir, STATUS), { force: true });
    if (!cfgFile) {
      cfgFile = {
        runId: job.runId,
        experiment: exp.name,
        file: exp.file ?? file,
        config: session.config.name,
        seed,
        backend,
        checkpointEvery: every,
        startTime: new Date().toISOString(),
        resolved: session.config,
        data,
      };
      writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify(cfgFile, null, 2) + '\n');
    }
    const cp = job.resume ? readCheckpoint(runDir) : undefined;
    // Evaluations after the checkpoint are measured again, so drop them.
    const kept = existsSync(metricsFile)
      ? readFileSync(metricsFile, 'utf8')
          .split('\n')
          .filter((l) => l.trim() && cp && (JSON.parse(l) as { step: number }).step <= cp.step)
      : [];
    writeFileAtomic(metricsFile, kept.map((l) => l + '\n').join(''));
    let before: Metrics | undefined;
    if (cp) {
      before = cp.before;
    } else if (session.config.evaluation.before) {
      before = await evaluate(session, { seed });
    }
    trainer = new Trainer(session, seed);
    if (cp) {
      const weights: ParameterValues = Object.fromEntries(
        Object.entries(cp.weights).map(([k, v]) => [k, { shape: v.shape, values: unf32(v.f32) }]),
      );
      session.net.setParameters(weights);
      trainer.setState({
        ...cp.trainer,
        optimizer: {
          step: cp.trainer.optimizer.step,
          slots: Object.fromEntries(
            Object.entries(cp.trainer.optimizer.slots).map(([k, vs]) => [
              k,
              vs.map((v) => ({ shape: v.shape, values: unf32(v.f32) })),
            ]),
          ),
        },
      });
    }
    hooks.onStart({
      step: trainer.step,
      totalSteps: trainer.totalSteps,
      ...(cp ? { resumedFrom: cp.step } : {}),
      backend,
    });
    const result = await train(session, {
      seed,
      trainer,
      ...(before ? { before } : {}),
      hooks: {
        onStep: hooks.onStep,
        onEval: (step, metrics) => {
          appendLine(metricsFile, { step, time: new Date().toISOString(), metrics });
          hooks.onEval(step, metrics);
        },
        afterStep: async (t) => {
          const stop = hooks.cancelled();
          if (stop || (t.step % every === 0 && t.step < t.totalSteps)) {
            await writeCheckpoint(runDir, session, t, before);
            hooks.onCheckpoint(t.step);
          }
          if (stop) throw new Cancelled(t.step);
          // Yield to the event loop every step so a cancel message is seen before the next batch.
          await new Promise((r) => setImmediate(r));
        },
      },
    }).catch((e) => Promise.reject(loc(e)));
    const report = await buildReport({
      experiment: exp.name,
      config: session.config.name,
      backend,
      seed,
      steps: result.steps,
      metrics: result.metrics,
      ...(result.before ? { before: result.before } : {}),
      timing: { trainSeconds: result.trainSeconds, examplesPerSecond: result.examplesPerSecond },
    });
    await saveWeights(runDir, session.net);
    writeFileAtomic(path.join(runDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    writeFileAtomic(path.join(runDir, STATUS), JSON.stringify({ status: 'finished', step: result.steps }) + '\n');
    rmSync(path.join(runDir, CHECKPOINT), { force: true });
    return { report, runDir };
  } finally {
    trainer?.dispose();
    session.dispose();
  }
}
