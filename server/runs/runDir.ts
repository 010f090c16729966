/**
 * One run directory, written in place from the start so that a stopped run
 * can be resumed: config.json first, then metrics and losses appended (and
 * fsynced) as they come, a checkpoint every N steps and on a stop, and at
 * the end weights, report.json and status `finished`. Every front end
 * trains through this one writer.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Metrics, Report, RunStatus } from '../protocol/results';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointState, type TensorValues } from './checkpoint';
import type { RunConfig } from './config';
import { RunDirError } from './errors';
import { alive, appendLines, readJson, readJsonLines, sweepTemps, writeFileAtomic, writeJsonAtomic } from './files';
import { runFile } from './layout';
import { readWeights, writeWeights } from './weights';

export interface MetricsLine {
  step: number;
  time: string;
  metrics: Metrics;
}

export interface LossLine {
  step: number;
  losses: Record<string, number>;
}

export interface StatusFile {
  status: RunStatus;
  step?: number;
  error?: string;
}

/** Losses are flushed at most this often (and at every evaluation, checkpoint and end). */
const LOSS_FLUSH_MS = 1000;

export class RunDir {
  private pendingLosses: LossLine[] = [];
  private lastFlush = Date.now();
  /** The user removed the directory while the run trained: nothing more is written (no ghost directory). */
  private removed = false;
  private locked = false;

  private constructor(
    readonly dir: string,
    readonly config: RunConfig,
  ) {}

  /** A new run in `dir` (absent, or empty: the server makes it when the request arrives). */
  static create(dir: string, config: RunConfig): RunDir {
    if (existsSync(dir) && readdirSync(dir).length)
      throw new RunDirError(`run directory ${dir} already exists`, 'choose another run directory, or resume it');
    mkdirSync(dir, { recursive: true });
    writeJsonAtomic(runFile(dir, 'config'), config);
    return new RunDir(dir, config);
  }

  /** An existing run, to resume or to read. */
  static open(dir: string): RunDir {
    sweepTemps(dir);
    const config = readRunConfig(dir);
    if (!config)
      throw new RunDirError(
        `${dir} is not a run directory (config.json missing or unreadable)`,
        'pass a directory written by `iit-studio train` or the IIT server',
      );
    return new RunDir(dir, config);
  }

  /**
   * Claims the run for this process until `unlock`. A lock whose process is gone (killed) is stale and taken over;
   * one whose process lives is an error: the run is training there.
   */
  lock(): void {
    const f = runFile(this.dir, 'lock');
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        writeFileSync(f, `${process.pid}\n`, { flag: 'wx' });
        this.locked = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const pid = Number(readPid(f));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
        throw new RunDirError(
          `run ${this.dir} is being trained by process ${pid}`,
          'wait for that training to end (or stop it), then resume the run',
        );
      rmSync(f, { force: true });
    }
    throw new RunDirError(`could not claim run ${this.dir} (${f} keeps coming back)`, 'try again');
  }

  unlock(): void {
    if (this.locked) rmSync(runFile(this.dir, 'lock'), { force: true });
    this.locked = false;
  }

  get finished(): boolean {
    return existsSync(runFile(this.dir, 'report'));
  }

  readCheckpoint(): CheckpointState | undefined {
    const f = runFile(this.dir, 'checkpoint');
    if (!existsSync(f)) return undefined;
    try {
      return decodeCheckpoint(readFileSync(f, 'utf8'));
    } catch {
      throw new RunDirError(
        `${f} is unreadable`,
        'delete checkpoint.json to resume from the start, or start a new run',
      );
    }
  }

  /** Before a resume: evaluations and losses after the checkpoint are measured again, so they go. */
  rewindTo(step: number): void {
    this.flushLosses();
    for (const name of ['metrics', 'losses'] as const) {
      const f = runFile(this.dir, name);
      const kept = readJsonLines<{ step: number }>(f).filter((l) => l.step <= step);
      writeFileAtomic(f, kept.map((l) => JSON.stringify(l) + '\n').join(''));
    }
    rmSync(runFile(this.dir, 'status'), { force: true });
  }

  /** Stops the run when its directory was removed under it, and removes what writes in flight left there. */
  private ensurePresent(): void {
    if (!this.removed && existsSync(runFile(this.dir, 'config'))) return;
    this.removed = true;
    rmSync(this.dir, { recursive: true, force: true });
    throw new RunDirError(
      `run directory ${this.dir} was removed while the run trained; the run is stopped`,
      'train it again to get a new run',
    );
  }

  appendMetrics(step: number, metrics: Metrics): void {
    this.flushLosses();
    appendLines(runFile(this.dir, 'metrics'), [
      { step, time: new Date().toISOString(), metrics } satisfies MetricsLine,
    ]);
  }

  addLosses(step: number, losses: Record<string, number>): void {
    this.pendingLosses.push({ step, losses });
    if (Date.now() - this.lastFlush >= LOSS_FLUSH_MS) this.flushLosses();
  }

  flushLosses(): void {
    this.ensurePresent();
    this.lastFlush = Date.now();
    const lines = this.pendingLosses;
    this.pendingLosses = [];
    appendLines(runFile(this.dir, 'losses'), lines);
  }

  writeCheckpoint(cp: CheckpointState): void {
    this.flushLosses();
    writeFileAtomic(runFile(this.dir, 'checkpoint'), encodeCheckpoint(cp));
  }

  writeStatus(status: StatusFile): void {
    if (this.removed || !existsSync(runFile(this.dir, 'config'))) return;
    this.flushLosses();
    writeRunStatus(this.dir, status);
  }

  /** Weights, report, status: the run is finished and needs no checkpoint any more. */
  finish(report: Report, weights: Record<string, TensorValues>): void {
    this.flushLosses();
    writeWeights(this.dir, weights);
    writeJsonAtomic(runFile(this.dir, 'report'), report);
    writeRunStatus(this.dir, { status: 'finished', step: report.steps });
    rmSync(runFile(this.dir, 'checkpoint'), { force: true });
  }

  readWeights(): Record<string, TensorValues> {
    const w = readWeights(this.dir);
    if (!w)
      throw new RunDirError(
        `no weights in run directory ${this.dir} (model.json missing)`,
        'pass a finished run (one with model.json)',
      );
    return w;
  }

  /** A fresh run that failed on bad input leaves nothing behind. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function readRunConfig(dir: string): RunConfig | undefined {
  return readJson<RunConfig>(runFile(dir, 'config'));
}

/** status.json, written whole; a directory removed meanwhile is not an error. */
export function writeRunStatus(dir: string, status: StatusFile): void {
  try {
    writeJsonAtomic(runFile(dir, 'status'), status);
  } catch {
    // the run directory was removed meanwhile
  }
}

/** Claims a new run's directory when the request arrives (before its worker writes config.json); false if taken. */
export function reserveRunDir(dir: string): boolean {
  if (existsSync(dir)) return false;
  mkdirSync(dir, { recursive: true });
  return true;
}

/**
 * A claimed directory whose run never started (cancelled while queued or while loading, or failed before its
 * config.json): removed, so no ghost is left and its id is free again. True when it was removed.
 */
export function releaseUnstartedRunDir(dir: string): boolean {
  if (existsSync(runFile(dir, 'config'))) return false;
  rmSync(dir, { recursive: true, force: true });
  return true;
}

function readPid(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
