/**
 * Backend-independent reference problems and timings: a matmul, an MLP
 * training step and a small CNN training step. Problems are plain typed arrays
 * drawn from a seeded Rng, so the same numbers can be turned into tensors on
 * any backend; the conformance tests compare backends on them and
 * docs/BACKENDS.md's numbers come from timing them (measure-cli.ts).
 */
import { Rng } from '../engine/rng';
import { tf } from '../engine/tf';

export interface HostTensor {
  shape: number[];
  values: Float32Array;
}

export interface Problem {
  kind: 'mlp' | 'conv';
  /** Parameters by name, in a fixed order. */
  params: Record<string, HostTensor>;
  x: HostTensor;
  /** One-hot labels. */
  y: HostTensor;
}

export interface MlpSize {
  batch: number;
  input: number;
  hidden: number;
  classes: number;
}

export interface ConvSize {
  batch: number;
  /** Square input side (single channel). */
  side: number;
  filters: [number, number];
  classes: number;
}

function normal(rng: Rng, shape: number[], scale: number): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Float32Array.from({ length: n }, () => rng.normal() * scale) };
}

function oneHot(rng: Rng, batch: number, classes: number): HostTensor {
  const values = new Float32Array(batch * classes);
  for (let i = 0; i < batch; i++) values[i * classes + rng.int(classes)] = 1;
  return { shape: [batch, classes], values };
}

/** A two-hidden-layer ReLU MLP with He-scaled weights. */
export function mlpProblem(size: MlpSize, seed = 1): Problem {
  const rng = new Rng(seed);
  const { batch, input, hidden, classes } = size;
  const he = (fanIn: number) => Math.sqrt(2 / fanIn);
  return {
    kind: 'mlp',
    params: {
      w1: normal(rng, [input, hidden], he(input)),
      b1: normal(rng, [hidden], 0.1),
      w2: normal(rng, [hidden, hidden], he(hidden)),
      b2: normal(rng, [hidden], 0.1),
      w3: normal(rng, [hidden, classes], he(hidden)),
      b3: normal(rng, [classes], 0.1),
    },
    x: normal(rng, [batch, input], 1),
    y: oneHot(rng, batch, classes),
  };
}

/** conv3×3 → ReLU → maxPool 2 → conv3×3 → ReLU → maxPool 2 → dense. */
export function convProblem(size: ConvSize, seed = 1): Problem {
  const rng = new Rng(seed);
  const { batch, side, filters, classes } = size;
  if (side % 4 !== 0) throw new Error(`convProblem: side ${side} must be a multiple of 4 (two 2×2 pools)`);
  const [f1, f2] = filters;
  const flat = (side / 4) * (side / 4) * f2;
  return {
    kind: 'conv',
    params: {
      k1: normal(rng, [3, 3, 1, f1], Math.sqrt(2 / 9)),
      k2: normal(rng, [3, 3, f1, f2], Math.sqrt(2 / (9 * f1))),
      w: normal(rng, [flat, classes], Math.sqrt(2 / flat)),
      b: normal(rng, [classes], 0.1),
    },
    x: normal(rng, [batch, side, side, 1], 1),
    y: oneHot(rng, batch, classes),
  };
}

/** The problem's mean softmax cross-entropy, built from tensors on the active backend. */
function loss(p: Problem, v: Record<string, tf.Tensor>, x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  let logits: tf.Tensor2D;
  if (p.kind === 'mlp') {
    const h1 = tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, v.w1 as tf.Tensor2D), v.b1!));
    const h2 = tf.relu(tf.add(tf.matMul(h1 as tf.Tensor2D, v.w2 as tf.Tensor2D), v.b2!));
    logits = tf.add(tf.matMul(h2 as tf.Tensor2D, v.w3 as tf.Tensor2D), v.b3!);
  } else {
    const c1 = tf.relu(tf.conv2d(x as tf.Tensor4D, v.k1 as tf.Tensor4D, 1, 'same'));
    const p1 = tf.maxPool(c1, 2, 2, 'valid');
    const c2 = tf.relu(tf.conv2d(p1, v.k2 as tf.Tensor4D, 1, 'same'));
    const p2 = tf.maxPool(c2, 2, 2, 'valid');
    const flat = tf.reshape(p2, [p2.shape[0], -1]) as tf.Tensor2D;
    logits = tf.add(tf.matMul(flat, v.w as tf.Tensor2D), v.b!);
  }
  return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
}

/** Tensors for a problem on the active backend. */
function upload(p: Problem): { vars: Record<string, tf.Variable>; x: tf.Tensor; y: tf.Tensor } {
  const vars: Record<string, tf.Variable> = {};
  for (const [k, t] of Object.entries(p.params))
    vars[k] = tf.variable(tf.tensor(t.values, t.shape), true, `${p.kind}_${k}_${nextId++}`);
  return { vars, x: tf.tensor(p.x.values, p.x.shape), y: tf.tensor(p.y.values, p.y.shape) };
}

let nextId = 0;

function release(u: ReturnType<typeof upload>): void {
  for (const v of Object.values(u.vars)) v.dispose();
  u.x.dispose();
  u.y.dispose();
}

/**
 * The loss and the gradient of every parameter (tf.variableGrads) on the
 * active backend. Reads are asynchronous: webgpu in Node cannot read synchronously.
 */
export async function lossAndGrads(p: Problem): Promise<{ loss: number; grads: Record<string, Float32Array> }> {
  const u = upload(p);
  try {
    const names = new Map(Object.entries(u.vars).map(([k, v]) => [v.name, k]));
    const { value, grads } = tf.variableGrads(() => loss(p, u.vars, u.x, u.y), Object.values(u.vars));
    const out = { loss: (await value.data())[0]!, grads: {} as Record<string, Float32Array> };
    for (const [name, g] of Object.entries(grads)) out.grads[names.get(name)!] = (await g.data()) as Float32Array;
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
    return out;
  } finally {
    release(u);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Median milliseconds of one SGD training step (forward, backward, update)
 * on the active backend, after one warm-up step (which compiles shaders on
 * webgpu). The step is complete when the loss and an updated weight are read.
 */
export async function timeTrainStep(p: Problem, reps = 5, lr = 0.01): Promise<number> {
  const u = upload(p);
  const opt = tf.train.sgd(lr);
  const first = Object.values(u.vars)[0]!;
  const once = async () => {
    const value = opt.minimize(() => loss(p, u.vars, u.x, u.y), true, Object.values(u.vars))!;
    await value.data();
    await first.data();
    value.dispose();
  };
  try {
    await once();
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await once();
      times.push(performance.now() - t0);
    }
    return median(times);
  } finally {
    opt.dispose();
    release(u);
  }
}

/** Achieved GFLOP/s of a size×size float32 matmul on the active backend (median of 5 after a warm-up). */
export async function measureMatmulPeak(size = 512, reps = 5): Promise<number> {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`measureMatmulPeak: size must be a positive integer, got ${size}`);
  const rng = new Rng(size);
  const a = tf.tensor(normal(rng, [size, size], 1).values, [size, size]) as tf.Tensor2D;
  const b = tf.tensor(normal(rng, [size, size], 1).values, [size, size]) as tf.Tensor2D;
  const once = async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  };
  try {
    await once();
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await once();
      times.push((performance.now() - t0) / 1000);
    }
    return (2 * size ** 3) / median(times) / 1e9;
  } finally {
    a.dispose();
    b.dispose();
  }
}
