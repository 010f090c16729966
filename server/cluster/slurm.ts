/**
 * Slurm, through its own commands: `sbatch` submits a job array, `squeue` says which tasks are queued or running,
 * `scancel` stops them. Nothing here builds a scheduler; every call has a deadline, and a missing command or a
 * controller that does not answer is a `SlurmError` with what to do.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** A Slurm command that failed or is missing: the message says which and why, `fix` what to do. */
export class SlurmError extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

/** How long one Slurm command may take: a controller that does not answer must not hang the CLI or the server. */
const DEADLINE_MS = 30_000;

/** The client commands a sweep uses, each with the Debian package that holds it. */
const CLIENTS = ['sbatch', 'squeue', 'scancel'] as const;

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** The Slurm client commands that are not on PATH (none where Slurm is installed). */
export function missingClients(): string[] {
  return CLIENTS.filter((c) => !onPath(c));
}

/** Runs a Slurm command to its end (within the deadline); its stdout, or a `SlurmError` naming the command. */
function slurm(command: (typeof CLIENTS)[number], args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: DEADLINE_MS });
  const err = r.error as NodeJS.ErrnoException | undefined;
  if (err?.code === 'ENOENT')
    throw new SlurmError(
      `${command} is not on PATH`,
      "run this on the cluster's login node, where Slurm's commands are, or install them (Debian: slurm-client)",
    );
  if (err?.code === 'ETIMEDOUT')
    throw new SlurmError(
      `${command} did not answer within ${DEADLINE_MS / 1000} s`,
      'check that the Slurm controller is up (sinfo), then try again',
    );
  if (err) throw new SlurmError(`${command} could not start: ${err.message}`, 'check the Slurm installation');
  if (r.status !== 0) {
    const last = (r.stderr ?? '').trim().split('\n').filter(Boolean).pop() ?? `exit code ${r.status}`;
    throw new SlurmError(
      `${command} ${args.join(' ')} failed: ${last}`,
      'see Slurm’s message; sinfo shows the cluster',
    );
  }
  return r.stdout ?? '';
}

/** What a job array asks of Slurm: resources per task, where its log goes, and the one command every task runs. */
export interface ArrayJob {
  name: string;
  /** The array's task ids (the sweep's cell indices). */
  tasks: number[];
  /** Each task's log; `%A` is the array's job id, `%a` the task id. */
  output: string;
  /** The folder every task starts in. */
  chdir: string;
  /** The command each task runs; `$SLURM_ARRAY_TASK_ID` is appended. */
  command: string[];
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  gpus?: string;
  mem?: string;
}

/** Task ids as Slurm's array syntax: 0,2,3,4,7 → `0,2-4,7`. */
export function arraySpec(tasks: number[]): string {
  const sorted = [...new Set(tasks)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** A word for bash: quoted unless it is plainly safe. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Paths in `#SBATCH` lines are not shell-parsed: these characters would be read wrongly there. */
export function directiveProblem(value: string): string | undefined {
  return /[\s'"\\]/.test(value) ? 'holds a space, a quote or a backslash' : undefined;
}

/**
 * The `sbatch` script of a job array. `--requeue` lets Slurm put a preempted task back in the queue (it resumes
 * from its checkpoint), and the log is appended to, so a requeued task's earlier lines stay.
 */
export function arrayScript(job: ArrayJob, header: string[] = []): string {
  const directives: [string, string | number | undefined][] = [
    ['job-name', job.name],
    ['array', arraySpec(job.tasks)],
    ['output', job.output],
    ['open-mode', 'append'],
    ['chdir', job.chdir],
    ['requeue', undefined],
    ['partition', job.partition],
    ['time', job.time],
    ['cpus-per-task', job.cpusPerTask],
    ['gpus', job.gpus],
    ['mem', job.mem],
  ];
  const lines = [
    '#!/bin/bash',
    ...header.map((h) => `# ${h}`),
    ...directives
      .filter(([k, v]) => v !== undefined || k === 'requeue')
      .map(([k, v]) => (v === undefined ? `#SBATCH --${k}` : `#SBATCH --${k}=${v}`)),
    `exec ${job.command.map(shellWord).join(' ')} "$SLURM_ARRAY_TASK_ID"`,
  ];
  return lines.join('\n') + '\n';
}

/** Submits a script; the job id Slurm gave it. */
export function submit(scriptFile: string): string {
  const out = slurm('sbatch', ['--parsable', scriptFile]).trim();
  // --parsable prints `id` or `id;cluster`.
  const id = out.split(';')[0]!;
  if (!/^\d+$/.test(id)) throw new SlurmError(`sbatch printed '${out}', not a job id`, 'check the Slurm installation');
  return id;
}

/** One task of a job array as squeue sees it. */
export interface QueuedTask {
  jobId: string;
  task: number;
  /** squeue's state: PENDING, RUNNING, COMPLETING, REQUEUED, SUSPENDED, … */
  state: string;
  node?: string;
  reason?: string;
}

/** The tasks of these job arrays that Slurm still holds (queued, running or completing), one row per task. */
export function queuedTasks(jobIds: string[]): QueuedTask[] {
  if (!jobIds.length) return [];
  // --me: the user's own jobs (an id squeue no longer knows would make `--jobs` fail).
  const out = slurm('squeue', ['--me', '--noheader', '--array', '--format=%F|%K|%T|%N|%r']);
  const wanted = new Set(jobIds);
  const rows: QueuedTask[] = [];
  for (const line of out.split('\n')) {
    const [jobId, task, state, node, reason] = line.trim().split('|');
    if (!jobId || !wanted.has(jobId) || !/^\d+$/.test(task ?? '')) continue;
    rows.push({
      jobId,
      task: Number(task),
      state: state ?? 'UNKNOWN',
      ...(node ? { node } : {}),
      ...(reason && reason !== 'None' ? { reason } : {}),
    });
  }
  return rows;
}

/** Cancels whole job arrays, or single tasks as `<job>_<task>`. */
export function cancel(targets: string[]): void {
  if (targets.length) slurm('scancel', targets);
}
