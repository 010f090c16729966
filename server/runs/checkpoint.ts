/**
 * checkpoint.json: the state a stopped run continues from — weights,
 * optimizer slots, RNG states, data cursor and step — as float32 in base64.
 * The trainer's state is opaque here: the engine makes and reads it.
 */
import type { Metrics } from '../protocol/results';

export interface TensorValues {
  shape: number[];
  values: number[];
}

export interface TrainerSnapshot {
  step: number;
  optimizer: { step: number; slots: Record<string, TensorValues[]> };
  [key: string]: unknown;
}

export interface CheckpointState {
  step: number;
  time: string;
  /** Evaluation before training, kept so the resumed report has it. */
  before?: Metrics;
  weights: Record<string, TensorValues>;
  trainer: TrainerSnapshot;
}

interface Packed {
  shape: number[];
  f32: string;
}

interface CheckpointFile {
  version: 1;
  step: number;
  time: string;
  before?: Metrics;
  weights: Record<string, Packed>;
  trainer: { step: number; optimizer: { step: number; slots: Record<string, Packed[]> }; [key: string]: unknown };
}

const pack = (t: TensorValues): Packed => ({
  shape: t.shape,
  f32: Buffer.from(Float32Array.from(t.values).buffer).toString('base64'),
});

const unpack = (p: Packed): TensorValues => {
  const b = Buffer.from(p.f32, 'base64');
  return {
    shape: p.shape,
    values: Array.from(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))),
  };
};

const mapValues = <A, B>(o: Record<string, A>, f: (a: A) => B): Record<string, B> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

export function encodeCheckpoint(cp: CheckpointState): string {
  const file: CheckpointFile = {
    version: 1,
    step: cp.step,
    time: cp.time,
    ...(cp.before ? { before: cp.before } : {}),
    weights: mapValues(cp.weights, pack),
    trainer: {
      ...cp.trainer,
      optimizer: {
        step: cp.trainer.optimizer.step,
        slots: mapValues(cp.trainer.optimizer.slots, (vs) => vs.map(pack)),
      },
    },
  };
  return JSON.stringify(file);
}

export function decodeCheckpoint(text: string): CheckpointState {
  const f = JSON.parse(text) as CheckpointFile;
  return {
    step: f.step,
    time: f.time,
    ...(f.before ? { before: f.before } : {}),
    weights: mapValues(f.weights, unpack),
    trainer: {
      ...f.trainer,
      optimizer: {
        step: f.trainer.optimizer.step,
        slots: mapValues(f.trainer.optimizer.slots, (vs) => vs.map(unpack)),
      },
    },
  };
}
