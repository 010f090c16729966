/**
 * The debugger's runtime: one interchange intervention (trace.ts) walked as a
 * sequence of stops (stops.ts), with breakpoints (breakpoints.ts), frames
 * (frames.ts), the Variables view (variablesView.ts) and Run All Pairs
 * (allPairs.ts). It knows nothing of the Debug Adapter Protocol: session.ts
 * maps its methods onto requests and its events ('stop', 'end', 'output')
 * onto DAP events.
 *
 * Every step is computed up front, and again after an edit in the Variables
 * view, so stepping back shows exactly the values stepping forward showed.
 */
import { EventEmitter } from 'node:events';
import type { Value } from '../engine/values';
import type { AllPairsResult, RunAllPairsArgs } from '../protocol/debug';
import { runAllPairs } from './allPairs';
import { Breakpoints, type BreakpointSpec, type ResolvedBreakpoint } from './breakpoints';
import { stack, type Frame } from './frames';
import { prepare, type LaunchArgs, type Prepared } from './launch';
import { equationAt, stopLine, Stops, type Position } from './stops';
import { alignedValues, computeTrace, type PairInput, type Trace } from './trace';
import { VariablesView, type ScopeView } from './variablesView';

// The types of this class's methods, for its one caller (session.ts).
export type { BreakpointSpec, ResolvedBreakpoint } from './breakpoints';
export type { Frame } from './frames';
export type { Position } from './stops';
export type { ScopeView, ViewNode } from './variablesView';

export class InterventionRuntime extends EventEmitter {
  private trace!: Trace;
  /** The user's counterfactual values (setVariable), joining the interchange's do(). */
  private edits: Record<string, Value> = {};
  private base: PairInput;
  private source: PairInput;
  private readonly stops = new Stops({
    hits: (pos) => this.hits(pos),
    stop: (reason, ids) => this.emit('stop', reason, ids),
    end: () => this.emit('end'),
  });
  private readonly breakpoints = new Breakpoints((text) => this.emit('output', text));
  private readonly view: VariablesView;

  private constructor(readonly prepared: Prepared) {
    super();
    this.base = prepared.base;
    this.source = prepared.source;
    this.view = new VariablesView(prepared, {
      setInput: async (which, variable, value) => {
        this[which] = { input: { ...this[which].input, [variable]: value } };
        await this.recompute();
      },
      setCounterfactual: async (variable, value) => {
        this.edits = { ...this.edits, [variable]: value };
        await this.recompute();
        return this.trace;
      },
    });
  }

  static async launch(args: LaunchArgs): Promise<InterventionRuntime> {
    const r = new InterventionRuntime(await prepare(args));
    try {
      await r.recompute();
    } catch (e) {
      r.dispose();
      throw e;
    }
    return r;
  }

  get position(): Position {
    return this.stops.position;
  }

  get current(): Trace {
    return this.trace;
  }

  get lines() {
    return this.prepared.lines;
  }

  private async recompute(): Promise<void> {
    const p = this.prepared;
    this.trace = await computeTrace(p.session, this.base, this.source, p.swaps, this.edits);
    this.stops.layout(this.trace);
  }

  // ----- breakpoints -----

  setBreakpoints(file: string, specs: BreakpointSpec[]): ResolvedBreakpoint[] {
    const l = this.prepared.lines;
    // Breakpoints bind to equations and alignment entries.
    return this.breakpoints.set(file, specs, [...l.equations.values(), ...l.alignment.values()]);
  }

  /** The breakpoints a stop hits: equation stops, and the alignment entry at steps 4 and 5. */
  private hits(pos: Position): number[] {
    if (!pos.variable && pos.step !== 4 && pos.step !== 5) return [];
    return this.breakpoints.hits(stopLine(this.prepared.lines, this.trace, pos), () => {
      const eq = equationAt(this.trace, pos);
      return eq
        ? { ...eq.parents, value: eq.value }
        : { value: alignedValues(this.trace, pos.step), site: this.trace.site };
    });
  }

  // ----- execution control -----

  start(stopOnEntry: boolean): void {
    this.stops.start(stopOnEntry);
  }

  next(): void {
    this.stops.next();
  }

  stepIn(): void {
    this.stops.stepIn();
  }

  stepOut(): void {
    this.stops.stepOut();
  }

  continue(): void {
    this.stops.continue();
  }

  stepBack(): void {
    this.stops.stepBack();
  }

  reverseContinue(): void {
    this.stops.reverseContinue();
  }

  // ----- what a stop shows -----

  stack(): Frame[] {
    return stack(this.prepared, this.trace, this.position);
  }

  /** One line for the Debug Console at each stop. */
  describeStop(): string {
    return `${this.stack()[0]!.name}\n`;
  }

  scopes(): ScopeView[] {
    return this.view.scopes(this.trace, this.position);
  }

  /** A value by name for hovers and watches: a variable of the current step, or base.V / source.V / counterfactual.V. */
  evaluate(expr: string): string | undefined {
    return this.view.evaluate(this.trace, this.position, expr);
  }

  runAllPairs(opts: RunAllPairsArgs = {}): Promise<AllPairsResult> {
    return runAllPairs(this.prepared, opts);
  }

  dispose(): void {
    this.prepared.session.dispose();
    this.removeAllListeners();
  }
}
