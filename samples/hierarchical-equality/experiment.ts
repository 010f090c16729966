/**
 * Hierarchical equality (Geiger et al. 2022, §3 and the benchmark shape of
 * this repository): four inputs a, b, c, d are vectors drawn from a pool of
 * random 4-dimensional vectors; the output is ((a = b) = (c = d)), where
 * equality means the same pool element. The causal model's intermediate
 * variables WX = (a = b) and YZ = (c = d) share a type, and are aligned to
 * the two halves of the first hidden layer of an MLP (16 inputs, hidden
 * width 16).
 *
 * The data are balanced over (WX, YZ) and split into disjoint train and test
 * inputs, so the test IIA is measured on held-out inputs (bases and sources
 * both unseen in training).
 *
 *   npx iit-studio train samples/hierarchical-equality/experiment.ts --config IIT
 */
import { bool, causalModel, experiment, mlp, presets, range, Rng } from 'iit-studio';

/** Pool elements the four inputs are drawn from. */
export const POOL_SIZE = 40;
/** Dimension of each pool vector. */
export const DIM = 4;

/** The pool: fixed random vectors, uniform in [−1, 1]^4 (seeded, so every run sees the same pool). */
export const pool: number[][] = (() => {
  const rng = new Rng(2022);
  return Array.from({ length: POOL_SIZE }, () => Array.from({ length: DIM }, () => 2 * rng.next() - 1));
})();

export const model = causalModel({
  A: { values: range(0, POOL_SIZE - 1) },
  B: { values: range(0, POOL_SIZE - 1) },
  C: { values: range(0, POOL_SIZE - 1) },
  D: { values: range(0, POOL_SIZE - 1) },
  WX: { values: bool, parents: ['A', 'B'], f: ({ A, B }) => A === B, type: 'equality' },
  YZ: { values: bool, parents: ['C', 'D'], f: ({ C, D }) => C === D, type: 'equality' },
  O: { values: bool, parents: ['WX', 'YZ'], f: ({ WX, YZ }) => WX === YZ },
});

export type Input = { A?: number; B?: number; C?: number; D?: number };

/** The four pool vectors, concatenated. */
export const encode = ({ A, B, C, D }: Input) => [...pool[A!]!, ...pool[B!]!, ...pool[C!]!, ...pool[D!]!];

/**
 * `count` distinct inputs, balanced over (WX, YZ): each equality is true
 * half the time (uniform sampling would make it true 1 time in 40).
 */
export function balancedInputs(count: number, seed: number): Input[] {
  const rng = new Rng(seed);
  const pair = (equal: boolean): [number, number] => {
    const x = rng.int(POOL_SIZE);
    if (equal) return [x, x];
    const y = (x + 1 + rng.int(POOL_SIZE - 1)) % POOL_SIZE;
    return [x, y];
  };
  const seen = new Set<string>();
  const out: Input[] = [];
  while (out.length < count) {
    const [A, B] = pair(out.length % 2 === 0);
    const [C, D] = pair(Math.floor(out.length / 2) % 2 === 0);
    const key = `${A},${B},${C},${D}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ A, B, C, D });
  }
  return out;
}

/** Disjoint train and test inputs (test: held out of training as bases and as sources). */
const all = balancedInputs(4000, 7);
export const train = all.slice(0, 3200);
export const test = all.slice(3200);

export default experiment({
  name: 'hierarchical-equality',
  model,
  network: ({ seed }) => mlp({ input: 4 * DIM, hidden: [16, 16], output: 2, seed }),
  encode,
  alignment: {
    WX: { site: 'h1', slice: [[0, 8]] },
    YZ: { site: 'h1', slice: [[8, 16]] },
  },
  data: { train, test },
  training: {
    optimizer: { type: 'adam', lr: 0.01 },
    batchSize: 64,
    steps: 2000,
    pairs: 'sample',
  },
  evaluation: { pairs: 4000 },
  objectives: { task: 1, typedIit: 1 },
  // Table 1's six configurations on this task; the default above is the IIT preset.
  configs: presets(),
});
