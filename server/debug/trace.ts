/**
 * One interchange intervention computed step by step, with every
 * intermediate kept for the debugger: the causal model on the base and the
 * source, the high-level interchange, the network's pass on the source up to
 * the aligned site, the base's pass with those neurons patched in, and κ of
 * the output against the counterfactual label. The numbers come from the
 * engine's own functions (CausalModel.run, Network.run, patchSite, predict),
 * the ones training and IIA use.
 */
import type { Setting, Swap } from '../engine/causal';
import { patchSite } from '../engine/intervention';
import { decodedSequence, predict, sequenceLayout } from '../engine/objectives';
import type { Session } from '../engine/session';
import { tf, type Tensor } from '../engine/tf';
import type { Value } from '../engine/values';

/** A tensor read back for display: one example (the batch axis dropped). */
export interface TensorValue {
  shape: number[];
  values: number[];
}

/** One variable computed by the causal model, in topological order. */
export interface EquationStep {
  variable: string;
  value: Value;
  /** Its parents' values, as the equation saw them. */
  parents: Record<string, Value>;
  /** Set when the variable was intervened on (do(V ← value)) instead of computed. */
  intervened?: boolean;
}

export interface ModelPass {
  input: Setting<Record<string, Value>>;
  values: Record<string, Value>;
  steps: EquationStep[];
}

export interface PairInput {
  /** Index in the split, when the input came from one. */
  index?: number;
  input: Setting<Record<string, Value>>;
}

export interface Trace {
  base: PairInput;
  source: PairInput;
  swaps: Swap[];
  site: string;
  /** Flat indices of the neurons written into the base, and where they come from on the source. */
  targetNeurons: number[];
  sourceNeurons: number[];
  // (1), (2), (3)
  baseRun: ModelPass;
  sourceRun: ModelPass;
  /** do(V ← value) applied to the base: the sources' values, then any the user edited. */
  intervention: Record<string, Value>;
  counterfactual: ModelPass;
  outputVariable: string;
  expected: Value;
  // (4): every stage the site needs, on the source.
  sourcePass: Record<string, TensorValue>;
  // (5): the base's own pass, the site before and after the patch, every stage of the patched pass.
  basePass: Record<string, TensorValue>;
  siteBefore: TensorValue;
  siteAfter: TensorValue;
  /**
   * A learned basis (rotate, lowRank, boundless): the site in that basis (Qᵀx, one number per basis coordinate), for
   * the source, the base before and the base after the patch, and the coordinates the swap moves ([start, end) each).
   */
  rotated?: { source: TensorValue; before: TensorValue; after: TensorValue; coords: [number, number][] };
  patchedPass: Record<string, TensorValue>;
  // (6)
  logits: number[];
  /** Probability of each output value (sigmoid or softmax of the logits). */
  probabilities: { value: Value; p: number }[];
  predicted: Value;
  verdict: 'match' | 'mismatch';
}

async function read(t: Tensor): Promise<TensorValue> {
  const values = Array.from(await t.data());
  return { shape: t.shape.slice(1), values };
}

async function readAll(ts: Record<string, Tensor>): Promise<Record<string, TensorValue>> {
  const out: Record<string, TensorValue> = {};
  for (const [k, t] of Object.entries(ts)) out[k] = await read(t);
  return out;
}

/** The causal model's pass, variable by variable (do() values override equations). */
export function modelPass(
  session: Session,
  input: Setting<Record<string, Value>>,
  intervention: Record<string, Value> = {},
): ModelPass {
  const model = session.experiment.model;
  const values = model.run(input, intervention as never) as Record<string, Value>;
  const steps: EquationStep[] = [];
  for (const v of model.order) {
    if (model.inputs.includes(v) && !(v in intervention)) continue;
    const parents = Object.fromEntries(model.parents[v]!.map((p) => [p, values[p]!]));
    steps.push({ variable: v, value: values[v]!, parents, ...(v in intervention ? { intervened: true } : {}) });
  }
  return { input, values, steps };
}

/** Stages needed to compute `outputs`, in network order. */
function stagesFor(session: Session, outputs: string[]): string[] {
  const net = session.net;
  const need = new Set<string>();
  const visit = (n: string) => {
    if (need.has(n) || n in net.inputs) return;
    need.add(n);
    net.stages.find((s) => s.name === n)?.inputs.forEach(visit);
  };
  outputs.forEach(visit);
  return net.sites.filter((s) => need.has(s));
}

/**
 * Computes every step. `edits` are counterfactual values the user set in the
 * debugger: they join the interchange's do() (later steps re-run from them).
 */
export async function computeTrace(
  session: Session,
  base: PairInput,
  source: PairInput,
  swaps: Swap[],
  edits: Record<string, Value> = {},
): Promise<Trace> {
  const baseRun = modelPass(session, base.input);
  const sourceRun = modelPass(session, source.input);
  const intervention: Record<string, Value> = {};
  for (const s of swaps) intervention[s.to] = sourceRun.values[s.from]!;
  Object.assign(intervention, edits);
  const counterfactual = modelPass(session, base.input, intervention);
  const outputVariable = session.head.variable;
  const expected = counterfactual.values[outputVariable]!;

  const plans = session.alignment.plan(swaps);
  if (plans.length !== 1)
    throw new Error(`the intervention ${JSON.stringify(swaps)} spans ${plans.length} sites; the debugger shows one`);
  const plan = plans[0]!;
  const site = plan.site;
  const net = session.net;
  const targetNeurons = swaps.flatMap((s) => Array.from(session.alignment.get(s.to).flat));
  const sourceNeurons = swaps.flatMap((s) => Array.from(session.alignment.get(s.from).flat));

  const scope = tf.tidy(() => {
    const bf = session.encodeRows([base.input]);
    const sf = session.encodeRows([source.input]);
    const src = net.run(sf, { outputs: stagesFor(session, [site]) });
    const all = stagesFor(session, [net.output]);
    const own = net.run(bf, { outputs: all });
    const after = patchSite(own[site]!, src[site]!, plan);
    // The base's pass again, the site patched as it is computed (what the IIT objective and IIA evaluate).
    const patched = net.run(bf, { outputs: all, patch: { [site]: (t) => patchSite(t, src[site]!, plan) } });
    const logits = patched[net.output]!;
    const probs =
      session.head.loss === 'sigmoid'
        ? tf.sigmoid(tf.reshape(logits, [-1]))
        : session.head.loss === 'sequence'
          ? tf.softmax(logits) // [1, T, V]: each step's token distribution
          : tf.softmax(tf.reshape(logits, [1, -1]));
    // In a learned basis the swap is of coordinates, not neurons: show the site in that basis too.
    const basis = 'basis' in plan ? plan.basis.matrix() : undefined;
    const inBasis = (t: Tensor) => (basis ? tf.matMul(tf.reshape(t, [1, -1]), basis) : undefined);
    const rot = basis
      ? { source: inBasis(src[site]!)!, before: inBasis(own[site]!)!, after: inBasis(after)! }
      : undefined;
    return { src, own, after, patched, logits, probs, pred: predict(session.head, logits), rot };
  });
  try {
    const logits = Array.from(await scope.logits.data());
    const p = Array.from(await scope.probs.data());
    const values = session.head.values;
    const pred = await scope.pred.data();
    const { probabilities, predicted } =
      session.head.loss === 'sequence'
        ? sequenceReadout(session, p, pred)
        : {
            probabilities:
              session.head.loss === 'sigmoid'
                ? [
                    { value: values.at(0), p: 1 - p[0]! },
                    { value: values.at(1), p: p[0]! },
                  ]
                : p.map((x, i) => ({ value: values.at(i), p: x })),
            predicted: values.at(pred[0]!),
          };
    return {
      base,
      source,
      swaps,
      site,
      targetNeurons,
      sourceNeurons,
      baseRun,
      sourceRun,
      intervention,
      counterfactual,
      outputVariable,
      expected,
      sourcePass: await readAll(scope.src),
      basePass: await readAll(scope.own),
      siteBefore: await read(scope.own[site]!),
      siteAfter: await read(scope.after),
      ...(scope.rot
        ? {
            rotated: {
              source: await read(scope.rot.source),
              before: await read(scope.rot.before),
              after: await read(scope.rot.after),
              coords: swaps.map((s) => session.alignment.get(s.to).coords!),
            },
          }
        : {}),
      patchedPass: await readAll(scope.patched),
      logits,
      probabilities,
      predicted,
      verdict: sameValue(predicted, expected) ? 'match' : 'mismatch',
    };
  } finally {
    tf.dispose(scope as unknown as tf.TensorContainer);
  }
}

/** Equal values (a sequence compared token by token, as exact match does). */
function sameValue(a: Value, b: Value): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A sequence head's readout: the greedy decode up to EOS (or every step when it never ends), with the probability
 * of the token taken at each step.
 */
function sequenceReadout(
  session: Session,
  probs: number[],
  pred: ArrayLike<number>,
): { probabilities: { value: Value; p: number }[]; predicted: Value } {
  const { set, steps, vocab, eos } = sequenceLayout(session.head);
  const probabilities: { value: Value; p: number }[] = [];
  for (let k = 0; k < steps; k++) {
    const t = pred[k]!;
    probabilities.push({ value: t === eos ? 'EOS' : set.tokens.at(t), p: probs[k * vocab + t]! });
    if (t === eos) break;
  }
  return { probabilities, predicted: decodedSequence(session.head, pred, 0) ?? probabilities.map((x) => x.value) };
}

/** The causal-model pass of steps 1–3 (base, source, counterfactual); none for the network's steps. */
export function passOf(t: Trace, step: number): ModelPass | undefined {
  return step === 1 ? t.baseRun : step === 2 ? t.sourceRun : step === 3 ? t.counterfactual : undefined;
}

/** The aligned neurons' numbers: the source's at step 4, the patched base's at step 5. */
export function alignedValues(t: Trace, step: number): number[] {
  return step === 4
    ? t.sourceNeurons.map((i) => t.sourcePass[t.site]!.values[i]!)
    : t.targetNeurons.map((i) => t.siteAfter.values[i]!);
}
