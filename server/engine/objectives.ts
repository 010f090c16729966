/**
 * Output heads and losses. κ maps the network's output to a value of the
 * causal model's output variable: argmax over class logits, the sign of a
 * single logit for a boolean output, or for a sequence output (seq2seq) the
 * greedy decode read up to its first EOS. Losses take logits (Eq. 4 applies
 * no κ); a sequence's is the teacher-forced cross-entropy per token, PAD
 * ignored, and its match is exact match of the whole sequence.
 */
import { IITError } from './errors';
import { tf, type Tensor } from './tf';
import { isSequenceSet, type SequenceSet, type ValueSet } from './values';

export type OutputLoss = 'softmax' | 'sigmoid' | 'sequence';

export interface OutputHead {
  variable: string;
  loss: OutputLoss;
  values: ValueSet;
  /** Sequence heads: the network input that takes the target tokens for teacher forcing (fed while training). */
  teacher?: string;
}

/** A sequence head's token layout: logits [R, T, V] with V = tokens + 1 (EOS last), T = maxLength + 1. */
export function sequenceLayout(head: OutputHead): { set: SequenceSet; steps: number; vocab: number; eos: number } {
  const set = head.values as SequenceSet;
  return { set, steps: set.maxLength + 1, vocab: set.tokens.size + 1, eos: set.tokens.size };
}

/**
 * Target tokens of label indices, [R, T] int32: the sequence's tokens, EOS, then EOS again in the padding (what
 * a teacher-forced decoder reads there does not matter: the loss ignores it). Labels below 0 (dropped pairs)
 * give all-EOS rows.
 */
export function sequenceTargets(head: OutputHead, labels: Int32Array): { tokens: Int32Array; valid: Float32Array } {
  const { set, steps, eos } = sequenceLayout(head);
  const tokens = new Int32Array(labels.length * steps).fill(eos);
  const valid = new Float32Array(labels.length * steps);
  labels.forEach((l, r) => {
    const seq = l >= 0 ? set.at(l) : undefined;
    if (!seq) return;
    seq.forEach((t, k) => (tokens[r * steps + k] = set.tokens.indexOf(t)));
    // The tokens and the EOS after them count; the padding does not.
    for (let k = 0; k <= seq.length; k++) valid[r * steps + k] = 1;
  });
  return { tokens, valid };
}

/** The teacher-forcing feed of a sequence head for these labels; none for other heads. */
export function teacherFeed(head: OutputHead, labels: Int32Array): Record<string, Tensor> {
  if (head.loss !== 'sequence' || !head.teacher) return {};
  const { steps } = sequenceLayout(head);
  return {
    [head.teacher]: tf.tensor2d(Float32Array.from(sequenceTargets(head, labels).tokens), [labels.length, steps]),
  };
}

/** Teacher-forced token cross-entropy: each row's mean over its tokens and EOS (PAD ignored), then as crossEntropy. */
function sequenceCrossEntropy(head: OutputHead, logits: Tensor, labels: Int32Array, weights?: Float32Array): Tensor {
  const { steps, vocab } = sequenceLayout(head);
  const R = labels.length;
  const { tokens, valid } = sequenceTargets(head, labels);
  const w = new Float32Array(R * steps);
  for (let r = 0; r < R; r++) {
    let n = 0;
    for (let k = 0; k < steps; k++) n += valid[r * steps + k]!;
    const rowWeight = (weights ? weights[r]! : 1 / R) / Math.max(1, n);
    for (let k = 0; k < steps; k++) w[r * steps + k] = valid[r * steps + k]! * rowWeight;
  }
  const flat = { ...head, loss: 'softmax' as const };
  return crossEntropy(flat, tf.reshape(logits, [R * steps, vocab]), tokens, w);
}

/**
 * Mean cross-entropy between logits [R, C] (or [R, 1] for sigmoid) and label
 * indices; with `weights` (one per row) the weighted sum Σ w_r·CE_r instead,
 * so several heads' means can be one call over their stacked rows.
 *
 * Softmax heads carry their gradient in closed form, (softmax(z) − onehot(y))·w:
 * automatic differentiation of log-sum-exp went through max, its equality
 * mask, casts and broadcasts (about 25 kernels per head in the backward pass,
 * 5 here), and per-kernel dispatch is most of a small network's step.
 */
export function crossEntropy(
  head: OutputHead,
  logits: Tensor,
  labels: Int32Array | Tensor,
  weights?: Float32Array,
): Tensor {
  if (head.loss === 'sequence') {
    if (!(labels instanceof Int32Array)) throw new Error('crossEntropy: a sequence head takes label indices');
    return tf.tidy(() => sequenceCrossEntropy(head, logits, labels, weights));
  }
  return tf.tidy(() => {
    const y = labels instanceof Int32Array ? tf.tensor1d(labels, 'int32') : labels;
    const R = logits.shape[0]!;
    if (weights && weights.length !== R) throw new Error(`crossEntropy: ${weights.length} weights for ${R} rows`);
    if (head.loss === 'sigmoid') {
      const z = tf.reshape(logits, [-1]);
      const t = tf.cast(y, 'float32');
      // max(z,0) − z·t + log(1 + e^−|z|): stable for large |z|.
      const per = tf.add(tf.sub(tf.relu(z), tf.mul(z, t)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
      return weights ? tf.sum(tf.mul(per, tf.tensor1d(weights))) : tf.mean(per);
    }
    // Everything the gradient reads is saved: this tidy ends before the backward pass runs.
    const ce = tf.customGrad(((z: Tensor, save: tf.GradSaveFunc) => {
      const oneHot = tf.cast(tf.oneHot(y, z.shape[1]!), 'float32');
      const lse = tf.logSumExp(z, 1, true); // [R, 1]
      const per = tf.sub(tf.reshape(lse, [R]), tf.sum(tf.mul(oneHot, z), 1));
      const w = weights ? tf.tensor2d(weights, [R, 1]) : undefined;
      save(w ? [z, lse, oneHot, w] : [z, lse, oneHot]);
      return {
        value: w ? tf.sum(tf.mul(per, tf.reshape(w, [R]))) : tf.mean(per),
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [zs, l, oh, ws] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
          const diff = tf.sub(tf.exp(tf.sub(zs, l)), oh);
          return tf.mul(diff, ws ? tf.mul(ws, dy) : tf.div(dy, R));
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return ce(logits as never);
  });
}

/**
 * κ on the device: the index of the predicted output value for each row; for a sequence head the greedy tokens
 * [R, T], which `predictedLabels` reads into label indices.
 */
export function predict(head: OutputHead, logits: Tensor): Tensor {
  return tf.tidy(() =>
    head.loss === 'sigmoid'
      ? tf.cast(tf.greater(tf.reshape(logits, [-1]), 0), 'int32')
      : tf.cast(tf.argMax(logits, head.loss === 'sequence' ? 2 : 1), 'int32'),
  );
}

/** The tokens of row r of a sequence prediction, up to its first EOS; undefined when it never ends. */
export function decodedSequence(head: OutputHead, pred: ArrayLike<number>, r: number): (string | number)[] | undefined {
  const { set, steps, eos } = sequenceLayout(head);
  const out: (string | number)[] = [];
  for (let k = 0; k < steps; k++) {
    const t = pred[r * steps + k]!;
    if (t === eos) return out;
    out.push(set.tokens.at(t));
  }
  return undefined;
}

/**
 * Label indices of what `predict` read back: the classes as they are, or for a sequence head the index of each
 * decoded sequence (−1 when it is no label's: a wrong sequence, never numbered), so that a match is `===`.
 */
export function predictedLabels(head: OutputHead, pred: ArrayLike<number>, rows: number): Int32Array {
  if (head.loss !== 'sequence') return Int32Array.from({ length: rows }, (_, r) => pred[r]!);
  const set = head.values as SequenceSet;
  return Int32Array.from({ length: rows }, (_, r) => {
    const seq = decodedSequence(head, pred, r);
    return seq ? set.find(seq) : -1;
  });
}

/** Checks the network's output against the head: one logit for sigmoid, |values| for softmax. */
export function checkHead(head: OutputHead, outputShape: number[]): void {
  if (head.loss === 'sequence' || isSequenceSet(head.values)) return checkSequenceHead(head, outputShape);
  const units = outputShape.reduce((a, b) => a * b, 1);
  if (head.loss === 'sigmoid' && (head.values.size !== 2 || units !== 1)) {
    throw new IITError(
      'bad-config',
      `output ${head.variable}: a sigmoid head needs a two-valued output and one logit, got ${head.values.size} values and ${units} units`,
      `use loss 'softmax' or a one-unit output layer`,
      undefined,
      head.variable,
    );
  }
  if (head.loss === 'softmax' && units !== head.values.size) {
    throw new IITError(
      'bad-config',
      `output ${head.variable} has ${head.values.size} values but the network outputs ${units} logits`,
      `make the last layer ${head.values.size} units wide`,
      undefined,
      head.variable,
    );
  }
}

function checkSequenceHead(head: OutputHead, outputShape: number[]): void {
  const fail = (msg: string, fix: string) =>
    new IITError('bad-config', `output ${head.variable}: ${msg}`, fix, undefined, head.variable);
  if (!isSequenceSet(head.values) || head.loss !== 'sequence')
    throw fail(
      head.loss === 'sequence'
        ? `a sequence head needs values sequence(tokens, maxLength), got ${head.values.describe()}`
        : `values ${head.values.describe()} are sequences but the loss is '${head.loss}'`,
      head.loss === 'sequence'
        ? `declare ${head.variable}.values = sequence(oneOf(...), n)`
        : `leave output.loss out (it is 'sequence' for sequence values)`,
    );
  const { steps, vocab } = sequenceLayout(head);
  if (outputShape.length !== 2 || outputShape[0] !== steps || outputShape[1] !== vocab)
    throw fail(
      `sequences of at most ${steps - 1} tokens of ${vocab - 1} need logits [${steps}, ${vocab}] (a step for EOS, EOS last), but the network outputs [${outputShape}]`,
      `make the decoder ${steps} steps over ${vocab} classes`,
    );
}
