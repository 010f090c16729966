/**
 * The run directory's layout: every file name of a run lives here and
 * nowhere else. A run is one directory under the runs directory
 * (`.iit/runs/` in the workspace folder by default).
 */
import path from 'node:path';

export const RUN_FILES = {
  /** What was run: experiment, file, configuration (as resolved), seed, backend, data digest, start time. */
  config: 'config.json',
  /** One line per evaluation: `{ step, time, metrics }`. */
  metrics: 'metrics.jsonl',
  /** One line per optimizer step: `{ step, losses }`. */
  losses: 'losses.jsonl',
  /** Unfinished runs: queued / running / cancelled / failed, the step and the error. */
  status: 'status.json',
  /** Weights, optimizer slots, RNG states and data cursor of the last checkpoint (unfinished runs). */
  checkpoint: 'checkpoint.json',
  /** The final report (finished runs). */
  report: 'report.json',
  /** TensorFlow.js weights format: manifest and float32 data. */
  model: 'model.json',
  weights: 'weights.bin',
  /** The pid of the process training the run now (two resumes at once would write every line twice). */
  lock: 'trainer.lock',
} as const;

/**
 * A sweep sent to a cluster scheduler keeps its own files in one folder of its store, beside the cells' run
 * directories (`<config>-seed<k>`, which never take this name).
 */
export const SWEEP_FOLDER = 'sweep';
export const SWEEP_FILES = {
  /** The sweep: experiment, cells, and each submission's job id and cells. */
  manifest: 'sweep.json',
  /** One `<cell>.json` per cell a task started: running / finished / failed / cancelled, host, pid, error. */
  cells: 'cells',
  /** One `<cell>.lock` per cell being trained: the task that holds it (two tasks never write one cell). */
  locks: 'locks',
  /** The scheduler's log of each task, and the submitted scripts. */
  logs: 'logs',
} as const;

export function sweepFile(store: string, name: keyof typeof SWEEP_FILES): string {
  return path.join(store, SWEEP_FOLDER, SWEEP_FILES[name]);
}

/** Written by extensions before runs recorded their own losses and labels; read, never written. */
export const LEGACY_FILES = { losses: 'losses.json', ui: 'ui.json' } as const;

export const DEFAULT_RUNS_DIRECTORY = path.join('.iit', 'runs');

/** A run id, as a folder name: no separators, no leading dot (partial directories start with one). */
export const RUN_ID = /^[A-Za-z0-9_][\w.-]{0,127}$/;

/** Configuration names in run ids and folders: 'NO TYPING' → 'NO_TYPING', 'IIT+MULTI' → 'IIT_MULTI'. */
export function plainName(name: string): string {
  return name.replace(/[^\w.-]+/g, '_');
}

/** `<name>-<config>-<seed>-<time>`: unique per start, sorted by time within one experiment and configuration. */
export function newRunId(name: string, config: string, seed: number, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return `${plainName(name)}-${plainName(config)}-${seed}-${stamp}`;
}

/**
 * A folder a setting names inside a workspace folder (relative to it; an absolute path must lie inside it too, so a
 * workspace's settings cannot point the server's writes and deletes elsewhere). Outside: the fallback and why.
 */
export function folderSetting(
  root: string,
  key: string,
  setting: string | undefined,
  fallback: string,
): { dir: string; problem?: string } {
  const dir = path.resolve(root, setting || fallback);
  if (inside(root, dir)) return { dir };
  return {
    dir: path.resolve(root, fallback),
    problem: `iitStudio.${key} ${JSON.stringify(setting)} lies outside the workspace folder ${root}; give a folder inside it, such as ${fallback}`,
  };
}

/** The runs directory of a workspace folder (the `iitStudio.runsDirectory` setting, inside the folder). */
export function runsDirectory(root: string, setting?: string): string {
  return folderSetting(root, 'runsDirectory', setting, DEFAULT_RUNS_DIRECTORY).dir;
}

export function runFile(runDir: string, name: keyof typeof RUN_FILES): string {
  return path.join(runDir, RUN_FILES[name]);
}

/** Whether `file` lies inside `dir` (or is it). */
export function inside(dir: string, file: string): boolean {
  const r = path.relative(dir, file);
  return !r.startsWith('..') && !path.isAbsolute(r);
}
