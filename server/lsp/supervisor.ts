/**
 * Forks one worker process per job and turns every way it can end into a
 * message: its own result, a crash, a signal, an out-of-memory, or a time
 * limit. The server awaits `done` and never dies with a worker.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Job, WorkerError, WorkerMessage } from './jobs';

export type Outcome = Exclude<WorkerMessage, { type: 'started' | 'step' | 'eval' | 'checkpoint' }>;

export interface WorkerHandle {
  child: ChildProcess;
  done: Promise<Outcome>;
  kill(): void;
}

const FINAL = new Set(['done', 'error', 'info', 'cancelled', 'submitted']);
const live = new Set<ChildProcess>();

/** Ends every worker still running (server shutdown). */
export function killAllWorkers(): void {
  for (const c of live) c.kill('SIGKILL');
}

export function startWorker(job: Job, onMessage: (m: WorkerMessage) => void, timeoutMs?: number): WorkerHandle {
  // A debugger flag in the server's own arguments would make every worker fight for its port.
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  const child = fork(path.join(__dirname, 'worker.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv });
  live.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const done = new Promise<Outcome>((resolve) => {
    let last: Outcome | undefined;
    let timedOut = false;
    const timer = timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs)
      : undefined;
    child.on('message', (m: WorkerMessage) => {
      if (FINAL.has(m.type)) last = m as Outcome;
      try {
        onMessage(m);
      } catch {
        // A listener's failure must not stop supervision.
      }
    });
    child.on('error', () => undefined);
    child.on('exit', (code, signal) => {
      live.delete(child);
      if (timer) clearTimeout(timer);
      if (timedOut) {
        resolve({
          type: 'error',
          error: {
            code: 'timeout',
            message: `evaluation timed out after ${timeoutMs! / 1000} s (an equation or the network may loop forever)`,
            fix: 'make every equation terminate',
          },
        });
      } else if (last) resolve(last);
      else {
        const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const oom = /heap out of memory|Allocation failed|ERR_WORKER_OUT_OF_MEMORY/.test(stderr);
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        const error: WorkerError = {
          code: oom ? 'out-of-memory' : 'worker-crashed',
          message: `the worker ${why}${oom ? ' (out of memory)' : ''}${tail ? `: ${tail}` : ''}`,
          fix: oom
            ? 'use a smaller batch size or network, or give Node more memory (iitStudio.server.nodeArgs)'
            : 'resume the run from its last checkpoint',
        };
        resolve({ type: 'error', error });
      }
    });
  });
  child.send(job);
  return {
    child,
    done,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
