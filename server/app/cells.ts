/**
 * What a grid of runs needs, whatever its axes (`table`: configuration × seed; `search`: variable × site × k): a
 * stored cell is reused only when it is the same run (the configuration as now resolved, on the same data), cells
 * train at most `n` at a time, and side by side each is an `iit-studio` child process that cannot outlive the grid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { wasmThreadsWanted } from '../compute/backends';
import type { Experiment, ResolvedConfig } from '../engine/experiment';
import type { Report } from '../engine/report';
import { readRun } from '../runs/list';
import { readRunConfig } from '../runs/runDir';
import { activateBackend, kernelsNeeded } from './backend';

function stable(x: unknown): string {
  return JSON.stringify(x);
}

/** Whether the stored run in `dir` was trained with the configuration as now resolved, on the same data. */
export function sameRun(dir: string, resolved: unknown, data: string): boolean {
  const c = readRunConfig(dir);
  return !!c && stable(c.resolved) === stable(JSON.parse(JSON.stringify(resolved))) && c.data === data;
}

/** The stored run's report when it is finished and is the same run. */
export function storedRun(dir: string, resolved: unknown, data: string): Report | undefined {
  return sameRun(dir, resolved, data) ? readRun(dir)?.report : undefined;
}

/** Runs `work` over `items`, at most `n` at a time; the first failure stops new work and is thrown once all settle. */
export async function pool<T>(items: T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const lane = async () => {
    while (failed === undefined && next < items.length) {
      const item = items[next++]!;
      await work(item).catch((e: unknown) => {
        failed ??= e;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, lane));
  if (failed !== undefined) throw failed;
}

/**
 * Runs side by side when unset: one per core (per `IIT_WASM_THREADS` cores) where the backend runs on the CPU
 * (wasm, cpu), since each run uses one; one where it is a GPU (or libtensorflow, threaded itself).
 */
export async function defaultJobs(exp: Experiment, config: ResolvedConfig, backend?: string): Promise<number> {
  const used = await activateBackend(backend ?? 'auto', undefined, await kernelsNeeded(exp, config, 0));
  const threads = used === 'wasm' ? wasmThreadsWanted() : 1;
  return used === 'wasm' || used === 'cpu' ? Math.max(1, Math.floor(os.availableParallelism() / threads)) : 1;
}

/** How to start `iit-studio` for a child run: the Node executable and the arguments before the command. */
export interface CliCommand {
  command: string;
  args: string[];
}

const children = new Set<ChildProcess>();
let exitHook = false;

/**
 * `iit-studio <args>` in a child process. A child that dies leaves a run without a report, which the next grid
 * resumes; its last error line becomes the grid's error (`what` names the cell in it).
 */
export function runChild(cli: CliCommand, args: string[], what: string): Promise<void> {
  if (!exitHook) {
    // Children must not outlive an interrupted grid.
    exitHook = true;
    process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(cli.command, [...cli.args, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on('error', (e) => {
      children.delete(child);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (code === 0) return resolve();
      const last = stderr.trim().split('\n').filter(Boolean).pop() ?? '';
      const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      // Bad input (exit 2) already says file, line and fix: pass it on as it is.
      if (code === 2 && last.startsWith('iit-studio: ')) reject(new ChildError(last.slice('iit-studio: '.length)));
      else reject(new Error(`${what} ${why}${last ? `: ${last}` : ''}`));
    });
  });
}

/** A child run's one-line bad-input message, printed by the CLI as it came. */
export class ChildError extends Error {}
