/**
 * A worker process (forked by the server) runs one job and exits: checking
 * an experiment file, training, or evaluating. A crash, an out-of-memory or
 * an infinite loop in an equation ends this process, never the server.
 */
import '../engine/index';
import { IITError, type SourceLocation } from '../engine/errors';
import { loadExperiment, refine } from '../engine/loader';
import { Session } from '../engine/session';
import { tf } from '../engine/tf';
import { describeExperiment } from '../describe';
import { evalRun, trainRun } from '../runner';

export type Job =
  | { kind: 'check'; file: string }
  | { kind: 'train'; file: string; config?: string; seed?: number; backend?: string; out: string }
  | { kind: 'evaluate'; file: string; runDir: string; backend?: string };

export interface WorkerError {
  code: string;
  message: string;
  fix?: string;
  location?: SourceLocation;
  subject?: string;
}

function toError(e: unknown): WorkerError {
  if (e instanceof IITError) {
    const r = refine(e);
    return { code: r.code, message: r.message, fix: r.fix, location: r.location, subject: r.subject };
  }
  return { code: 'internal', message: (e as Error)?.stack ?? String(e) };
}

const send = (m: unknown) => process.send?.(m);
const abort = new AbortController();

async function run(job: Job): Promise<void> {
  if (job.kind === 'check') {
    await tf.setBackend('cpu');
    const exp = await loadExperiment(job.file);
    const session = new Session(exp, exp.resolve(), 0);
    try {
      send({ type: 'info', info: describeExperiment(exp, session) });
    } finally {
      session.dispose();
    }
  } else if (job.kind === 'train') {
    const { report, runDir } = await trainRun({
      file: job.file,
      config: job.config,
      seed: job.seed,
      backend: job.backend,
      out: job.out,
      hooks: {
        signal: abort.signal,
        onStep: (p) => send({ type: 'step', progress: p }),
        onEval: (step, metrics) => send({ type: 'eval', step, metrics }),
      },
    });
    send({ type: 'done', report, runDir });
  } else {
    const report = await evalRun({ file: job.file, runDir: job.runDir, backend: job.backend });
    send({ type: 'done', report, runDir: job.runDir });
  }
}

process.on('message', (m: Job | { kind: 'cancel' }) => {
  if (m.kind === 'cancel') {
    abort.abort();
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
