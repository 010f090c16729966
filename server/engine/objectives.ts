/**
 * Output heads and losses. κ maps the network's output to a value of the
 * causal model's output variable: argmax over class logits, or the sign of a
 * single logit for a boolean output. Losses take logits (Eq. 4 applies no κ).
 */
import { IITError } from './errors';
import { tf, type Tensor } from './tf';
import type { ValueSet } from './values';

export type OutputLoss = 'softmax' | 'sigmoid';

export interface OutputHead {
  variable: string;
  loss: OutputLoss;
  values: ValueSet;
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

/** κ: the index of the predicted output value for each row. */
export function predict(head: OutputHead, logits: Tensor): Tensor {
  return tf.tidy(() =>
    head.loss === 'sigmoid'
      ? tf.cast(tf.greater(tf.reshape(logits, [-1]), 0), 'int32')
      : tf.cast(tf.argMax(logits, 1), 'int32'),
  );
}

/** Checks the network's output against the head: one logit for sigmoid, |values| for softmax. */
export function checkHead(head: OutputHead, outputShape: number[]): void {
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
