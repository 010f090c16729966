/**
 * A sweep's files in its store (`<store>/sweep/`): the manifest (which cells, which submissions), one record per
 * cell a task started, and one lock per cell being trained. The cells themselves are ordinary run directories of
 * the store, so `iit-studio table --store` reads them as it reads its own. Read without the engine: the language
 * server shows a sweep's state from these files and the scheduler's queue.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alive, readJson, writeJsonAtomic } from './files';
import { sweepFile } from './layout';

/** One cell of a sweep: a run directory of the store, trained by the array task with the cell's index. */
export interface SweepCell {
  /** The run directory's name in the store (`<config>-seed<k>`). */
  id: string;
  config: string;
  seed: number;
  /** An alignment search's cell: the variable aligned alone at `site` with `dims` coordinates. */
  variable?: string;
  site?: string;
  dims?: number;
}

/** An alignment search's sweep: the searched run and what every cell shares. */
export interface SweepSearch {
  /** The finished run whose frozen network is searched (absolute). */
  run: string;
  config: string;
  seed: number;
  steps?: number;
}

export interface SweepSubmission {
  /** The scheduler's job id of the array. */
  jobId: string;
  /** The cells (indices into `cells`) the array holds. */
  cells: number[];
  time: string;
  /** The submitted script (kept in the sweep's logs folder). */
  script: string;
  /** Set by `sweep cancel`. */
  cancelled?: boolean;
}

export interface SweepManifest {
  version: 1;
  experiment: string;
  /** The experiment file (absolute). */
  file: string;
  /** The folder tasks start in (relative experiment paths and data folders resolve from it). */
  cwd: string;
  backend?: string;
  checkpointEvery?: number;
  /** Set for an alignment search's (variable × site × k) cells; absent for a table's (configuration × seed). */
  search?: SweepSearch;
  cells: SweepCell[];
  submissions: SweepSubmission[];
}

/** Where a task is (or was) on the cluster. */
export interface TaskHolder {
  host: string;
  pid: number;
  jobId?: string;
  task?: number;
}

/** What the last task of a cell recorded: its state, and for a failure the one-line error. */
export interface CellRecord extends TaskHolder {
  state: 'running' | 'finished' | 'failed' | 'cancelled';
  time: string;
  /** Steps done, and of how many. */
  step?: number;
  steps?: number;
  error?: string;
}

export function readSweep(store: string): SweepManifest | undefined {
  const m = readJson<SweepManifest>(sweepFile(store, 'manifest'));
  return m && m.version === 1 && Array.isArray(m.cells) && Array.isArray(m.submissions) ? m : undefined;
}

export function writeSweep(store: string, m: SweepManifest): void {
  for (const f of ['cells', 'locks', 'logs'] as const) mkdirSync(sweepFile(store, f), { recursive: true });
  writeJsonAtomic(sweepFile(store, 'manifest'), m);
}

const cellFile = (store: string, folder: 'cells' | 'locks', id: string, ext: string) =>
  path.join(sweepFile(store, folder), `${id}.${ext}`);

export function readCellRecord(store: string, id: string): CellRecord | undefined {
  return readJson<CellRecord>(cellFile(store, 'cells', id, 'json'));
}

export function writeCellRecord(store: string, id: string, record: CellRecord): void {
  mkdirSync(sweepFile(store, 'cells'), { recursive: true });
  writeJsonAtomic(cellFile(store, 'cells', id, 'json'), record);
}

/** This process as a task: host, pid, and the array job and task Slurm gave it (when it runs under Slurm). */
export function thisTask(env: NodeJS.ProcessEnv = process.env): TaskHolder {
  const task = Number(env.SLURM_ARRAY_TASK_ID);
  return {
    host: os.hostname(),
    pid: process.pid,
    ...(env.SLURM_ARRAY_JOB_ID ? { jobId: env.SLURM_ARRAY_JOB_ID } : {}),
    ...(Number.isInteger(task) && env.SLURM_ARRAY_TASK_ID ? { task } : {}),
  };
}

/**
 * Whether the holder of a lock may still be training. On this host its pid tells; a holder that is this very
 * array task is an earlier start of it (Slurm runs a task once at a time: it was requeued or resubmitted); on
 * another host, `running` (the scheduler's queue) tells.
 */
function holderLives(h: TaskHolder, me: TaskHolder, running: (h: TaskHolder) => boolean): boolean {
  if (h.jobId && h.jobId === me.jobId && h.task === me.task) return false;
  if (h.host === me.host) return h.pid !== me.pid && alive(h.pid);
  return running(h);
}

/**
 * Claims a cell for this task: the lock file is created exclusively, so of two tasks only one trains a cell. A
 * stale lock (its holder gone) is taken over. Returns the live holder when another task has the cell.
 */
export function claimCell(
  store: string,
  id: string,
  me: TaskHolder,
  running: (h: TaskHolder) => boolean,
): TaskHolder | undefined {
  mkdirSync(sweepFile(store, 'locks'), { recursive: true });
  const f = cellFile(store, 'locks', id, 'lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(f, JSON.stringify(me) + '\n', { flag: 'wx' });
      return undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readHolder(f);
    if (holder ? holderLives(holder, me, running) : justWritten(f)) return holder ?? { host: '?', pid: 0 };
    rmSync(f, { force: true });
  }
  throw new Error(`could not claim sweep cell ${id}: ${f} keeps coming back`);
}

/** Releases this task's lock of a cell (never another task's). */
export function releaseCell(store: string, id: string, me: TaskHolder): void {
  const f = cellFile(store, 'locks', id, 'lock');
  const h = readHolder(f);
  if (h && h.host === me.host && h.pid === me.pid) rmSync(f, { force: true });
}

function readHolder(f: string): TaskHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(f, 'utf8')) as TaskHolder;
    return typeof h.host === 'string' && Number.isInteger(h.pid) ? h : undefined;
  } catch {
    return undefined;
  }
}

/** An unreadable lock younger than a few seconds is being written by its holder; an older one was torn by a kill. */
function justWritten(f: string): boolean {
  try {
    return Date.now() - statSync(f).mtimeMs < 5000;
  } catch {
    return false;
  }
}
