/**
 * The benchmark's IIT step on the PVR networks (server/engine/convnets.ts):
 * the quick quadrant-local network of samples/pvr/quick.ts (aligned site
 * `stem`, 14×14×16) and ResNet-18 (site `maxpool`, 14×14×64), each with the
 * paper's quadrant alignment (four variables of one type). As in the trainer
 * with typed IIT, every pair gets one of the 4×4 typed swaps (Y_a's quadrant
 * of the source into Y_b's of the base); pairs sharing a swap are a contiguous
 * run of rows. One step: bases and sources through the stem in one batch, the
 * unpatched bases plus the B patched bases through the rest in one pass, task
 * + IIT cross-entropy, gradients, one Adam step. Eval: the B patched rows only,
 * inference mode, κ, read back. bench/reference/pvr_bench.py (--swap trainer)
 * does the same in PyTorch.
 */
import {
  Alignment,
  crossEntropy,
  interchangeForward,
  Optimizer,
  predict,
  quadrantNet,
  range,
  resnet18,
  Rng,
  tf,
  type Network,
  type PairGroup,
} from 'iit-studio';
import { pvrCausalModel, quadrantAlignment } from 'iit-studio/pvr';

export type PvrNet = 'quick' | 'resnet18';

export const PVR_SITE: Record<PvrNet, string> = { quick: 'stem', resnet18: 'maxpool' };

export interface PvrStepSetup {
  net: Network;
  step: () => Promise<number>;
  evalStep: () => Promise<void>;
  /** Analytic FLOPs per base example of one train step (forward + backward ≈ 3× forward). */
  trainFlopsPerExample: number;
  /** Analytic FLOPs per evaluated pair. */
  evalFlopsPerPair: number;
  dispose: () => void;
}

const head = { variable: 'O', loss: 'softmax' as const, values: range(0, 9) };

/** `widths` shrinks ResNet-18's channels (for a cheap run that uses the same kernels). */
export function pvrStep(
  kind: PvrNet,
  batch: number,
  seed = 0,
  widths?: [number, number, number, number],
): PvrStepSetup {
  // Only the structure of C_PVR matters here (four Y variables of one type); ten images, one per class.
  const model = pvrCausalModel(Uint8Array.from(range(0, 9).values()));
  const net =
    kind === 'quick'
      ? quadrantNet({ classes: 10, seed })
      : resnet18({ classes: 10, seed, ...(widths ? { widths } : {}) });
  const alignment = new Alignment(quadrantAlignment(PVR_SITE[kind], 14) as never, model as never, net);
  const swaps = alignment.typedSwaps();
  if (batch < swaps.length) throw new Error(`pvrStep: batch ${batch} < ${swaps.length} typed swaps`);
  // Rows split as evenly as possible over the swaps, each swap a contiguous run (as the trainer sorts them).
  const groups: PairGroup[] = swaps.map((sw, j) => {
    const lo = Math.floor((j * batch) / swaps.length);
    const hi = Math.floor(((j + 1) * batch) / swaps.length);
    const rows = Int32Array.from({ length: hi - lo }, (_, i) => lo + i);
    return { swaps: sw, baseRows: rows, sourceRows: rows };
  });
  const rng = new Rng(seed);
  const images = () =>
    tf.keep(
      tf.tensor4d(
        Float32Array.from({ length: batch * 56 * 56 }, () => rng.normal()),
        [batch, 56, 56, 1],
      ),
    );
  const base = images();
  const source = images();
  const yTask = Int32Array.from({ length: batch }, () => rng.int(10));
  const yCf = Int32Array.from({ length: batch }, () => rng.int(10));
  const opt = new Optimizer({ type: 'adam', lr: 1e-3 }, undefined, net.params);
  const names = new Map([...net.params].map(([n, v]) => [v.name, n]));

  const step = async () => {
    const { value, grads } = tf.variableGrads(() => {
      const r = interchangeForward(net, alignment, { x: base }, { x: source }, groups, {
        withBase: true,
        training: true,
      });
      const task = crossEntropy(head, r.base!, yTask);
      const iit = crossEntropy(head, tf.concat(r.groups, 0), yCf);
      return tf.add(task, iit) as tf.Scalar;
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
      return predict(head, tf.concat(r.groups, 0));
    });
    await p.data();
    p.dispose();
  };
  const { prefix, rest } = flopsPerRow(net, PVR_SITE[kind]);
  return {
    net,
    step,
    evalStep,
    // Bases and sources through the stem; bases and their patched copies through the rest.
    trainFlopsPerExample: 3 * (2 * prefix + 2 * rest),
    evalFlopsPerPair: 2 * prefix + rest,
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
 * Analytic forward FLOPs per row, up to and including `site` and after it:
 * 2·MACs of every weight matrix and convolution kernel (batch norm, ReLU,
 * pooling and adds are not counted, as in the PyTorch reference). A weight
 * with `out` output units applies once per `out` elements of its stage's
 * output (a conv once per output pixel, the quick net's encoder once per
 * quadrant).
 */
export function flopsPerRow(net: Network, site: string): { prefix: number; rest: number } {
  const order = net.stages.map((s) => s.name);
  const siteAt = order.indexOf(site);
  let prefix = 0;
  let rest = 0;
  for (const [name, v] of net.params) {
    if (!name.endsWith('weight') || v.shape.length < 2) continue;
    const stage = order.filter((s) => name.startsWith(`${s}.`)).sort((a, b) => b.length - a.length)[0];
    if (!stage) continue;
    const out = v.shape.at(-1)!;
    const elems = net.shapes[stage]!.reduce((a, b) => a * b, 1);
    const f = 2 * v.size * (elems / out);
    if (order.indexOf(stage) <= siteAt) prefix += f;
    else rest += f;
  }
  return { prefix, rest };
}
