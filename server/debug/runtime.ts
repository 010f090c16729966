/**
 * The debugger's runtime: walks one interchange intervention as a sequence
 * of stops and knows nothing of the Debug Adapter Protocol (the session maps
 * it). Stops are the six steps, and inside the three causal-model steps one
 * stop per equation in topological order:
 *
 *   0 start · [V…] 1 model on the base · [V…] 2 model on the source ·
 *   [V…] 3 interchange · 4 network on the source · 5 patched base · 6 verdict
 *
 * Every step is computed up front (and again after an edit), so stepping
 * back shows exactly the values stepping forward showed.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { swapKey } from '../engine/alignment';
import { matchPairs } from '../engine/evaluate';
import { wilson } from '../engine/metrics';
import { Rng } from '../engine/rng';
import { formatValue, type Value, type ValueSet } from '../engine/values';
import { describeInput, prepare, type LaunchArgs, type Prepared } from './launch';
import type { SourceLine } from './lines';
import { computeTrace, type EquationStep, type ModelPass, type PairInput, type TensorValue, type Trace } from './trace';

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

export interface Frame {
  name: string;
  file: string;
  line: number;
}

export interface BreakpointSpec {
  line: number;
  condition?: string;
}

export interface ResolvedBreakpoint {
  id: number;
  verified: boolean;
  line: number;
  message?: string;
}

export type StopReason = 'entry' | 'step' | 'breakpoint';

/** What the Variables view shows: named values, expandable, some editable. */
export interface ViewNode {
  name: string;
  value: string;
  type?: string;
  children?: () => ViewNode[];
  /** Present when the value may be edited; returns the new display value. */
  set?: (text: string) => Promise<string>;
}

export interface ScopeView {
  name: string;
  nodes: ViewNode[];
}

export interface AllPairsResult {
  variable: string;
  split: string;
  pairs: number;
  matches: number;
  iia: number;
  exact: boolean;
  interval?: [number, number];
  /** Mismatching (base, source) indices in the split, with their inputs (at most 500). */
  mismatches: { base: number; source: number; baseInput: string; sourceInput: string }[];
}

interface Bp extends ResolvedBreakpoint {
  file: string;
  condition?: string;
}

/** Numbers as people read them: float32 noise dropped (0.44999998 → 0.45). */
export function num(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

/** A tensor as one line: its values when few, else shape, min, max, mean. */
export function summary(t: TensorValue): string {
  const shape = `[${t.shape.join(', ')}]`;
  if (t.values.length <= 8) return `[${t.values.map(num).join(', ')}]  shape ${shape}`;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const x of t.values) {
    min = Math.min(min, x);
    max = Math.max(max, x);
    sum += x;
  }
  return `shape ${shape}  min ${num(min)}  max ${num(max)}  mean ${num(sum / t.values.length)}`;
}

/** A tensor's node: expands along its first axis down to single values. */
export function tensorNode(name: string, t: TensorValue): ViewNode {
  const children = (): ViewNode[] => {
    const [n = t.values.length, ...rest] = t.shape.length ? t.shape : [t.values.length];
    const size = rest.reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, i) => {
      const sub = { shape: rest, values: t.values.slice(i * size, (i + 1) * size) };
      return rest.length ? tensorNode(`[${i}]`, sub) : { name: `[${i}]`, value: num(sub.values[0]!), type: 'float32' };
    });
  };
  return { name, value: summary(t), type: `float32[${t.shape.join(',')}]`, children };
}

/** Reads a value typed in the Variables view against a value set (T/F, numbers, JSON, bare strings). */
export function parseValue(text: string, set: ValueSet): Value {
  const t = text.trim();
  const cands: unknown[] = [];
  if (/^(t|true)$/i.test(t)) cands.push(true);
  if (/^(f|false)$/i.test(t)) cands.push(false);
  if (t !== '' && !Number.isNaN(Number(t))) cands.push(Number(t));
  try {
    cands.push(JSON.parse(t.replace(/^\((.*)\)$/, '[$1]')));
  } catch {
    // not JSON: a bare string below
  }
  cands.push(t.replace(/^(['"])(.*)\1$/, '$2'));
  for (const c of cands) if (set.has(c)) return c as Value;
  throw new Error(`${t} is outside ${set.describe()}`);
}

export class InterventionRuntime extends EventEmitter {
  private trace!: Trace;
  private positions: Position[] = [];
  private cursor = 0;
  private edits: Record<string, Value> = {};
  private base: PairInput;
  private source: PairInput;
  private readonly breakpoints = new Map<string, Bp[]>();
  private nextBpId = 1;
  private ended = false;

  private constructor(readonly prepared: Prepared) {
    super();
    this.base = prepared.base;
    this.source = prepared.source;
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
    return this.positions[this.cursor]!;
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
    const at = this.positions[this.cursor];
    const pos: Position[] = [{ step: 0 }];
    const passes = [this.trace.baseRun, this.trace.sourceRun, this.trace.counterfactual];
    passes.forEach((pass, i) => {
      for (const s of pass.steps) pos.push({ step: i + 1, variable: s.variable });
      pos.push({ step: i + 1 });
    });
    for (let k = 4; k <= LAST_STEP; k++) pos.push({ step: k });
    this.positions = pos;
    // Edits can add or drop equation stops; stay on the same step.
    if (at)
      this.cursor = Math.max(
        0,
        pos.findIndex((q) => q.step === at.step && q.variable === at.variable),
      );
  }

  private passOf(step: number): ModelPass | undefined {
    return step === 1
      ? this.trace.baseRun
      : step === 2
        ? this.trace.sourceRun
        : step === 3
          ? this.trace.counterfactual
          : undefined;
  }

  private equation(pos: Position): EquationStep | undefined {
    return pos.variable ? this.passOf(pos.step)?.steps.find((s) => s.variable === pos.variable) : undefined;
  }

  // ----- source lines and breakpoints -----

  private stepLine(step: number): SourceLine {
    const l = this.prepared.lines;
    const sw = this.trace.swaps[0]!;
    if (step === 1 || step === 2) return l.model;
    if (step === 3) return l.equations.get(sw.to) ?? l.model;
    if (step === 4) return l.alignment.get(sw.from) ?? l.experiment;
    if (step === 5) return l.alignment.get(sw.to) ?? l.experiment;
    return l.experiment;
  }

  private lineOf(pos: Position): SourceLine {
    return (pos.variable && this.prepared.lines.equations.get(pos.variable)) || this.stepLine(pos.step);
  }

  /** Lines a breakpoint can bind to: equations and alignment entries. */
  private targets(): SourceLine[] {
    return [...this.prepared.lines.equations.values(), ...this.prepared.lines.alignment.values()];
  }

  setBreakpoints(file: string, specs: BreakpointSpec[]): ResolvedBreakpoint[] {
    const abs = path.resolve(file);
    const targets = this.targets().filter((t) => t.file === abs);
    const bps: Bp[] = specs.map((s) => {
      const t = targets.find((x) => x.first <= s.line && s.line <= x.last);
      return t
        ? { id: this.nextBpId++, file: abs, verified: true, line: t.line, condition: s.condition?.trim() || undefined }
        : {
            id: this.nextBpId++,
            file: abs,
            verified: false,
            line: s.line,
            message:
              'not an equation or alignment entry of this experiment: breakpoints stop where a variable is computed or an alignment entry is applied',
          };
    });
    this.breakpoints.set(abs, bps);
    return bps.map(({ id, verified, line, message }) => ({ id, verified, line, ...(message ? { message } : {}) }));
  }

  /** The breakpoints position i hits (conditions evaluated on its values). */
  private hits(i: number): number[] {
    const pos = this.positions[i]!;
    if (!pos.variable && pos.step !== 4 && pos.step !== 5) return [];
    const line = this.lineOf(pos);
    const out: number[] = [];
    for (const bp of this.breakpoints.get(line.file) ?? []) {
      if (!bp.verified || bp.line !== line.line) continue;
      if (!bp.condition || this.condition(bp.condition, pos)) out.push(bp.id);
    }
    return out;
  }

  private condition(cond: string, pos: Position): boolean {
    const eq = this.equation(pos);
    const env: Record<string, unknown> = eq
      ? { ...eq.parents, value: eq.value }
      : { value: this.alignedValues(pos.step), site: this.trace.site };
    try {
      return !!new Function(...Object.keys(env), `"use strict"; return (${cond});`)(...Object.values(env));
    } catch (e) {
      this.emit(
        'output',
        `breakpoint condition \`${cond}\` at ${path.basename(this.lineOf(pos).file)}:${this.lineOf(pos).line} throws: ${(e as Error).message}; stopping there\n`,
      );
      return true;
    }
  }

  private alignedValues(step: number): number[] {
    const t = this.trace;
    return step === 4
      ? t.sourceNeurons.map((i) => t.sourcePass[t.site]!.values[i]!)
      : t.targetNeurons.map((i) => t.siteAfter.values[i]!);
  }

  // ----- execution control -----

  private isTop(i: number): boolean {
    return this.positions[i]!.variable === undefined;
  }

  private nextTop(i: number): number {
    for (let k = i + 1; k < this.positions.length; k++) if (this.isTop(k)) return k;
    return this.positions.length;
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
      this.emit('end');
      return;
    }
    const ids = this.hits(target);
    this.stop(target, ids.length ? 'breakpoint' : 'step', ids);
  }

  private stop(i: number, reason: StopReason, breakpoints: number[] = []): void {
    this.cursor = i;
    this.emit('stop', reason, breakpoints);
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

  // ----- what a stop shows -----

  private title(step: number): string {
    const t = this.trace;
    const p = this.prepared;
    const v = swapKey(t.swaps);
    switch (step) {
      case 0:
        return `start: ${v}, base ${describeInput(t.base)}, source ${describeInput(t.source)} (${p.weights})`;
      case 1:
        return `causal model on the base ${describeInput(t.base)}`;
      case 2:
        return `causal model on the source ${describeInput(t.source)}`;
      case 3:
        return `interchange: do(${Object.entries(t.intervention)
          .map(([k, x]) => `${k} ← ${formatValue(x)}`)
          .join(', ')}) on the base → ${t.outputVariable} = ${formatValue(t.expected)}`;
      case 4:
        return `network on the source up to ${t.site}`;
      case 5:
        return `base with ${t.site} patched`;
      default:
        return `κ = ${formatValue(t.predicted)} vs counterfactual ${formatValue(t.expected)}: ${t.verdict}`;
    }
  }

  stack(): Frame[] {
    const pos = this.position;
    const frames: Frame[] = [];
    const eq = this.equation(pos);
    if (eq) {
      const ps = Object.entries(eq.parents)
        .map(([k, x]) => `${k}=${formatValue(x)}`)
        .join(', ');
      const line = this.lineOf(pos);
      frames.push({
        name: eq.intervened
          ? `do(${eq.variable} ← ${formatValue(eq.value)})`
          : `${eq.variable} = f(${ps}) → ${formatValue(eq.value)}`,
        file: line.file,
        line: line.line,
      });
    }
    const sl = this.stepLine(pos.step);
    frames.push({ name: `${pos.step} · ${this.title(pos.step)}`, file: sl.file, line: sl.line });
    return frames;
  }

  /** One line for the Debug Console at each stop. */
  describeStop(): string {
    const f = this.stack();
    return `${f[0]!.name}\n`;
  }

  private valueNode(name: string, v: Value): ViewNode {
    return { name, value: formatValue(v), type: typeof v };
  }

  private passNode(name: string, pass: ModelPass, edit?: (variable: string) => ViewNode['set']): ViewNode {
    return {
      name,
      value: this.prepared.experiment.model.formatSetting(pass.values),
      children: () =>
        this.prepared.experiment.model.order.map((v) => ({
          ...this.valueNode(v, pass.values[v]!),
          ...(edit?.(v) ? { set: edit(v) } : {}),
        })),
    };
  }

  private editInput(which: 'base' | 'source'): (v: string) => ViewNode['set'] {
    const model = this.prepared.experiment.model;
    return (v) =>
      model.inputs.includes(v)
        ? async (text) => {
            const x = parseValue(text, model.valueSet(v));
            const cur = this[which];
            this[which] = { input: { ...cur.input, [v]: x } };
            await this.recompute();
            return formatValue(x);
          }
        : undefined;
  }

  private editCounterfactual(): (v: string) => ViewNode['set'] {
    const model = this.prepared.experiment.model;
    return (v) =>
      model.inputs.includes(v)
        ? undefined
        : async (text) => {
            this.edits = { ...this.edits, [v]: parseValue(text, model.valueSet(v)) };
            await this.recompute();
            return formatValue(this.trace.counterfactual.values[v]!);
          };
  }

  private passTensors(name: string, pass: Record<string, TensorValue>): ViewNode {
    return {
      name,
      value: Object.keys(pass).join(', '),
      children: () => Object.entries(pass).map(([k, t]) => tensorNode(k, t)),
    };
  }

  private resultNodes(): ViewNode[] {
    const t = this.trace;
    return [
      tensorNode('logits', { shape: [t.logits.length], values: t.logits }),
      {
        name: 'probabilities',
        value: t.probabilities.map((q) => `${formatValue(q.value)}: ${num(q.p)}`).join(', '),
        children: () =>
          t.probabilities.map((q) => ({
            name: `P(${t.outputVariable}=${formatValue(q.value)})`,
            value: num(q.p),
            type: 'number',
          })),
      },
      this.valueNode(`κ (prediction)`, t.predicted),
      this.valueNode(`counterfactual ${t.outputVariable}`, t.expected),
      { name: 'verdict', value: t.verdict, type: 'string' },
    ];
  }

  /** The current step's values. */
  private stepNodes(pos: Position): ViewNode[] {
    const t = this.trace;
    const p = this.prepared;
    const eq = this.equation(pos);
    if (eq) {
      const edit = pos.step === 3 ? this.editCounterfactual()(eq.variable) : undefined;
      return [
        {
          ...this.valueNode(eq.intervened ? `do(${eq.variable})` : eq.variable, eq.value),
          ...(edit ? { set: edit } : {}),
        },
        ...Object.entries(eq.parents).map(([k, x]) => this.valueNode(k, x)),
      ];
    }
    switch (pos.step) {
      case 0:
        return [
          { name: 'variable', value: swapKey(t.swaps), type: 'string' },
          this.passNode(
            'base',
            { ...t.baseRun, values: t.base.input as Record<string, Value> },
            this.editInput('base'),
          ),
          this.passNode(
            'source',
            { ...t.sourceRun, values: t.source.input as Record<string, Value> },
            this.editInput('source'),
          ),
          { name: 'site', value: `${t.site} neurons [${t.targetNeurons.join(', ')}]`, type: 'string' },
          { name: 'weights', value: p.weights, type: 'string' },
          { name: 'configuration', value: p.config, type: 'string' },
          { name: 'split', value: p.split, type: 'string' },
        ];
      case 1:
      case 2: {
        const pass = this.passOf(pos.step)!;
        const edit = this.editInput(pos.step === 1 ? 'base' : 'source');
        return p.experiment.model.order.map((v) => ({
          ...this.valueNode(v, pass.values[v]!),
          ...(edit(v) ? { set: edit(v) } : {}),
        }));
      }
      case 3: {
        const edit = this.editCounterfactual();
        return [
          ...Object.entries(t.intervention).map(([k, x]) => ({ ...this.valueNode(`do(${k})`, x), set: edit(k)! })),
          ...p.experiment.model.order.map((v) => ({
            ...this.valueNode(v, t.counterfactual.values[v]!),
            ...(edit(v) ? { set: edit(v) } : {}),
          })),
        ];
      }
      case 4:
        return [
          tensorNode(`${t.site} (source)`, t.sourcePass[t.site]!),
          {
            name: 'aligned neurons',
            value: `[${this.alignedValues(4).map(num).join(', ')}]`,
            type: `float32[${t.sourceNeurons.length}]`,
          },
          ...Object.entries(t.sourcePass)
            .filter(([k]) => k !== t.site)
            .map(([k, x]) => tensorNode(k, x)),
        ];
      case 5:
        return [
          tensorNode(`${t.site} before patch`, t.siteBefore),
          tensorNode(`${t.site} after patch`, t.siteAfter),
          ...Object.entries(t.patchedPass).map(([k, x]) => tensorNode(k, x)),
        ];
      default:
        return this.resultNodes();
    }
  }

  scopes(): ScopeView[] {
    const pos = this.position;
    const t = this.trace;
    const done = (s: number) => pos.step > s || (pos.step === s && !pos.variable);
    const out: ScopeView[] = [
      {
        name: `${pos.step} · ${STEP_TITLES[pos.step]}${pos.variable ? ` › ${pos.variable}` : ''}`,
        nodes: this.stepNodes(pos),
      },
    ];
    const model: ViewNode[] = [];
    if (done(1)) model.push(this.passNode('base', t.baseRun, this.editInput('base')));
    if (done(2)) model.push(this.passNode('source', t.sourceRun, this.editInput('source')));
    if (done(3)) model.push(this.passNode('counterfactual', t.counterfactual, this.editCounterfactual()));
    if (model.length) out.push({ name: 'Causal model', nodes: model });
    const net: ViewNode[] = [];
    if (done(4)) net.push(this.passTensors('source pass', t.sourcePass));
    if (done(5)) net.push(this.passTensors('base pass', t.basePass), this.passTensors('patched pass', t.patchedPass));
    if (net.length) out.push({ name: 'Network', nodes: net });
    if (done(6)) out.push({ name: 'Result', nodes: this.resultNodes() });
    return out;
  }

  /** A value by name for hovers and watches: a variable of the current step, or base.V / source.V / counterfactual.V. */
  evaluate(expr: string): string | undefined {
    const e = expr.trim();
    const m = /^(base|source|counterfactual)\.(\w+)$/.exec(e);
    const t = this.trace;
    if (m) {
      const pass = m[1] === 'base' ? t.baseRun : m[1] === 'source' ? t.sourceRun : t.counterfactual;
      return m[2]! in pass.values ? formatValue(pass.values[m[2]!]!) : undefined;
    }
    const flat = (nodes: ViewNode[]) => nodes.find((n) => n.name === e)?.value;
    for (const s of this.scopes()) {
      const v = flat(s.nodes);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  // ----- run all pairs -----

  async runAllPairs(opts: { limit?: number; sample?: number; seed?: number } = {}): Promise<AllPairsResult> {
    const p = this.prepared;
    const s = p.session;
    const data = s.split(p.split);
    const n = data.size;
    const limit = opts.limit ?? s.config.evaluation.exactLimit;
    const exact = n * n <= limit;
    const total = exact ? n * n : (opts.sample ?? s.config.evaluation.pairs);
    const rng = new Rng(opts.seed ?? 0);
    const chunk = 4096;
    let matches = 0;
    const mismatches: AllPairsResult['mismatches'] = [];
    const fmt = (i: number) => describeInput({ index: i, input: data.input(i) });
    for (let start = 0; start < total; start += chunk) {
      const m = Math.min(chunk, total - start);
      const bases = new Int32Array(m);
      const sources = new Int32Array(m);
      for (let k = 0; k < m; k++) {
        bases[k] = exact ? Math.floor((start + k) / n) : rng.int(n);
        sources[k] = exact ? (start + k) % n : rng.int(n);
      }
      const hit = await matchPairs(s, p.split, p.swaps, bases, sources);
      for (let k = 0; k < m; k++) {
        if (hit[k]) matches++;
        else if (mismatches.length < 500)
          mismatches.push({
            base: bases[k]!,
            source: sources[k]!,
            baseInput: fmt(bases[k]!),
            sourceInput: fmt(sources[k]!),
          });
      }
    }
    return {
      variable: swapKey(p.swaps),
      split: p.split,
      pairs: total,
      matches,
      iia: matches / total,
      exact,
      ...(exact ? {} : { interval: wilson(matches, total) }),
      mismatches,
    };
  }

  dispose(): void {
    this.prepared.session.dispose();
    this.removeAllListeners();
  }
}
