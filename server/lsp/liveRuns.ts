/**
 * The trainings this server runs now: each has a worker (or waits for a slot
 * in a FIFO queue, at most `maxConcurrentRuns` at once) and can be
 * cancelled, queued or running.
 */
import type { WorkerHandle } from './supervisor';

export interface LiveRun {
  runId: string;
  runDir: string;
  file: string;
  status: 'queued' | 'running';
  worker?: WorkerHandle;
  cancel(): void;
  step?: number;
  startTime: string;
  config?: string;
  seed?: number;
  backend?: string;
}

export class LiveRuns {
  private readonly byDir = new Map<string, LiveRun>();
  private readonly queue: { run: LiveRun; start: () => void }[] = [];

  constructor(private readonly maxRuns: () => number) {}

  get(runDir: string): LiveRun | undefined {
    return this.byDir.get(runDir);
  }

  all(): LiveRun[] {
    return [...this.byDir.values()];
  }

  find(runId: unknown): LiveRun | undefined {
    return typeof runId === 'string' ? this.all().find((r) => r.runId === runId) : undefined;
  }

  add(run: LiveRun): void {
    this.byDir.set(run.runDir, run);
  }

  private active(): number {
    return this.all().filter((r) => r.status === 'running').length;
  }

  /** Whether a new run would wait. */
  get full(): boolean {
    return this.queue.length > 0 || this.active() >= this.maxRuns();
  }

  /** Resolves now when a slot is free, else when one frees (FIFO). */
  slot(run: LiveRun): Promise<void> {
    if (this.active() < this.maxRuns() && !this.queue.length) return Promise.resolve();
    return new Promise((start) => this.queue.push({ run, start }));
  }

  /** A queued run leaves the queue (its turn resolves at once, and it sees it was cancelled). */
  dequeue(run: LiveRun): void {
    const i = this.queue.findIndex((q) => q.run === run);
    if (i >= 0) this.queue.splice(i, 1)[0]!.start();
  }

  /** A run ended: the next queued one starts (it marks itself running before its turn ends). */
  remove(run: LiveRun): void {
    this.byDir.delete(run.runDir);
    if (this.queue.length && this.active() < this.maxRuns()) this.queue.shift()!.start();
  }
}
