/**
 * A sweep's state, cell by cell: what the store holds (a report, a task's record) and what Slurm's queue says.
 * No engine: `iit-studio sweep status` and the language server (the Runs view) both read it.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { SweepCellState, SweepCellStatus, SweepStatus } from '../protocol/results';
import { runFile, sweepFile } from '../runs/layout';
import { readCellRecord, readSweep, writeSweep, type SweepManifest } from '../runs/sweep';
import { cancel, missingClients, queuedTasks, SlurmError, type QueuedTask } from './slurm';

/** squeue's states, in the sweep's words. */
function queueState(q: QueuedTask): SweepCellState {
  return q.state === 'RUNNING' || q.state === 'COMPLETING' || q.state === 'SUSPENDED' ? 'running' : 'queued';
}

/** The queue's tasks of the sweep's arrays, or why they could not be read. */
function readQueue(m: SweepManifest): { tasks: QueuedTask[]; problem?: string } {
  const missing = missingClients();
  if (missing.includes('squeue')) return { tasks: [], problem: 'squeue is not on PATH' };
  try {
    return { tasks: queuedTasks(m.submissions.map((s) => s.jobId)) };
  } catch (e) {
    return { tasks: [], problem: e instanceof SlurmError ? e.message : String(e) };
  }
}

/** The sweep stored in `store`, or undefined when there is none. */
export function sweepStatus(store: string): SweepStatus | undefined {
  const m = readSweep(store);
  if (!m) return undefined;
  const queue = readQueue(m);
  const cells = m.cells.map((c, index): SweepCellStatus => {
    const runDir = path.join(store, c.id);
    const base = { id: c.id, config: c.config, seed: c.seed, runDir };
    const record = readCellRecord(store, c.id);
    if (existsSync(runFile(runDir, 'report'))) return { ...base, state: 'finished' };
    // The newest submission that holds the cell decides what the queue says of it.
    const subs = m.submissions.filter((s) => s.cells.includes(index));
    const latest = subs[subs.length - 1];
    const queued = queue.tasks.find((q) => q.task === index && subs.some((s) => s.jobId === q.jobId));
    const progress = {
      ...(record?.step !== undefined ? { step: record.step } : {}),
      ...(record?.steps !== undefined ? { steps: record.steps } : {}),
    };
    if (queued) {
      const state = queueState(queued);
      return {
        ...base,
        state,
        job: `${queued.jobId}_${index}`,
        ...(queued.node && state === 'running' ? { node: queued.node } : {}),
        ...(queued.reason && state === 'queued' ? { reason: queued.reason } : {}),
        ...(state === 'running' && record?.state === 'running' ? progress : {}),
      };
    }
    const job = latest ? { job: `${latest.jobId}_${index}` } : {};
    if (record?.state === 'failed') return { ...base, ...job, state: 'failed', error: record.error ?? 'failed' };
    if (record?.state === 'cancelled') return { ...base, ...job, state: 'cancelled', ...progress };
    // Out of the queue yet not ended by the task itself: killed (SIGKILL, out of memory) or its node was lost.
    if (record?.state === 'running')
      return { ...base, ...job, state: latest?.cancelled ? 'cancelled' : 'stopped', ...progress };
    if (latest?.cancelled) return { ...base, ...job, state: 'cancelled' };
    return { ...base, ...job, state: latest ? 'not started' : 'not submitted' };
  });
  return {
    store,
    experiment: m.experiment,
    file: m.file,
    jobs: m.submissions.map((s) => s.jobId),
    cells,
    ...(queue.problem ? { queueProblem: queue.problem } : {}),
  };
}

/** The stores under `folder` (itself, or one level down: `.iit/tables/<experiment>`) that hold a sweep. */
export function findSweeps(folder: string): string[] {
  if (existsSync(sweepFile(folder, 'manifest'))) return [folder];
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .sort()
    .map((n) => path.join(folder, n))
    .filter((d) => existsSync(sweepFile(d, 'manifest')));
}

/** Cancels every array of the sweep in `store` not cancelled before (scancel); the job ids cancelled. */
export function cancelSweep(store: string): string[] {
  const m = readSweep(store);
  if (!m) throw new SlurmError(`no sweep in ${store}`, 'give the store `iit-studio sweep` submitted (--store DIR)');
  const live = m.submissions.filter((s) => !s.cancelled);
  cancel(live.map((s) => s.jobId));
  for (const s of live) s.cancelled = true;
  writeSweep(store, m);
  return live.map((s) => s.jobId);
}

/** The sweeps of a workspace folder: its tables' and its alignment searches' stores that hold one. */
export function workspaceSweeps(root: string): string[] {
  return [path.join(root, '.iit', 'tables'), path.join(root, '.iit', 'searches')].flatMap(findSweeps);
}
