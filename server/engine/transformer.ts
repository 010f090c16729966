/**
 * A BERT-shaped transformer encoder (Devlin et al. 2019) as network stages:
 * token, position and segment embeddings, post-LayerNorm blocks of masked
 * multi-head self-attention and an erf-GELU feed-forward, and a
 * classification head on [CLS] through BERT's tanh pooler.
 *
 * Every block's output is a site [L, H] (`layer0`…), as is its attention
 * half (`layer0.attention`), so an alignment's slice picks a token position
 * and a hidden range: the paper's grid of representations, a column per
 * token and a row per layer. Parameters carry Hugging Face's BertModel names
 * (without the `bert.` prefix) so a checkpoint loads by name; dense weights
 * are [in, out], the transpose of PyTorch's Linear.
 */
import type { NetworkBuilder } from './network';
import { network, type Network } from './network';
import { tf, type Tensor } from './tf';

export interface BertOptions {
  vocabSize: number;
  /** Sequence length every input has (MQNLI: 27). */
  length: number;
  hidden: number;
  layers: number;
  heads: number;
  /** Feed-forward width; default 4 × hidden. */
  intermediate?: number;
  /** Rows of the position table (a checkpoint's max_position_embeddings); default `length`. */
  maxPositions?: number;
  /** Segment (token type) vocabulary; default 2. */
  typeVocab?: number;
  /** Output classes of the head on [CLS]. */
  classes: number;
  /** LayerNorm's ε; BERT's 1e-12 by default. */
  layerNormEps?: number;
  /**
   * Dropout after embeddings, attention probabilities and each sub-layer while training; default 0. Its masks
   * come from TensorFlow.js's own random stream, so a resumed run with dropout differs from an uninterrupted one.
   */
  dropout?: number;
  /** Standard deviation of the normal initialiser (BERT's initializer_range); default 0.02. */
  initRange?: number;
  seed?: number;
}

/**
 * While training, vocabularies up to this size embed by one-hot × table (a matmul every backend differentiates; wasm
 * has no gradient of gather); larger ones, and every pass outside training, gather the rows: the one-hot of a large
 * evaluation chunk ran past WebGPU's 128 MB storage binding. Both give the table's rows exactly.
 */
const ONE_HOT_VOCAB = 8192;

interface Init {
  b: NetworkBuilder;
  std: number;
}

function normalInit({ b, std }: Init, shape: number[]): Float32Array {
  const n = shape.reduce((x, y) => x * y, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = b.rng.normal() * std;
  return out;
}

interface Linear {
  weight: tf.Variable;
  bias: tf.Variable;
}

function linear(init: Init, name: string, inDim: number, outDim: number): Linear {
  return {
    weight: init.b.param(`${name}.weight`, [inDim, outDim], normalInit(init, [inDim, outDim])),
    bias: init.b.param(`${name}.bias`, [outDim], 'zeros'),
  };
}

/** x [..., in] · W + b, for any leading axes. */
function applyLinear(x: Tensor, l: Linear): Tensor {
  const [inDim, outDim] = l.weight.shape as [number, number];
  const lead = x.shape.slice(0, -1);
  const flat = tf.reshape(x, [-1, inDim]);
  return tf.reshape(tf.add(tf.matMul(flat, l.weight), l.bias), [...lead, outDim]);
}

interface Norm {
  gamma: tf.Variable;
  beta: tf.Variable;
}

function layerNorm(b: NetworkBuilder, name: string, dim: number): Norm {
  return { gamma: b.param(`${name}.weight`, [dim], 'ones'), beta: b.param(`${name}.bias`, [dim], 'zeros') };
}

function applyNorm(x: Tensor, n: Norm, eps: number): Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), n.gamma), n.beta);
}

/** GELU in its exact form, x·Φ(x) (BERT's `gelu`, not the tanh approximation). */
export function gelu(x: Tensor): Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

function dropout(x: Tensor, rate: number, training: boolean): Tensor {
  return training && rate > 0 ? tf.dropout(x, rate) : x;
}

/** Rows of `table` [V, H] for integer ids [B, L] (given as any dtype). */
function embed(ids: Tensor, table: tf.Variable, training: boolean): Tensor {
  const [vocab, dim] = table.shape as [number, number];
  const int = tf.cast(ids, 'int32');
  if (!training || vocab > ONE_HOT_VOCAB) return tf.gather(table, int);
  const [batch, len] = int.shape as [number, number];
  const hot = tf.cast(tf.oneHot(tf.reshape(int, [-1]), vocab), 'float32');
  return tf.reshape(tf.matMul(hot, table), [batch, len, dim]);
}

/** [B, L, H] → [B, heads, L, H/heads]. */
function splitHeads(x: Tensor, heads: number): Tensor {
  const [batch, len, dim] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [batch, len, heads, dim / heads]), [0, 2, 1, 3]);
}

function mergeHeads(x: Tensor): Tensor {
  const [batch, heads, len, d] = x.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [batch, len, heads * d]);
}

/**
 * BERT's encoder with sites `embeddings`, `layer{i}.attention`, `layer{i}` (i from 0, as Hugging Face's
 * encoder.layer.i), `pooled` and `logits`. Inputs: `input_ids` [L], `token_type_ids` [L], and
 * `attention_mask` [L] (1 attends, 0 is padding no query attends to).
 */
export function bertEncoder(o: BertOptions): Network {
  const H = o.hidden;
  if (H % o.heads)
    throw new Error(`bertEncoder: hidden size ${H} is not a multiple of ${o.heads} heads; pick heads dividing it`);
  const L = o.length;
  const maxPositions = o.maxPositions ?? L;
  if (maxPositions < L)
    throw new Error(`bertEncoder: ${L} tokens need at least ${L} positions (maxPositions is ${maxPositions})`);
  const eps = o.layerNormEps ?? 1e-12;
  const rate = o.dropout ?? 0;
  const inter = o.intermediate ?? 4 * H;
  const b = network({ input_ids: [L], token_type_ids: [L], attention_mask: [L] }, { seed: o.seed ?? 0 });
  const init: Init = { b, std: o.initRange ?? 0.02 };

  const words = b.param('embeddings.word_embeddings.weight', [o.vocabSize, H], normalInit(init, [o.vocabSize, H]));
  const positions = b.param(
    'embeddings.position_embeddings.weight',
    [maxPositions, H],
    normalInit(init, [maxPositions, H]),
  );
  const typeVocab = o.typeVocab ?? 2;
  const types = b.param('embeddings.token_type_embeddings.weight', [typeVocab, H], normalInit(init, [typeVocab, H]));
  const embNorm = layerNorm(b, 'embeddings.LayerNorm', H);
  b.stage('embeddings', ['input_ids', 'token_type_ids'], ([ids, segs], ctx) => {
    const pos = tf.slice(positions, [0, 0], [L, H]);
    const sum = tf.add(tf.add(embed(ids!, words, ctx.training), embed(segs!, types, ctx.training)), pos);
    return dropout(applyNorm(sum, embNorm, eps), rate, ctx.training);
  });

  let prev = 'embeddings';
  for (let i = 0; i < o.layers; i++) {
    const p = `encoder.layer.${i}`;
    const q = linear(init, `${p}.attention.self.query`, H, H);
    const k = linear(init, `${p}.attention.self.key`, H, H);
    const v = linear(init, `${p}.attention.self.value`, H, H);
    const out = linear(init, `${p}.attention.output.dense`, H, H);
    const attNorm = layerNorm(b, `${p}.attention.output.LayerNorm`, H);
    const up = linear(init, `${p}.intermediate.dense`, H, inter);
    const down = linear(init, `${p}.output.dense`, inter, H);
    const ffNorm = layerNorm(b, `${p}.output.LayerNorm`, H);
    const scale = 1 / Math.sqrt(H / o.heads);
    b.stage(`layer${i}.attention`, [prev, 'attention_mask'], ([x, mask], ctx) => {
      const [batch] = x!.shape as [number];
      const scores = tf.mul(
        tf.matMul(splitHeads(applyLinear(x!, q), o.heads), splitHeads(applyLinear(x!, k), o.heads), false, true),
        scale,
      );
      // BERT's additive mask: −10000 on the keys of padding, broadcast over heads and queries.
      const bias = tf.reshape(tf.mul(tf.sub(1, tf.cast(mask!, 'float32')), -10000), [batch, 1, 1, L]);
      const probs = dropout(tf.softmax(tf.add(scores, bias)), rate, ctx.training);
      const context = mergeHeads(tf.matMul(probs, splitHeads(applyLinear(x!, v), o.heads)));
      return applyNorm(tf.add(dropout(applyLinear(context, out), rate, ctx.training), x!), attNorm, eps);
    });
    b.stage(`layer${i}`, `layer${i}.attention`, ([x], ctx) => {
      const y = dropout(applyLinear(gelu(applyLinear(x!, up)), down), rate, ctx.training);
      return applyNorm(tf.add(y, x!), ffNorm, eps);
    });
    prev = `layer${i}`;
  }

  const pooler = linear(init, 'pooler.dense', H, H);
  b.stage('pooled', prev, ([x]) => {
    const cls = tf.reshape(tf.slice(x!, [0, 0, 0], [-1, 1, H]), [-1, H]);
    return tf.tanh(applyLinear(cls, pooler));
  });
  const classifier = linear(init, 'classifier', H, o.classes);
  b.stage('logits', 'pooled', ([x], ctx) => applyLinear(dropout(x!, rate, ctx.training), classifier));
  return b.build('logits');
}
