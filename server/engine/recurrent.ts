/**
 * Recurrent building blocks as network stages (for ReaSCAN's CNN-LSTM, paper §5): an LSTM layer over a sequence,
 * optionally bidirectional with the two directions summed (as the authors' encoder), its final state, and additive
 * attention. Parameters follow PyTorch's nn.LSTM (gates in the order input, forget, cell, output; separate input and
 * hidden biases) with weights stored [in, 4H], the transpose of PyTorch's, so a checkpoint maps by name.
 *
 * Sites: `${name}` [L, H] (every step's output: an encoder's output at a token position is a slice of it) and
 * `${name}.final` [H] (the last step forward, plus the first step backward when bidirectional).
 */
import type { NetworkBuilder } from './network';
import { tf, type Tensor } from './tf';

export interface LstmOptions {
  hidden: number;
  /** Run the sequence both ways and sum the directions' outputs (the ReaSCAN encoder); default false. */
  bidirectional?: boolean;
  /** Dropout on the layer's input while training; default 0. */
  dropout?: number;
}

interface LstmWeights {
  ih: tf.Variable;
  hh: tf.Variable;
  bih: tf.Variable;
  bhh: tf.Variable;
}

/** PyTorch's LSTM initialisation: uniform in ±1/√H for every weight and bias. */
function uniformInit(b: NetworkBuilder, shape: number[], bound: number): Float32Array {
  const n = shape.reduce((x, y) => x * y, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * b.rng.next() - 1) * bound;
  return out;
}

function lstmWeights(b: NetworkBuilder, prefix: string, suffix: string, inDim: number, H: number): LstmWeights {
  const k = 1 / Math.sqrt(H);
  const p = (name: string, shape: number[]) => b.param(`${prefix}.${name}${suffix}`, shape, uniformInit(b, shape, k));
  return {
    ih: p('weight_ih_l0', [inDim, 4 * H]),
    hh: p('weight_hh_l0', [H, 4 * H]),
    bih: p('bias_ih_l0', [4 * H]),
    bhh: p('bias_hh_l0', [4 * H]),
  };
}

/**
 * One LSTM step: gates = x·W_ih + b_ih + h·W_hh + b_hh, split into i, f, g, o; c′ = σ(f)·c + σ(i)·tanh(g),
 * h′ = σ(o)·tanh(c′). `xw` is x·W_ih + b_ih, precomputed for the whole sequence.
 */
export function lstmStep(xw: Tensor, h: Tensor, c: Tensor, w: Pick<LstmWeights, 'hh' | 'bhh'>): [Tensor, Tensor] {
  const gates = tf.add(tf.add(xw, tf.matMul(h, w.hh)), w.bhh);
  const [i, f, g, o] = tf.split(gates, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
  const c2 = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
  return [tf.mul(tf.sigmoid(o), tf.tanh(c2)), c2];
}

/** Every step's h over x [B, L, in], first to last or last to first; the result is in sequence order. */
function runDirection(x: Tensor, w: LstmWeights, H: number, reverse: boolean): Tensor[] {
  const [batch, len, inDim] = x.shape as [number, number, number];
  const xw = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [-1, inDim]), w.ih), w.bih), [batch, len, 4 * H]);
  const steps = tf.unstack(xw, 1);
  let h: Tensor = tf.zeros([batch, H]);
  let c: Tensor = tf.zeros([batch, H]);
  const out = new Array<Tensor>(len);
  for (let k = 0; k < len; k++) {
    const t = reverse ? len - 1 - k : k;
    [h, c] = lstmStep(steps[t]!, h, c, w);
    out[t] = h;
  }
  return out;
}

/**
 * An LSTM layer over `from` [L, in]: stages `${name}` [L, H] and `${name}.final` [H]. Parameters
 * `${name}.weight_ih_l0` … and, bidirectional, the `_reverse` set (PyTorch's names).
 */
export function lstmLayer(b: NetworkBuilder, name: string, from: string, o: LstmOptions): NetworkBuilder {
  const [len, inDim] = b.shape(from) as [number, number];
  if (len === undefined || inDim === undefined || b.shape(from).length !== 2)
    throw new Error(`lstmLayer ${name}: input '${from}' must be a sequence [L, features], not [${b.shape(from)}]`);
  const H = o.hidden;
  const fwd = lstmWeights(b, name, '', inDim, H);
  const bwd = o.bidirectional ? lstmWeights(b, name, '_reverse', inDim, H) : undefined;
  const rate = o.dropout ?? 0;
  // Both directions, stacked [B, L, dirs, H]: the per-step site sums them, the final state reads both ends.
  b.stage(`${name}.directions`, from, ([x], ctx) => {
    const input = ctx.training && rate > 0 ? tf.dropout(x!, rate) : x!;
    const dirs = [tf.stack(runDirection(input, fwd, H, false), 1)];
    if (bwd) dirs.push(tf.stack(runDirection(input, bwd, H, true), 1));
    return tf.stack(dirs, 2);
  });
  b.stage(name, `${name}.directions`, ([d]) => tf.sum(d!, 2));
  b.stage(`${name}.final`, `${name}.directions`, ([d]) => {
    const last = tf.reshape(tf.slice(d!, [0, len - 1, 0, 0], [-1, 1, 1, H]), [-1, H]);
    if (!bwd) return last;
    return tf.add(last, tf.reshape(tf.slice(d!, [0, 0, 1, 0], [-1, 1, 1, H]), [-1, H]));
  });
  return b;
}

/**
 * Additive attention without biases (Bahdanau; the ReaSCAN decoder's): scores vᵀ·tanh(q·W_q + k·W_k) over keys
 * [B, L, K] projected to [B, L, A], masked where `mask` [B, L] is 0; the values are the projected keys. Returns the
 * context [B, A] and the weights [B, L].
 */
export function additiveAttention(
  query: Tensor,
  keys: Tensor,
  p: { wq: Tensor; wk: Tensor; v: Tensor },
  mask?: Tensor,
): { context: Tensor; weights: Tensor } {
  const [batch, len, kDim] = keys.shape as [number, number, number];
  const a = p.wk.shape[1]!;
  const projected = tf.reshape(tf.matMul(tf.reshape(keys, [-1, kDim]), p.wk), [batch, len, a]);
  const q = tf.reshape(tf.matMul(query, p.wq), [batch, 1, a]);
  let scores = tf.reshape(tf.matMul(tf.reshape(tf.tanh(tf.add(projected, q)), [-1, a]), p.v), [batch, len]);
  if (mask) scores = tf.add(scores, tf.mul(tf.sub(1, tf.cast(mask, 'float32')), -1e9));
  const weights = tf.softmax(scores);
  const context = tf.reshape(tf.matMul(tf.reshape(weights, [batch, 1, len]), projected), [batch, a]);
  return { context, weights };
}
