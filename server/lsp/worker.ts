/**
 * A worker process (forked by the server) runs one job and exits: checking
 * an experiment file, training, or evaluating. A crash, an out-of-memory or
 * an infinite loop in an equation ends this process, never the server.
 */
import '../engine/index';
import '../pvr/index';
import { Alignment } from '../engine/alignment';
import { IITError, type SourceLocation } from '../engine/errors';
import type { Experiment } from '../engine/experiment';
import { loadExperiment, refine } from '../engine/loader';
import { Session } from '../engine/session';
import { tf } from '../engine/tf';
import { describeExperiment } from '../describe';
import { evalRun } from '../runner';
import { Cancelled, trainJob } from './trainJob';

export type Job =
  | { kind: 'check'; file: string }
  | {
      kind: 'train';
      runId: string;
      runDir: string;
      resume: boolean;
      file?: string;
      config?: string;
      seed?: number;
      backend?: string;
      checkpointEvery?: number;
    }
  | { kind: 'evaluate'; file: string; runDir: string; backend?: string };

export interface WorkerError {
  code: string;
  message: string;
  fix?: string;
  location?: SourceLocation;
  subject?: string;
}

/** Messages a worker sends to the server. */
export type WorkerMessage =
  | { type: 'info'; info: ReturnType<typeof describeExperiment> }
  | { type: 'started'; step: number; totalSteps: number; resumedFrom?: number; backend: string }
  | { type: 'step'; progress: import('../engine/train').StepProgress }
  | { type: 'eval'; step: number; metrics: import('../engine/metrics').Metrics }
  | { type: 'checkpoint'; step: number }
  | { type: 'done'; report: import('../engine/report').Report; runDir: string }
  | { type: 'cancelled'; step: number; requestedAt?: number }
  | { type: 'error'; error: WorkerError };

function toError(e: unknown): WorkerError {
  if (e instanceof IITError) {
    const r = refine(e);
    return { code: r.code, message: r.message, fix: r.fix, location: r.location, subject: r.subject };
  }
  return { code: 'internal', message: (e as Error)?.stack ?? String(e) };
}

const send = (m: WorkerMessage) => process.send?.(m);

/**
 * Every configuration besides the default one, as far as it can be checked without building
 * another network: its settings resolve, and an alignment of its own fits the network.
 */
function checkConfigs(exp: Experiment, session: Session): void {
  const own = JSON.stringify(session.config.alignment);
  for (const name of exp.configNames.slice(1)) {
    try {
      const c = exp.resolve(name);
      if (JSON.stringify(c.alignment) !== own)
        new Alignment(c.alignment, exp.model as never, session.net, exp.location).dispose();
    } catch (e) {
      if (!(e instanceof IITError) || e.message.startsWith(`configuration ${name}:`)) throw e;
      // Name the configuration, so the editor puts the error on its declaration.
      throw new IITError(e.code, `configuration ${name}: ${e.message}`, e.fix, e.location, e.subject);
    }
  }
}
let cancel = false;
/** The last step finished when the cancel arrived. */
let step = 0;
let requestedAt: number | undefined;

async function run(job: Job): Promise<void> {
  if (job.kind === 'check') {
    await tf.setBackend('cpu');
    const exp = await loadExperiment(job.file);
    const session = new Session(exp, exp.resolve(), 0);
    try {
      checkConfigs(exp, session);
      send({ type: 'info', info: describeExperiment(exp, session) });
    } finally {
      session.dispose();
    }
  } else if (job.kind === 'train') {
    try {
      const { report, runDir } = await trainJob(job, {
        onStart: (s) => send({ type: 'started', ...s }),
        onStep: (p) => {
          step = p.step;
          send({ type: 'step', progress: p });
        },
        onEval: (step, metrics) => send({ type: 'eval', step, metrics }),
        onCheckpoint: (step) => send({ type: 'checkpoint', step }),
        cancelled: () => cancel,
      });
      send({ type: 'done', report, runDir });
    } catch (e) {
      if (e instanceof Cancelled)
        send({ type: 'cancelled', step: e.step, ...(requestedAt !== undefined ? { requestedAt } : {}) });
      else throw e;
    }
  } else {
    const report = await evalRun({ file: job.file, runDir: job.runDir, backend: job.backend });
    send({ type: 'done', report, runDir: job.runDir });
  }
}

// The server is gone: stop rather than train for nobody (a busy loop never gets here; the server SIGKILLs those).
process.on('disconnect', () => process.exit(0));

process.on('message', (m: Job | { kind: 'cancel' }) => {
  if (m.kind === 'cancel') {
    if (!cancel) requestedAt = step;
    cancel = true;
    return;
  }
  run(m).then(
    () => process.disconnect?.(),
    (e) => {
      send({ type: 'error', error: toError(e) });
      process.disconnect?.();
    },
  );
});
