/**
 * `iit-studio sweep`: a table's (configuration × seed) cells as one Slurm job array. Submitting checks the grid as
 * `table` does and sends only the cells the store lacks; each array task is `iit-studio sweep task <store> <i>`,
 * which trains its cell through the one pipeline (`trainRun`) into the store, so a finished cell is never trained
 * again, a stopped one (scancel, preemption, requeue) resumes from its checkpoint, and `table --store` gathers the
 * same table as a local run. A lock per cell keeps two tasks off one cell; a failed cell keeps its one-line error
 * and nothing else.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { arrayScript, directiveProblem, missingClients, queuedTasks, submit, type QueuedTask } from '../cluster/slurm';
import { IITError } from '../engine/errors';
import type { SlurmResources, SweepSubmitted } from '../protocol/results';
import { RunDirError } from '../runs/errors';
import { writeFileAtomic } from '../runs/files';
import { inside, sweepFile } from '../runs/layout';
import {
  claimCell,
  readSweep,
  releaseCell,
  thisTask,
  writeCellRecord,
  writeSweep,
  type CellRecord,
  type SweepCell,
  type SweepManifest,
  type SweepSearch,
  type TaskHolder,
} from '../runs/sweep';
import { storedRun, type CliCommand } from './cells';
import { located } from './open';
import { cellId, openTableGrid, storedCell } from './table';
import { alignRun } from './align';
import { dropStale, openSearchGrid, searchCellId } from './search';
import { Cancelled, trainRun, type RunHooks } from './train';

export { cancelSweep, findSweeps, sweepStatus, workspaceSweeps } from '../cluster/status';
export type { SlurmResources, SweepSubmitted } from '../protocol/results';

/** An alignment search sent as a sweep: the cells `iit-studio search` would train (variable × site × k). */
export interface SweepSearchRequest {
  run: string;
  sites: string[];
  dims: number[];
  variables?: string[];
  config?: string;
  seed?: number;
  steps?: number;
}

export interface SweepRequest {
  file: string;
  /** Instead of the table's (configuration × seed): an alignment search's cells. */
  search?: SweepSearchRequest;
  configs?: string[];
  seeds: number;
  store?: string;
  backend?: string;
  checkpointEvery?: number;
  resources?: SlurmResources;
  /** Print the script and the cells; write and submit nothing. */
  dryRun?: boolean;
  /** How a task starts `iit-studio` on the compute node: this Node and this installation. */
  cli: CliCommand;
  /** The folder tasks start in and the default store lies under (the working folder by default). */
  root?: string;
  log?: (line: string) => void;
}

const sweepError = (message: string, fix: string) => new IITError('bad-config', message, fix);

/** Why this machine cannot submit: the Slurm commands that are missing, as one error. */
function needSlurm(): void {
  const missing = missingClients();
  if (!missing.length) return;
  throw sweepError(
    `sweep --slurm: Slurm's ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not on PATH`,
    "run it on the cluster's login node, where Slurm's commands are, or install them (Debian: slurm-client); on one machine use `iit-studio table --jobs N`",
  );
}

/** The cells a sweep asks for, checked as `table` or `search` checks them, each with whether the store lacks it. */
async function sweepGrid(
  req: SweepRequest,
  root: string,
): Promise<{
  experiment: string;
  file: string;
  store: string;
  search?: SweepSearch;
  cells: (SweepCell & { toRun: boolean })[];
}> {
  if (req.search) {
    const q = req.search;
    const g = await openSearchGrid({ file: req.file, ...q, store: req.store, root });
    return {
      experiment: g.exp.name,
      file: g.exp.file ?? path.resolve(req.file),
      store: g.store,
      search: {
        run: g.source.dir,
        config: g.config.name,
        seed: q.seed ?? 0,
        ...(q.steps !== undefined ? { steps: q.steps } : {}),
      },
      cells: g.cells
        .filter((c) => !c.skipped)
        .map((c) => ({
          id: searchCellId(c.variable, c.site, c.dims),
          config: g.config.name,
          seed: q.seed ?? 0,
          variable: c.variable,
          site: c.site,
          dims: c.dims,
          toRun: c.iia === undefined,
        })),
    };
  }
  const g = await openTableGrid({ ...req, root });
  return {
    experiment: g.exp.name,
    file: g.file,
    store: g.store,
    cells: g.cells.map((c) => ({
      id: cellId(c.config, c.seed),
      config: c.config,
      seed: c.seed,
      toRun: !storedRun(c.dir, g.resolved.get(c.config), g.data),
    })),
  };
}

export async function submitSweep(req: SweepRequest): Promise<SweepSubmitted> {
  if (!req.dryRun) needSlurm();
  const cwd = path.resolve(req.root ?? process.cwd());
  const grid = await sweepGrid(req, cwd);
  const { store, file } = grid;
  for (const [what, p] of [
    ['the store', store],
    ['the working folder', cwd],
  ] as const) {
    const bad = directiveProblem(p);
    if (bad)
      throw sweepError(`sweep: ${what} ${p} ${bad}, which sbatch's #SBATCH lines cannot hold`, 'use --store DIR');
  }
  // Cells are only ever appended to a store's manifest: a task finds its cell by index, also in an older array.
  const old = readSweep(store);
  const cells = [...(old?.cells ?? [])];
  const asked = grid.cells.map(({ toRun, ...c }) => {
    let index = cells.findIndex((x) => x.id === c.id);
    if (index < 0) index = cells.push(c) - 1;
    else cells[index] = c;
    return { id: c.id, config: c.config, seed: c.seed, index, toRun } as SweepSubmitted['cells'][number];
  });
  const manifest: SweepManifest = {
    version: 1,
    experiment: grid.experiment,
    file,
    cwd,
    ...(grid.search ? { search: grid.search } : {}),
    ...(req.backend ? { backend: req.backend } : {}),
    ...(req.checkpointEvery ? { checkpointEvery: req.checkpointEvery } : {}),
    cells,
    submissions: old?.submissions ?? [],
  };
  // A cell an earlier array still holds (queued or running) is not sent twice.
  for (const q of liveTasks(manifest)) {
    const c = asked.find((x) => x.index === q.task && x.toRun);
    if (c) Object.assign(c, { toRun: false, queued: `${q.jobId}_${q.task}` });
  }
  const tasks = asked.filter((c) => c.toRun).map((c) => c.index);
  const script = arrayScript(
    {
      name: `iit-${grid.experiment}`.slice(0, 64),
      tasks: tasks.length ? tasks : [0],
      output: path.join(sweepFile(store, 'logs'), '%A_%a.log'),
      chdir: cwd,
      command: [req.cli.command, ...req.cli.args, 'sweep', 'task', store],
      ...req.resources,
    },
    [`IIT Studio sweep of ${grid.experiment} (${file}): ${tasks.length} of ${asked.length} cells`, `store: ${store}`],
  );
  const result: SweepSubmitted = { store, experiment: grid.experiment, script, cells: asked };
  if (req.dryRun || !tasks.length) return result;

  writeSweep(store, manifest);
  const scriptFile = path.join(sweepFile(store, 'logs'), `array-${manifest.submissions.length + 1}.sbatch`);
  writeFileAtomic(scriptFile, script);
  const jobId = submit(scriptFile);
  manifest.submissions.push({ jobId, cells: tasks, time: new Date().toISOString(), script: scriptFile });
  writeSweep(store, manifest);
  req.log?.(`submitted job array ${jobId}: ${tasks.length} cell${tasks.length === 1 ? '' : 's'}`);
  return { ...result, scriptFile, jobId };
}

/** The tasks of the sweep's earlier arrays that Slurm still holds (none when the queue cannot be read). */
function liveTasks(m: SweepManifest): QueuedTask[] {
  const jobs = m.submissions.filter((s) => !s.cancelled);
  if (!jobs.length) return [];
  try {
    return queuedTasks(jobs.map((s) => s.jobId)).filter((q) =>
      jobs.some((s) => s.jobId === q.jobId && s.cells.includes(q.task)),
    );
  } catch {
    return [];
  }
}

/** The one line a failed cell keeps: file, line and fix for bad input, else the message. */
export function errorLine(e: unknown): string {
  const err = located(e);
  if (err instanceof IITError) {
    if (err.location && inside(process.cwd(), err.location.file))
      err.location = { ...err.location, file: path.relative(process.cwd(), err.location.file) };
    return err.oneLine();
  }
  if (err instanceof RunDirError) return `${err.message} — ${err.fix}`;
  return (err as Error)?.message ?? String(err);
}

/** Whether a lock's holder on another host still runs, by the queue (unknown: assumed running, so never two). */
function runningInQueue(h: TaskHolder): boolean {
  if (!h.jobId || h.task === undefined) return true;
  try {
    return queuedTasks([h.jobId]).some((q) => q.task === h.task && q.state !== 'PENDING');
  } catch {
    return true;
  }
}

/**
 * How to train a cell, by the one pipeline, as `table` or `search` would: nothing when the store holds it finished,
 * a resume when it holds it stopped; a stale stored cell (another configuration, run or data) is deleted first.
 */
async function cellTrainer(
  m: SweepManifest,
  cell: SweepCell,
  store: string,
  log?: (line: string) => void,
): Promise<((hooks: RunHooks) => Promise<unknown>) | undefined> {
  const dir = path.join(store, cell.id);
  const shared = { ...(m.checkpointEvery ? { checkpointEvery: m.checkpointEvery } : {}) };
  if (m.search) {
    const { run, config, seed, steps } = m.search;
    if (!cell.variable || !cell.site || !cell.dims) throw new Error(`sweep: search cell ${cell.id} has no place`);
    const { variable, site, dims } = cell as Required<SweepCell>;
    const grid = await openSearchGrid({
      file: m.file,
      run,
      config,
      seed,
      ...(steps !== undefined ? { steps } : {}),
      sites: [site],
      dims: [dims],
      variables: [variable],
      store,
    });
    const c = grid.cells[0]!;
    if (c.skipped) throw sweepError(`sweep: cell ${cell.id}: ${c.skipped}`, 'resubmit with smaller --dims');
    dropStale(grid, c, log);
    if (c.iia !== undefined) return undefined;
    if (c.resume) return (hooks) => trainRun({ resume: dir, ...shared, hooks });
    return (hooks) =>
      alignRun({
        file: m.file,
        run,
        config,
        site,
        dims,
        variables: [variable],
        seed,
        ...(steps !== undefined ? { steps } : {}),
        backend: m.backend,
        out: dir,
        ...shared,
        hooks,
      });
  }
  const grid = await openTableGrid({ file: m.file, configs: [cell.config], seeds: cell.seed + 1, store });
  const stored = storedCell(grid, { config: cell.config, seed: cell.seed, dir }, log);
  if (stored.report) return undefined;
  if (stored.resume) return (hooks) => trainRun({ resume: dir, ...shared, hooks });
  return (hooks) =>
    trainRun({ file: m.file, config: cell.config, seed: cell.seed, backend: m.backend, out: dir, ...shared, hooks });
}

export interface SweepTaskOptions {
  /** Polled after each step: true stops the run after a checkpoint (SIGTERM from scancel or preemption). */
  cancelled?: () => boolean;
  log?: (line: string) => void;
}

/**
 * One array task: trains cell `index` of the sweep in `store`. The outcome is the task's exit code: 0 finished (or
 * another task holds the cell), 130 stopped with a checkpoint, 2 the experiment failed (its one-line error is the
 * cell's record, and the cell's run directory is removed).
 */
export async function runSweepTask(store: string, index: number, opts: SweepTaskOptions = {}): Promise<number> {
  store = path.resolve(store);
  const m = readSweep(store);
  if (!m) throw sweepError(`sweep task: no sweep in ${store}`, 'give the store `iit-studio sweep` submitted');
  const cell = m.cells[index];
  if (!cell)
    throw sweepError(
      `sweep task: the sweep in ${store} has no cell ${index} (it has ${m.cells.length})`,
      'resubmit the sweep with `iit-studio sweep FILE --slurm`',
    );
  const me = thisTask();
  const holder = claimCell(store, cell.id, me, runningInQueue);
  if (holder) {
    opts.log?.(
      `${cell.id}: trained by ${holder.jobId ? `task ${holder.jobId}_${holder.task}` : 'another task'} on ${holder.host} (pid ${holder.pid}); this task leaves it`,
    );
    return 0;
  }
  const record = (r: Omit<CellRecord, keyof TaskHolder | 'time'>) =>
    writeCellRecord(store, cell.id, { ...me, time: new Date().toISOString(), ...r });
  const dir = path.join(store, cell.id);
  let steps: number | undefined;
  let step: number | undefined;
  try {
    record({ state: 'running' });
    const train = await cellTrainer(m, cell, store, opts.log);
    if (train) {
      let written = 0;
      await train({
        cancelled: opts.cancelled,
        onStart: (s) => {
          steps = s.totalSteps;
          step = s.step;
          opts.log?.(
            `${cell.id}: ${s.resumedFrom !== undefined ? `resuming at step ${s.resumedFrom}` : 'training'} on ${s.backend}`,
          );
          record({ state: 'running', step, steps });
        },
        onStep: (p) => {
          step = p.step;
          // The record says how far the cell is; written every few seconds, not every step.
          if (Date.now() - written < 2000) return;
          written = Date.now();
          record({ state: 'running', step, ...(steps !== undefined ? { steps } : {}) });
        },
      });
    }
    record({ state: 'finished', ...(steps !== undefined ? { step: steps, steps } : {}) });
    opts.log?.(`${cell.id}: finished`);
    return 0;
  } catch (e) {
    // A stop that lands before the first step is a cancel too, not a failure of the experiment: scancel's SIGTERM
    // reaches esbuild's service as well, and its failing load can come before our own handler has run.
    if (!(e instanceof Cancelled) && opts.cancelled) await new Promise((r) => setTimeout(r, 500));
    if (e instanceof Cancelled || opts.cancelled?.()) {
      const at = e instanceof Cancelled ? e.step : (step ?? 0);
      record({ state: 'cancelled', step: at, ...(steps !== undefined ? { steps } : {}) });
      opts.log?.(
        `${cell.id}: stopped at step ${at}${e instanceof Cancelled ? ' with a checkpoint' : ''}; a requeue or a resubmission resumes it`,
      );
      return 130;
    }
    const line = errorLine(e);
    // A failed cell stores nothing but its error: no half-trained run to be mistaken for a result.
    if (existsSync(dir) && inside(store, dir)) rmSync(dir, { recursive: true, force: true });
    record({ state: 'failed', error: line });
    opts.log?.(`${cell.id}: failed: ${line}`);
    return e instanceof IITError || e instanceof RunDirError ? 2 : 1;
  } finally {
    releaseCell(store, cell.id, me);
  }
}
