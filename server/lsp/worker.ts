/**
 * A worker process (forked by the server) runs one job and exits: checking
 * an experiment file, training, evaluating or submitting a sweep — each by the same app/
 * function the CLI calls. A crash, an out-of-memory or an infinite loop in
 * an equation ends this process, never the server.
 */
import { checkExperiment } from '../app/check';
import { evaluateRun } from '../app/evaluate';
import { located } from '../app/open';
import { submitSweep } from '../app/sweep';
import { Cancelled, trainRun } from '../app/train';
import { SlurmError } from '../cluster/slurm';
import { IITError } from '../engine/errors';
import type { Job, WorkerError, WorkerMessage } from './jobs';

function toError(e: unknown): WorkerError {
  const r = located(e);
  if (r instanceof IITError)
    return { code: r.code, message: r.message, fix: r.fix, location: r.location, subject: r.subject };
  if (r instanceof SlurmError) return { code: 'slurm', message: r.message, fix: r.fix };
  return { code: 'internal', message: (e as Error)?.stack ?? String(e) };
}

const send = (m: WorkerMessage) => process.send?.(m);

let cancel = false;
/** The last step finished when the cancel arrived. */
let step = 0;
let requestedAt: number | undefined;

async function run(job: Job): Promise<void> {
  if (job.kind === 'check') {
    send({ type: 'info', info: await checkExperiment(job.file) });
  } else if (job.kind === 'train') {
    try {
      const { report, runDir } = await trainRun({
        ...(job.resume ? { resume: job.runDir } : { file: job.file, out: job.runDir }),
        config: job.config,
        seed: job.seed,
        backend: job.backend,
        checkpointEvery: job.checkpointEvery,
        // The Runs view shows a failed run's error.
        keepFailed: true,
        hooks: {
          onStart: (s) =>
            send({
              type: 'started',
              step: s.step,
              totalSteps: s.totalSteps,
              backend: s.backend,
              ...(s.resumedFrom !== undefined ? { resumedFrom: s.resumedFrom } : {}),
            }),
          onStep: (p) => {
            step = p.step;
            send({ type: 'step', progress: p });
          },
          onEval: (step, metrics) => send({ type: 'eval', step, metrics }),
          onCheckpoint: (step) => send({ type: 'checkpoint', step }),
          cancelled: () => cancel,
        },
      });
      send({ type: 'done', report, runDir });
    } catch (e) {
      if (e instanceof Cancelled)
        send({ type: 'cancelled', step: e.step, ...(requestedAt !== undefined ? { requestedAt } : {}) });
      else throw e;
    }
  } else if (job.kind === 'sweep') {
    const { kind: _kind, ...req } = job;
    send({ type: 'submitted', submitted: await submitSweep(req) });
  } else {
    const report = await evaluateRun({ file: job.file, runDir: job.runDir, backend: job.backend });
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
