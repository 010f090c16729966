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

/** Mean cross-entropy between logits [R, C] (or [R, 1] for sigmoid) and label indices. */
export function crossEntropy(head: OutputHead, logits: Tensor, labels: Int32Array | Tensor): Tensor {
  return tf.tidy(() => {
    const y = labels instanceof Int32Array ? tf.tensor1d(labels, 'int32') : labels;
    if (head.loss === 'sigmoid') {
      const z = tf.reshape(logits, [-1]);
      const t = tf.cast(y, 'float32');
      // max(z,0) − z·t + log(1 + e^−|z|): stable for large |z|.
      return tf.mean(tf.add(tf.sub(tf.relu(z), tf.mul(z, t)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))));
    }
    const oneHot = tf.oneHot(y, logits.shape[1]!);
    return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(oneHot, logits), 1)));
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
