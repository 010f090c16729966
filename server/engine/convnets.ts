/**
 * Convolutional building blocks as network stages, ResNet-18 as in
 * torchvision (He et al. 2016) for one-channel images, and a quadrant-local
 * network for 2×2 image grids that trains on the wasm backend.
 *
 * Padding is explicit (pad, then a 'valid' op) so every layer matches
 * PyTorch's symmetric padding: TensorFlow's 'same' pads the extra pixel on
 * one side only, which would shift the max-pool quadrants off their inputs.
 */
import type { NetworkBuilder } from './network';
import { network, type Network } from './network';
import { tf, type Tensor } from './tf';

type T4 = tf.Tensor4D;

/** Zero padding of `p` pixels on every side of the two spatial axes. */
function pad2d(x: T4, p: number): T4 {
  return p > 0
    ? tf.pad(x, [
        [0, 0],
        [p, p],
        [p, p],
        [0, 0],
      ])
    : x;
}

/** Parameters of a k×k convolution `cin → cout` (no bias: a batch norm follows). */
function convParam(b: NetworkBuilder, name: string, k: number, cin: number, cout: number): tf.Variable {
  return b.param(`${name}.weight`, [k, k, cin, cout], 'he');
}

function conv(x: T4, w: tf.Variable, stride: number, pad: number): T4 {
  return tf.conv2d(pad2d(x, pad), w as unknown as tf.Tensor4D, stride, 'valid');
}

/**
 * Batch normalisation over N, H, W (PyTorch's BatchNorm2d): batch statistics
 * while training, which also update the running ones (momentum 0.1, unbiased
 * variance); running statistics otherwise.
 */
export class BatchNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly mean: tf.Variable;
  readonly variance: tf.Variable;

  constructor(
    b: NetworkBuilder,
    name: string,
    channels: number,
    readonly momentum = 0.1,
    readonly eps = 1e-5,
  ) {
    this.gamma = b.param(`${name}.weight`, [channels], 'ones');
    this.beta = b.param(`${name}.bias`, [channels], 'zeros');
    this.mean = b.buffer(`${name}.running_mean`, [channels], 'zeros');
    this.variance = b.buffer(`${name}.running_var`, [channels], 'ones');
  }

  apply(x: T4, training: boolean): T4 {
    const [g, b] = [this.gamma as unknown as tf.Tensor1D, this.beta as unknown as tf.Tensor1D];
    if (!training)
      return tf.batchNorm4d(
        x,
        this.mean as unknown as tf.Tensor1D,
        this.variance as unknown as tf.Tensor1D,
        b,
        g,
        this.eps,
      );
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const n = x.shape[0] * x.shape[1] * x.shape[2];
    // Running statistics are state, not part of the loss: assign() is outside the gradient tape.
    const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
    this.mean.assign(tf.add(tf.mul(this.mean, 1 - this.momentum), tf.mul(mean, this.momentum)));
    this.variance.assign(tf.add(tf.mul(this.variance, 1 - this.momentum), tf.mul(unbiased, this.momentum)));
    return tf.batchNorm4d(x, mean as tf.Tensor1D, variance as tf.Tensor1D, b, g, this.eps);
  }
}

/** conv → batch norm → ReLU as one stage. */
export function convBnRelu(
  b: NetworkBuilder,
  name: string,
  from: string,
  opts: { channels: number; kernel: number; stride?: number; pad?: number },
): NetworkBuilder {
  const cin = b.shape(from)[2]!;
  const w = convParam(b, `${name}.conv`, opts.kernel, cin, opts.channels);
  const bn = new BatchNorm(b, `${name}.bn`, opts.channels);
  return b.stage(name, from, ([x], ctx) =>
    tf.relu(bn.apply(conv(x as T4, w, opts.stride ?? 1, opts.pad ?? 0), ctx.training)),
  );
}

/** k×k max pooling with stride and symmetric zero padding (exact after a ReLU, whose outputs are ≥ 0). */
export function maxPool(
  b: NetworkBuilder,
  name: string,
  from: string,
  opts: { size: number; stride: number; pad?: number },
): NetworkBuilder {
  return b.stage(name, from, ([x]) => tf.maxPool(pad2d(x as T4, opts.pad ?? 0), opts.size, opts.stride, 'valid'));
}

/** torchvision's BasicBlock: two 3×3 convs with batch norm, a 1×1 projection when the shape changes. */
export function basicBlock(
  b: NetworkBuilder,
  name: string,
  from: string,
  channels: number,
  stride: number,
): NetworkBuilder {
  const cin = b.shape(from)[2]!;
  const w1 = convParam(b, `${name}.conv1`, 3, cin, channels);
  const bn1 = new BatchNorm(b, `${name}.bn1`, channels);
  const w2 = convParam(b, `${name}.conv2`, 3, channels, channels);
  const bn2 = new BatchNorm(b, `${name}.bn2`, channels);
  const project = stride !== 1 || cin !== channels;
  const wd = project ? convParam(b, `${name}.downsample.0`, 1, cin, channels) : undefined;
  const bnd = project ? new BatchNorm(b, `${name}.downsample.1`, channels) : undefined;
  return b.stage(name, from, ([x], ctx) => {
    const t = ctx.training;
    const h = tf.relu(bn1.apply(conv(x as T4, w1, stride, 1), t));
    const y = bn2.apply(conv(h, w2, 1, 1), t);
    const skip = wd ? bnd!.apply(conv(x as T4, wd, stride, 0), t) : (x as T4);
    return tf.relu(tf.add(y, skip));
  });
}

export interface ResNetOptions {
  /** Per-example input shape [H, W, C]; default one-channel 56×56 (a 2×2 grid of 28×28 images). */
  input?: [number, number, number];
  classes: number;
  seed?: number;
  /** Channels of the four stages; torchvision's ResNet-18 uses [64, 128, 256, 512]. */
  widths?: [number, number, number, number];
}

/**
 * ResNet-18 (torchvision's layout): conv1 7×7/2 (pad 3) → BN → ReLU → max-pool
 * 3×3/2 (pad 1) → four stages of two BasicBlocks → global average pool → fc.
 * Sites: `conv1`, `maxpool`, `layer1.0` … `layer4.1`, `avgpool`, `fc`. For a
 * 56×56 input, `maxpool` is 14×14×64: its four 7×7 spatial quadrants sit above
 * the four 28×28 input quadrants (the paper's PVR alignment).
 */
export function resnet18(o: ResNetOptions): Network {
  const input = o.input ?? [56, 56, 1];
  const widths = o.widths ?? [64, 128, 256, 512];
  const b = network({ x: input }, { seed: o.seed ?? 0 });
  convBnRelu(b, 'conv1', 'x', { channels: widths[0], kernel: 7, stride: 2, pad: 3 });
  maxPool(b, 'maxpool', 'conv1', { size: 3, stride: 2, pad: 1 });
  let prev = 'maxpool';
  widths.forEach((ch, i) => {
    for (let k = 0; k < 2; k++) {
      const name = `layer${i + 1}.${k}`;
      basicBlock(b, name, prev, ch, k === 0 && i > 0 ? 2 : 1);
      prev = name;
    }
  });
  b.stage('avgpool', prev, ([x]) => tf.mean(x!, [1, 2]));
  b.dense('fc', 'avgpool', o.classes);
  return b.build('fc');
}

/**
 * A p×p convolution with stride p (non-overlapping patches) written as
 * reshape + transpose + matmul: the same function as conv2d, but built from
 * kernels whose gradients every backend has (wasm has no
 * Conv2DBackpropFilter). [H, W, C] → [H/p, W/p, channels], ReLU.
 */
export function patchEmbed(
  b: NetworkBuilder,
  name: string,
  from: string,
  opts: { patch: number; channels: number },
): NetworkBuilder {
  const [H, W, C] = b.shape(from) as [number, number, number];
  const p = opts.patch;
  if (H % p !== 0 || W % p !== 0) throw new Error(`patchEmbed ${name}: ${H}×${W} is not a multiple of the patch ${p}`);
  const h = H / p;
  const w = W / p;
  const Wt = b.param(`${name}.weight`, [p * p * C, opts.channels], 'he');
  const bias = b.param(`${name}.bias`, [opts.channels], 'zeros');
  return b.stage(name, from, ([x]) => {
    const n = x!.shape[0]!;
    const patches = tf.reshape(tf.transpose(tf.reshape(x!, [n, h, p, w, p, C]), [0, 1, 3, 2, 4, 5]), [
      n * h * w,
      p * p * C,
    ]);
    return tf.reshape(tf.relu(tf.add(tf.matMul(patches, Wt), bias)), [n, h, w, opts.channels]);
  });
}

/** [N, H, W, C] → [N, 4, H/2 · W/2 · C]: the four spatial quadrants (TL, TR, BL, BR), each flattened. */
export function quadrants(x: Tensor): Tensor {
  const [n, H, W, C] = x.shape as [number, number, number, number];
  const h = H / 2;
  const w = W / 2;
  return tf.reshape(tf.transpose(tf.reshape(x, [n, 2, h, 2, w, C]), [0, 1, 3, 2, 4, 5]), [n, 4, h * w * C]);
}

export interface QuadrantNetOptions {
  /** Per-example input [H, W, 1]; default 56×56. */
  input?: [number, number, number];
  classes: number;
  seed?: number;
  /** Patch side of the stem (a stride-`patch` convolution). Default 4: 56×56 → 14×14. */
  patch?: number;
  /** Channels of the stem. */
  channels?: number;
  /** Widths of the per-quadrant encoder, shared by the four quadrants. */
  encoder?: number[];
  /** Width of the hidden layer that combines the four quadrants. */
  mix?: number;
}

/**
 * A fast network for 2×2 image grids that keeps quadrant locality: a patch
 * stem (`stem`, [14, 14, C] for 56×56 input: its four 7×7 quadrants sit above
 * the input quadrants, like ResNet-18's first max-pool), one encoder MLP
 * applied to each quadrant with shared weights (`quad1`…, [4, width]), then
 * an MLP over the four codes (`mix`, `logits`). Only reshape, transpose,
 * matmul and ReLU: wasm trains it.
 */
export function quadrantNet(o: QuadrantNetOptions): Network {
  const input = o.input ?? [56, 56, 1];
  const b = network({ x: input }, { seed: o.seed ?? 0 });
  patchEmbed(b, 'stem', 'x', { patch: o.patch ?? 4, channels: o.channels ?? 16 });
  let prev = 'stem';
  let width = 0;
  (o.encoder ?? [128, 64]).forEach((units, i) => {
    const inDim = i === 0 ? b.shape('stem').reduce((a, c) => a * c, 1) / 4 : width;
    const W = b.param(`quad${i + 1}.weight`, [inDim, units], 'he');
    const bias = b.param(`quad${i + 1}.bias`, [units], 'zeros');
    const first = i === 0;
    b.stage(`quad${i + 1}`, prev, ([x]) => {
      const n = x!.shape[0]!;
      const q = first ? quadrants(x!) : x!;
      const y = tf.relu(tf.add(tf.matMul(tf.reshape(q, [n * 4, inDim]), W), bias));
      return tf.reshape(y, [n, 4, units]);
    });
    prev = `quad${i + 1}`;
    width = units;
  });
  b.dense('mix', prev, o.mix ?? 256, { activation: 'relu', init: 'he' });
  b.dense('logits', 'mix', o.classes);
  return b.build('logits');
}
