/**
 * The benchmark's IIT step, built from the engine's own parts (the same
 * `interchangeForward`, losses and optimizer the trainer uses), on the
 * hierarchical-equality MLP shape: 4 inputs of dimension 4 concatenated,
 * three hidden layers of width W, 2 classes; k variables on equal slices of
 * the first hidden layer. One step: bases and sources through layer 1 in one
 * batch, k patched copies of the bases plus the unpatched bases through the
 * rest in one pass, task + IIT cross-entropy (one weighted cross-entropy over
 * the stacked rows), gradients, one Adam step.
 * bench/reference/iit_bench.py does exactly this in PyTorch.
 */
import {
  Alignment,
  causalModel,
  crossEntropy,
  interchangeForward,
  mlp,
  Optimizer,
  predict,
  range,
  Rng,
  tf,
  type Network,
  type PairGroup,
} from 'iit-studio';

export interface StepSetup {
  net: Network;
  alignment: Alignment;
  step: () => Promise<number>;
  evalStep: () => Promise<void>;
  /** Analytic FLOPs per base example for one train step (forward + backward ≈ 3× forward). */
  trainFlopsPerExample: number;
  /** Analytic FLOPs per evaluated pair. */
  evalFlopsPerPair: number;
  dispose: () => void;
}

const head = { variable: 'O', loss: 'softmax' as const, values: range(0, 1) };

export function mlpStep(width: number, batch: number, k: number, seed = 0): StepSetup {
  // A model with k same-typed intermediates; only its structure matters to the network side.
  const decls: Record<string, object> = { X: { values: range(0, 1) } };
  for (let v = 0; v < k; v++)
    decls[`V${v}`] = { values: range(0, 1), parents: ['X'], f: ({ X }: { X: number }) => X, type: 'T' };
  decls.O = { values: range(0, 1), parents: Array.from({ length: k }, (_, v) => `V${v}`), f: () => 0 };
  const model = causalModel(decls as never);
  const net = mlp({ input: 16, hidden: [width, width, width], output: 2, seed });
  const part = width / k;
  const alignment = new Alignment(
    Object.fromEntries(
      Array.from({ length: k }, (_, v) => [`V${v}`, { site: 'h1', slice: [[v * part, (v + 1) * part]] }]),
    ),
    model as never,
    net,
  );
  const rng = new Rng(seed);
  const data = (n: number, d: number) =>
    tf.tensor2d(
      Float32Array.from({ length: n * d }, () => rng.normal()),
      [n, d],
    );
  const labels = (n: number) => Int32Array.from({ length: n }, () => rng.int(2));
  const base = tf.keep(data(batch, 16));
  const source = tf.keep(data(batch, 16));
  const yTask = labels(batch);
  const yCf = Array.from({ length: k }, () => labels(batch));
  const rows = Int32Array.from({ length: batch }, (_, i) => i);
  const groups: PairGroup[] = Array.from({ length: k }, (_, v) => ({
    swaps: [{ from: `V${v}`, to: `V${v}` }],
    baseRows: rows,
    sourceRows: rows,
  }));
  const opt = new Optimizer({ type: 'adam', lr: 1e-3 }, undefined, net.params);
  const names = new Map([...net.params].map(([n, v]) => [v.name, n]));

  // task + mean over variables of the IIT losses as one weighted cross-entropy over the stacked rows.
  const allLabels = Int32Array.from([...yTask, ...yCf.flatMap((y) => [...y])]);
  const weights = Float32Array.from(allLabels, (_, i) => (i < batch ? 1 / batch : 1 / (k * batch)));
  const step = async () => {
    const { value, grads } = tf.variableGrads(() => {
      const r = interchangeForward(net, alignment, { x: base }, { x: source }, groups, {
        withBase: true,
        training: true,
      });
      return crossEntropy(head, tf.concat([r.base!, ...r.groups]), allLabels, weights) as tf.Scalar;
    }, net.trainableVariables());
    opt.apply(Object.fromEntries(Object.entries(grads).map(([n, g]) => [names.get(n)!, g])));
    const v = (await value.data())[0]!;
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
    return v;
  };
  const evalStep = async () => {
    const p = tf.tidy(() => {
      const r = interchangeForward(net, alignment, { x: base }, { x: source }, groups);
      return tf.concat(r.groups.map((g) => predict(head, g)));
    });
    await p.data();
    p.dispose();
  };
  const layer = (i: number, o: number) => 2 * i * o;
  const prefix = 2 * layer(16, width); // bases and sources through layer 1
  const suffix = (k + 1) * (layer(width, width) * 2 + layer(width, 2));
  return {
    net,
    alignment,
    step,
    evalStep,
    trainFlopsPerExample: (3 * (prefix + suffix)) / 1,
    evalFlopsPerPair: (prefix + k * (layer(width, width) * 2 + layer(width, 2))) / k,
    dispose: () => {
      base.dispose();
      source.dispose();
      opt.dispose();
      alignment.dispose();
      net.dispose();
    },
  };
}

/**
 * Median seconds per call over timed windows, after `warmup` calls; windows
 * grow until each lasts at least `minWindow` seconds, so slow backends are
 * measured with few calls and fast ones with many.
 */
export async function timeIt(
  fn: () => Promise<unknown>,
  { warmup = 2, windows = 3, minWindow = 0.5 } = {},
): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  let reps = 1;
  const times: number[] = [];
  while (times.length < windows) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await fn();
    const dt = (performance.now() - t0) / 1000;
    if (dt < minWindow && times.length === 0) {
      reps = Math.max(reps * 2, Math.ceil((reps * minWindow) / Math.max(dt, 1e-6)));
      continue;
    }
    times.push(dt / reps);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}
