/**
 * The authors' CNN-LSTM for ReaSCAN (paper §5; RC `model.py`, `seq2seq_model.py`, `cnn_model.py`): a bidirectional
 * LSTM over the command, three parallel convolutions over the world, and an LSTM decoder with Bahdanau attention
 * over both (the RC variant: logits are W_out·h). Parameters carry PyTorch's initialisation.
 *
 * Sites: `embedding` [L, E], `encoder` [L, H], `encoder.final` [H], `encoder.noun` [H] (the encoder's output at the
 * noun token: attribute IIT), `encoder.patched` [L, H] (what the decoder reads), `situation` [G·G, 3·K],
 * `decoder.init` [2, H], `decoder.step1` [2, H] (rows h; c after consuming SOS: position IIT on row 0) and `logits`
 * [T, A+1]. Feeding `targets` teacher-forces the decoder; without them it decodes greedily.
 */
import { network, type Network, type NetworkBuilder } from '../engine/network';
import { additiveAttention, lstmLayer, lstmStep } from '../engine/recurrent';
import { tf, type Tensor } from '../engine/tf';

export interface ReascanNetworkOptions {
  /** Command vocabulary size, PAD 0 / SOS 1 / EOS 2 included. */
  inputVocab: number;
  /** Command length L (SOS + words + EOS, padded with PAD=0). */
  commandLength: number;
  /** Action tokens A (output index A is EOS). */
  actions: number;
  /** Decoding steps T (the longest action sequence + 1 for EOS). */
  steps: number;
  /** Side G of the square world; default 6. */
  gridSize?: number;
  /** Features C of each world cell; default 17. */
  worldChannels?: number;
  /** Command embedding E; default 25. */
  embedding?: number;
  /** Encoder and decoder hidden size H; default 100. */
  hidden?: number;
  /** Channels of each of the three convolutions (kernels 1, 5, 7); default 50, so 150 in all. */
  cnnChannels?: number;
  /** Action embedding of the decoder; default 100. */
  decoderEmbedding?: number;
  /** Dropout on the command embedding and the decoder's action embedding while training; default 0.3. */
  dropout?: number;
  seed?: number;
}

/** Kernel sizes of the three parallel convolutions (RC's conv_1, conv_2, conv_3). */
const KERNELS = [1, 5, 7];
/** Dropout after the convolutions while training (RC's cnn_dropout_p). */
const CNN_DROPOUT = 0.1;
const PAD = 0;

/** PyTorch's default initialisation of Linear, Conv2d and LSTM weights and biases: uniform in ±bound. */
function uniform(b: NetworkBuilder, shape: number[], bound: number): Float32Array {
  const n = shape.reduce((x, y) => x * y, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * b.rng.next() - 1) * bound;
  return out;
}

/** nn.Embedding's N(0, 1) rows; `zeroRow` is nn.Embedding's padding_idx, kept at zero. */
function embeddingTable(b: NetworkBuilder, name: string, rows: number, dim: number, zeroRow?: number): tf.Variable {
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(i / dim) === zeroRow ? 0 : b.rng.normal();
  return b.param(name, [rows, dim], data);
}

interface Linear {
  weight: tf.Variable;
  bias?: tf.Variable;
}

/** nn.Linear(in → out), stored [in, out]: uniform ±1/√in for the weight and the bias. */
function linear(b: NetworkBuilder, name: string, inDim: number, outDim: number, bias = true): Linear {
  const bound = 1 / Math.sqrt(inDim);
  const weight = b.param(`${name}.weight`, [inDim, outDim], uniform(b, [inDim, outDim], bound));
  if (!bias) return { weight };
  return { weight, bias: b.param(`${name}.bias`, [outDim], uniform(b, [outDim], bound)) };
}

function applyLinear(x: Tensor, l: Linear): Tensor {
  const y = tf.matMul(x, l.weight);
  return l.bias ? tf.add(y, l.bias) : y;
}

function dropout(x: Tensor, rate: number, training: boolean): Tensor {
  return training && rate > 0 ? tf.dropout(x, rate) : x;
}

/**
 * Rows of `table` for integer ids of any shape, as one-hot × table: a matmul every backend differentiates (wasm has
 * no gradient of gather), and cheap for ReaSCAN's vocabularies of a few dozen tokens.
 */
function embed(ids: Tensor, table: tf.Variable): Tensor {
  const [vocab, dim] = table.shape as [number, number];
  const hot = tf.oneHot(tf.reshape(tf.cast(ids, 'int32'), [-1]), vocab);
  return tf.reshape(tf.matMul(tf.cast(hot, 'float32'), table), [...ids.shape, dim]);
}

interface Conv {
  weight: tf.Variable;
  bias: tf.Variable;
}

/** nn.Conv2d(cin → cout, k×k) with bias, stored [k, k, cin, cout] as tf.conv2d's filter: uniform ±1/√(cin·k²). */
function convParams(b: NetworkBuilder, name: string, k: number, cin: number, cout: number): Conv {
  const bound = 1 / Math.sqrt(cin * k * k);
  return {
    weight: b.param(`${name}.weight`, [k, k, cin, cout], uniform(b, [k, k, cin, cout], bound)),
    bias: b.param(`${name}.bias`, [cout], uniform(b, [cout], bound)),
  };
}

/**
 * A same-padded k×k convolution (odd k, stride 1; PyTorch's padding k//2) as k² shifted slices and one matmul: the
 * function of tf.conv2d, built from kernels whose gradients wasm has (it lacks Conv2DBackpropFilter). The 6×6 grid
 * keeps the k² slices cheap. [B, G, G, cin] → [B, G, G, cout].
 */
function convSame(x: Tensor, c: Conv): Tensor {
  const [n, h, w, cin] = x.shape as [number, number, number, number];
  const [k, , , cout] = c.weight.shape as [number, number, number, number];
  const p = (k - 1) / 2;
  const padded = tf.pad(x, [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ]);
  const shifted: Tensor[] = [];
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) shifted.push(tf.slice(padded, [0, i, j, 0], [n, h, w, cin]));
  // Channel index (i·k + j)·cin + c is the row of the filter [k, k, cin, cout] flattened to [k²·cin, cout].
  const patches = tf.reshape(tf.concat(shifted, 3), [n * h * w, k * k * cin]);
  const y = tf.add(tf.matMul(patches, tf.reshape(c.weight, [k * k * cin, cout])), c.bias);
  return tf.reshape(y, [n, h, w, cout]);
}

interface Attention {
  wq: tf.Variable;
  wk: tf.Variable;
  v: tf.Variable;
}

/** RC's Attention: query and key projections to H and the energy vector, none with a bias. */
function attentionParams(b: NetworkBuilder, name: string, keyDim: number, H: number): Attention {
  return {
    wq: linear(b, `${name}.wq`, H, H, false).weight,
    wk: linear(b, `${name}.wk`, keyDim, H, false).weight,
    v: linear(b, `${name}.v`, H, 1, false).weight,
  };
}

/** What every decoding step attends to: the encoder's outputs (PAD tokens masked) and the situation's cells. */
interface Memory {
  command: Tensor;
  mask: Tensor;
  situation: Tensor;
}

function memory(encoded: Tensor, situation: Tensor, command: Tensor): Memory {
  return { command: encoded, mask: tf.cast(tf.notEqual(command, PAD), 'float32'), situation };
}

interface DecoderWeights {
  embedding: tf.Variable;
  text: Attention;
  situation: Attention;
  queries: Linear;
  lstm: { ih: tf.Variable; bih: tf.Variable; hh: tf.Variable; bhh: tf.Variable };
  output: Linear;
}

/** The decoder's weights, declared once: decoder.step1 and the later steps in `logits` share them. */
function decoderWeights(b: NetworkBuilder, o: Required<ReascanNetworkOptions>): DecoderWeights {
  const H = o.hidden;
  const De = o.decoderEmbedding;
  const inDim = De + 2 * H;
  const lstm = (name: string, shape: number[]) =>
    b.param(`decoder.lstm.${name}`, shape, uniform(b, shape, 1 / Math.sqrt(H)));
  return {
    // Rows 0..A−1 the actions, A = EOS, A+1 = SOS (the first step's input).
    embedding: embeddingTable(b, 'decoder.embedding.weight', o.actions + 2, De),
    text: attentionParams(b, 'decoder.attention_text', H, H),
    situation: attentionParams(b, 'decoder.attention_situation', 3 * o.cnnChannels, H),
    queries: linear(b, 'decoder.queries_to_keys', 2 * H, H),
    lstm: {
      ih: lstm('weight_ih_l0', [inDim, 4 * H]),
      hh: lstm('weight_hh_l0', [H, 4 * H]),
      bih: lstm('bias_ih_l0', [4 * H]),
      bhh: lstm('bias_hh_l0', [4 * H]),
    },
    // RC's hidden_to_output has no bias.
    output: linear(b, 'decoder.output', H, o.actions + 1, false),
  };
}

/**
 * One decoding step from (h, c) on the previous token y [B] (int32): text attention on h, situation attention on
 * tanh(W[h; c_cmd]), then the LSTM cell over [e; c_cmd; c_sit].
 */
function decoderStep(
  w: DecoderWeights,
  y: Tensor,
  [h, c]: [Tensor, Tensor],
  mem: Memory,
  rate: number,
  training: boolean,
): [Tensor, Tensor] {
  const e = dropout(embed(y, w.embedding), rate, training);
  const text = additiveAttention(h, mem.command, w.text, mem.mask).context;
  const q = tf.tanh(applyLinear(tf.concat([h, text], 1), w.queries));
  const seen = additiveAttention(q, mem.situation, w.situation).context;
  const xw = tf.add(tf.matMul(tf.concat([e, text, seen], 1), w.lstm.ih), w.lstm.bih);
  return lstmStep(xw, h, c, w.lstm);
}

/** [B, 2, H] rows h; c ↔ the pair. */
function splitState(s: Tensor): [Tensor, Tensor] {
  const [h, c] = tf.unstack(s, 1) as [Tensor, Tensor];
  return [h, c];
}

/** The token step k consumes: targets[k−1] when teacher-forcing, else the argmax of the previous row (greedy). */
function previousToken(targets: Tensor | undefined, k: number, previous: Tensor): Tensor {
  if (!targets) return tf.argMax(previous, 1);
  return tf.cast(tf.reshape(tf.slice(targets, [0, k - 1], [-1, 1]), [-1]), 'int32');
}

/** The command encoder: embedding (PAD rows zero), the bidirectional LSTM, and the noun-position site. */
function encoderStages(b: NetworkBuilder, o: Required<ReascanNetworkOptions>): void {
  const table = embeddingTable(b, 'encoder.embedding.weight', o.inputVocab, o.embedding, PAD);
  b.stage('embedding', 'command', ([ids], ctx) => {
    // padding_idx semantics: PAD embeds as zeros and its row is never trained.
    const keep = tf.expandDims(tf.cast(tf.notEqual(ids!, PAD), 'float32'), 2);
    return dropout(tf.mul(embed(ids!, table), keep), o.dropout, ctx.training);
  });
  lstmLayer(b, 'encoder', 'embedding', { hidden: o.hidden, bidirectional: true });
  b.positioned('encoder.noun', { from: 'encoder', position: 'noun', into: 'encoder.patched' });
}

/** The world encoder: three same-padded convolutions side by side, ReLU, dropout, one row per cell. */
function situationStage(b: NetworkBuilder, o: Required<ReascanNetworkOptions>): void {
  const convs = KERNELS.map((k, i) => convParams(b, `situation.conv_${i + 1}`, k, o.worldChannels, o.cnnChannels));
  const cells = o.gridSize * o.gridSize;
  b.stage('situation', 'world', ([x], ctx) => {
    const y = tf.relu(
      tf.concat(
        convs.map((c) => convSame(x!, c)),
        3,
      ),
    );
    return tf.reshape(dropout(y, CNN_DROPOUT, ctx.training), [-1, cells, 3 * o.cnnChannels]);
  });
}

function decoderStages(b: NetworkBuilder, o: Required<ReascanNetworkOptions>): void {
  const init = linear(b, 'decoder.init', o.hidden, o.hidden);
  const w = decoderWeights(b, o);
  const sos = o.actions + 1;
  b.stage('decoder.init', 'encoder.final', ([f]) => {
    const s = tf.tanh(applyLinear(f!, init));
    return tf.stack([s, s], 1);
  });
  b.stage('decoder.step1', ['decoder.init', 'encoder.patched', 'situation', 'command'], ([s, enc, sit, cmd], ctx) => {
    const y = tf.fill([s!.shape[0]!], sos, 'int32');
    const state = decoderStep(w, y, splitState(s!), memory(enc!, sit!, cmd!), o.dropout, ctx.training);
    return tf.stack(state, 1);
  });
  b.stage(
    'logits',
    ['decoder.step1', 'encoder.patched', 'situation', 'command', 'targets'],
    ([s1, enc, sit, cmd, targets], ctx) => {
      const mem = memory(enc!, sit!, cmd!);
      let state = splitState(s1!);
      const rows = [applyLinear(state[0], w.output)];
      for (let k = 1; k < o.steps; k++) {
        const y = previousToken(targets, k, rows[k - 1]!);
        state = decoderStep(w, y, state, mem, o.dropout, ctx.training);
        rows.push(applyLinear(state[0], w.output));
      }
      return tf.stack(rows, 1);
    },
  );
}

/**
 * The CNN-LSTM. Inputs: `command` [L] token ids, `world` [G, G, C], `noun` [1] (the index in `command` of the referred
 * object's shape word) and, optional, `targets` [T] (action ids 0..A, A = EOS, positions after EOS A too).
 */
export function reascanNetwork(opts: ReascanNetworkOptions): Network {
  const o: Required<ReascanNetworkOptions> = {
    ...opts,
    gridSize: opts.gridSize ?? 6,
    worldChannels: opts.worldChannels ?? 17,
    embedding: opts.embedding ?? 25,
    hidden: opts.hidden ?? 100,
    cnnChannels: opts.cnnChannels ?? 50,
    decoderEmbedding: opts.decoderEmbedding ?? 100,
    dropout: opts.dropout ?? 0.3,
    seed: opts.seed ?? 0,
  };
  const G = o.gridSize;
  const b = network(
    { command: [o.commandLength], world: [G, G, o.worldChannels], noun: [1], targets: [o.steps] },
    { seed: o.seed, optional: ['targets'] },
  );
  encoderStages(b, o);
  situationStage(b, o);
  decoderStages(b, o);
  // Each decoding step keeps its state, both attentions' energies and the LSTM's gates until the pass ends.
  const cells = G * G;
  const perStep = 12 * o.hidden + cells * (o.hidden + 3 * o.cnnChannels) + o.commandLength * 2 * o.hidden;
  return b.build('logits', { workingFloats: 2 * o.steps * perStep });
}
