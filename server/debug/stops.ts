/**
 * The stop sequence of one intervention and moving along it. Stops are the six
 * steps, and inside the three causal-model steps one stop per equation in
 * topological order:
 *
 *   0 start · [V…] 1 model on the base · [V…] 2 model on the source ·
 *   [V…] 3 interchange · 4 network on the source · 5 patched base · 6 verdict
 *
 * Step over skips a step's equations, step in enters them, step out leaves
 * them; step back and reverse continue walk the same sequence backwards
 * (every step is computed up front, so going back shows what going forward
 * showed). Each stop also has its source line.
 */
import type { ExperimentLines, SourceLine } from './lines';
import { passOf, type EquationStep, type Trace } from './trace';

export const STEP_TITLES = [
  'start',
  'causal model on the base',
  'causal model on the source',
  'high-level interchange',
  'network on the source',
  'base with the site patched',
  'verdict',
] as const;
export const LAST_STEP = STEP_TITLES.length - 1;

/** A stop: a step, or one equation inside a causal-model step. */
export interface Position {
  step: number;
  variable?: string;
}

export type StopReason = 'entry' | 'step' | 'breakpoint';

/** The equation a stop is on, if it is on one. */
export function equationAt(t: Trace, pos: Position): EquationStep | undefined {
  return pos.variable ? passOf(t, pos.step)?.steps.find((s) => s.variable === pos.variable) : undefined;
}

/** The line a step's frame points at. */
export function stepLine(l: ExperimentLines, t: Trace, step: number): SourceLine {
  const sw = t.swaps[0]!;
  if (step === 1 || step === 2) return l.model;
  if (step === 3) return l.equations.get(sw.to) ?? l.model;
  if (step === 4) return l.alignment.get(sw.from) ?? l.experiment;
  if (step === 5) return l.alignment.get(sw.to) ?? l.experiment;
  return l.experiment;
}

/** The line a stop is on: its equation's, else its step's. */
export function stopLine(l: ExperimentLines, t: Trace, pos: Position): SourceLine {
  return (pos.variable && l.equations.get(pos.variable)) || stepLine(l, t, pos.step);
}

export interface StopEvents {
  /** The breakpoints a stop hits (their conditions evaluated there). */
  hits(pos: Position): number[];
  stop(reason: StopReason, breakpoints: number[]): void;
  end(): void;
}

export class Stops {
  private positions: Position[] = [];
  private cursor = 0;
  private ended = false;

  constructor(private readonly events: StopEvents) {}

  get position(): Position {
    return this.positions[this.cursor]!;
  }

  /** Lays out the stops of a (re)computed trace. Edits can add or drop equation stops; stay on the same step. */
  layout(t: Trace): void {
    const at = this.positions[this.cursor];
    const pos: Position[] = [{ step: 0 }];
    [t.baseRun, t.sourceRun, t.counterfactual].forEach((pass, i) => {
      for (const s of pass.steps) pos.push({ step: i + 1, variable: s.variable });
      pos.push({ step: i + 1 });
    });
    for (let k = 4; k <= LAST_STEP; k++) pos.push({ step: k });
    this.positions = pos;
    if (at)
      this.cursor = Math.max(
        0,
        pos.findIndex((q) => q.step === at.step && q.variable === at.variable),
      );
  }

  private isTop(i: number): boolean {
    return this.positions[i]!.variable === undefined;
  }

  private nextTop(i: number): number {
    for (let k = i + 1; k < this.positions.length; k++) if (this.isTop(k)) return k;
    return this.positions.length;
  }

  private hits(i: number): number[] {
    return this.events.hits(this.positions[i]!);
  }

  /** Moves forward to `target` (positions.length: the end), stopping early at a breakpoint. */
  private forward(target: number): void {
    if (this.ended) return;
    for (let k = this.cursor + 1; k < target; k++) {
      const ids = this.hits(k);
      if (ids.length) return this.stop(k, 'breakpoint', ids);
    }
    if (target >= this.positions.length) {
      this.ended = true;
      this.events.end();
      return;
    }
    const ids = this.hits(target);
    this.stop(target, ids.length ? 'breakpoint' : 'step', ids);
  }

  private stop(i: number, reason: StopReason, breakpoints: number[] = []): void {
    this.cursor = i;
    this.events.stop(reason, breakpoints);
  }

  start(stopOnEntry: boolean): void {
    if (stopOnEntry) this.stop(0, 'entry');
    else this.forward(this.positions.length);
  }

  next(): void {
    this.forward(this.isTop(this.cursor) ? this.nextTop(this.cursor) : this.cursor + 1);
  }

  stepIn(): void {
    const k = this.cursor + 1;
    if (k < this.positions.length && !this.isTop(k)) this.forward(k);
    else this.next();
  }

  stepOut(): void {
    this.forward(this.nextTop(this.cursor));
  }

  continue(): void {
    this.forward(this.positions.length);
  }

  stepBack(): void {
    let k = this.cursor - 1;
    if (this.isTop(this.cursor)) while (k > 0 && !this.isTop(k)) k--;
    this.stop(Math.max(0, k), 'step');
  }

  reverseContinue(): void {
    for (let k = this.cursor - 1; k > 0; k--) {
      const ids = this.hits(k);
      if (ids.length) return this.stop(k, 'breakpoint', ids);
    }
    this.stop(0, 'entry');
  }
}
