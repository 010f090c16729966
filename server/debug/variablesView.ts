/**
 * The Variables view of a stop: the current step's values first, then the
 * Causal model, Network and Result scopes as their steps complete. Tensors
 * expand along their first axis; inputs and counterfactual values can be
 * edited (setVariable), which re-runs every later step. Hovers and watches
 * look names up here too.
 */
import { swapKey } from '../engine/alignment';
import { formatValue, type Value } from '../engine/values';
import type { Prepared } from './launch';
import { equationAt, STEP_TITLES, type Position } from './stops';
import { alignedValues, passOf, type ModelPass, type TensorValue, type Trace } from './trace';
import { num, parseValue, summary } from './values';

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

/** What an edit in the view changes; each recomputes the intervention. */
export interface ViewEdits {
  /** Sets an input of the base or the source. */
  setInput(which: 'base' | 'source', variable: string, value: Value): Promise<void>;
  /** Adds `variable ← value` to the interchange's do(); resolves to the trace computed with it. */
  setCounterfactual(variable: string, value: Value): Promise<Trace>;
}

/** A tensor's node: expands along its first axis down to single values. */
/** `[0:4]`, `[0:4] [4:8]`: the basis coordinates a swap moves. */
function coordsText(cs: [number, number][]): string {
  return cs.map(([a, b]) => `[${a}:${b}]`).join(' ');
}

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

/**
 * A sequence site [L, …] as a token grid: a row per position named by its token, the rows the swap writes marked with
 * the source's token there. The rows the flat `neurons` fall in are the patched ones.
 */
export function tokenGrid(
  name: string,
  t: TensorValue,
  tokens: readonly string[],
  neurons: readonly number[],
  source?: { tokens: readonly string[]; neurons: readonly number[] },
): ViewNode {
  const rowSize = t.shape.slice(1).reduce((a, b) => a * b, 1);
  // Base row → the source row its neurons come from (the same position for a fixed alignment).
  const patched = new Map<number, number | undefined>();
  neurons.forEach((n, k) => {
    const from = source?.neurons[k];
    patched.set(Math.floor(n / rowSize), from === undefined ? undefined : Math.floor(from / rowSize));
  });
  const children = (): ViewNode[] =>
    tokens.map((tok, i) => {
      const row = { shape: t.shape.slice(1), values: t.values.slice(i * rowSize, (i + 1) * rowSize) };
      const node = tensorNode(`[${i}] ${tok}`, row);
      if (!patched.has(i)) return node;
      const j = patched.get(i);
      const from = j === undefined || !source ? '' : ` ← source's [${j}] '${source.tokens[j]}'`;
      return { ...node, value: `patched${from} · ${node.value}` };
    });
  const rows = [...patched.keys()].sort((a, b) => a - b);
  return {
    name,
    value: `${tokens.length} tokens × ${rowSize}; patched: ${rows.map((r) => `[${r}] ${tokens[r]}`).join(', ')}`,
    type: `float32[${t.shape.join(',')}]`,
    children,
  };
}

function valueNode(name: string, v: Value): ViewNode {
  return { name, value: formatValue(v), type: typeof v };
}

function passTensors(name: string, pass: Record<string, TensorValue>): ViewNode {
  return {
    name,
    value: Object.keys(pass).join(', '),
    children: () => Object.entries(pass).map(([k, t]) => tensorNode(k, t)),
  };
}

type Setter = (variable: string) => ViewNode['set'];

export class VariablesView {
  constructor(
    private readonly prepared: Prepared,
    private readonly edits: ViewEdits,
  ) {}

  private get model() {
    return this.prepared.experiment.model;
  }

  /** The patched site as token grids (before and after), when the experiment names its tokens and the site is a sequence. */
  private tokenGrids(t: Trace): ViewNode[] {
    const tokensOf = this.prepared.experiment.decl.tokens;
    if (!tokensOf) return [];
    const base = tokensOf(t.base.input as never);
    if (t.siteBefore.shape.length < 2 || t.siteBefore.shape[0] !== base.length) return [];
    const source = tokensOf(t.source.input as never);
    return [
      tokenGrid(`${t.site} after patch, by token`, t.siteAfter, base, t.targetNeurons, {
        tokens: source,
        neurons: t.sourceNeurons,
      }),
      tokenGrid(`${t.site} before patch, by token`, t.siteBefore, base, t.targetNeurons),
    ];
  }

  private passNode(name: string, pass: ModelPass, edit?: Setter): ViewNode {
    return {
      name,
      value: this.model.formatSetting(pass.values),
      children: () =>
        this.model.order.map((v) => ({
          ...valueNode(v, pass.values[v]!),
          ...(edit?.(v) ? { set: edit(v) } : {}),
        })),
    };
  }

  /** Inputs of the base or the source are editable. */
  private editInput(which: 'base' | 'source'): Setter {
    return (v) =>
      this.model.inputs.includes(v)
        ? async (text) => {
            const x = parseValue(text, this.model.valueSet(v));
            await this.edits.setInput(which, v, x);
            return formatValue(x);
          }
        : undefined;
  }

  /** Non-inputs of the counterfactual are editable: they join the interchange's do(). */
  private editCounterfactual(): Setter {
    return (v) =>
      this.model.inputs.includes(v)
        ? undefined
        : async (text) => {
            const t = await this.edits.setCounterfactual(v, parseValue(text, this.model.valueSet(v)));
            return formatValue(t.counterfactual.values[v]!);
          };
  }

  private resultNodes(t: Trace): ViewNode[] {
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
      valueNode(`κ (prediction)`, t.predicted),
      valueNode(`counterfactual ${t.outputVariable}`, t.expected),
      { name: 'verdict', value: t.verdict, type: 'string' },
    ];
  }

  /** The current step's values. */
  private stepNodes(t: Trace, pos: Position): ViewNode[] {
    const p = this.prepared;
    const eq = equationAt(t, pos);
    if (eq) {
      const edit = pos.step === 3 ? this.editCounterfactual()(eq.variable) : undefined;
      return [
        {
          ...valueNode(eq.intervened ? `do(${eq.variable})` : eq.variable, eq.value),
          ...(edit ? { set: edit } : {}),
        },
        ...Object.entries(eq.parents).map(([k, x]) => valueNode(k, x)),
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
        const pass = passOf(t, pos.step)!;
        const edit = this.editInput(pos.step === 1 ? 'base' : 'source');
        return this.model.order.map((v) => ({
          ...valueNode(v, pass.values[v]!),
          ...(edit(v) ? { set: edit(v) } : {}),
        }));
      }
      case 3: {
        const edit = this.editCounterfactual();
        return [
          ...Object.entries(t.intervention).map(([k, x]) => ({ ...valueNode(`do(${k})`, x), set: edit(k)! })),
          ...this.model.order.map((v) => ({
            ...valueNode(v, t.counterfactual.values[v]!),
            ...(edit(v) ? { set: edit(v) } : {}),
          })),
        ];
      }
      case 4:
        return [
          tensorNode(`${t.site} (source)`, t.sourcePass[t.site]!),
          {
            name: 'aligned neurons',
            value: `[${alignedValues(t, 4).map(num).join(', ')}]`,
            type: `float32[${t.sourceNeurons.length}]`,
          },
          ...Object.entries(t.sourcePass)
            .filter(([k]) => k !== t.site)
            .map(([k, x]) => tensorNode(k, x)),
        ];
      case 5:
        return [
          ...this.tokenGrids(t),
          tensorNode(`${t.site} before patch`, t.siteBefore),
          tensorNode(`${t.site} after patch`, t.siteAfter),
          ...(t.rotated
            ? [
                tensorNode(`${t.site} before patch, learned basis`, t.rotated.before),
                tensorNode(
                  `${t.site} after patch, learned basis (${coordsText(t.rotated.coords)} from the source)`,
                  t.rotated.after,
                ),
                tensorNode(`${t.site} of the source, learned basis`, t.rotated.source),
              ]
            : []),
          ...Object.entries(t.patchedPass).map(([k, x]) => tensorNode(k, x)),
        ];
      default:
        return this.resultNodes(t);
    }
  }

  scopes(t: Trace, pos: Position): ScopeView[] {
    const done = (s: number) => pos.step > s || (pos.step === s && !pos.variable);
    const out: ScopeView[] = [
      {
        name: `${pos.step} · ${STEP_TITLES[pos.step]}${pos.variable ? ` › ${pos.variable}` : ''}`,
        nodes: this.stepNodes(t, pos),
      },
    ];
    const model: ViewNode[] = [];
    if (done(1)) model.push(this.passNode('base', t.baseRun, this.editInput('base')));
    if (done(2)) model.push(this.passNode('source', t.sourceRun, this.editInput('source')));
    if (done(3)) model.push(this.passNode('counterfactual', t.counterfactual, this.editCounterfactual()));
    if (model.length) out.push({ name: 'Causal model', nodes: model });
    const net: ViewNode[] = [];
    if (done(4)) net.push(passTensors('source pass', t.sourcePass));
    if (done(5)) net.push(passTensors('base pass', t.basePass), passTensors('patched pass', t.patchedPass));
    if (net.length) out.push({ name: 'Network', nodes: net });
    if (done(6)) out.push({ name: 'Result', nodes: this.resultNodes(t) });
    return out;
  }

  /** A value by name for hovers and watches: a variable of the current step, or base.V / source.V / counterfactual.V. */
  evaluate(t: Trace, pos: Position, expr: string): string | undefined {
    const e = expr.trim();
    const m = /^(base|source|counterfactual)\.(\w+)$/.exec(e);
    if (m) {
      const pass = m[1] === 'base' ? t.baseRun : m[1] === 'source' ? t.sourceRun : t.counterfactual;
      return m[2]! in pass.values ? formatValue(pass.values[m[2]!]!) : undefined;
    }
    for (const s of this.scopes(t, pos)) {
      const v = s.nodes.find((n) => n.name === e)?.value;
      if (v !== undefined) return v;
    }
    return undefined;
  }
}
