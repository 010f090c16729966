/**
 * The run report (the CLI's `--json` shape) and run directories. A run
 * directory is written under a temporary name and renamed when complete, so
 * a failed or interrupted run never leaves a half-written one behind.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { IITError } from './errors';
import type { Metrics } from './metrics';
import type { Network, ParameterValues } from './network';
import { tf } from './tf';

export interface Report {
  experiment: string;
  config: string;
  backend: string;
  seed: number;
  steps: number;
  metrics: Metrics;
  before?: Metrics;
  parameters?: Record<string, number[]>;
  timing: { trainSeconds: number; examplesPerSecond: number };
}

export async function buildReport(
  r: Omit<Report, 'parameters'> & { net?: Network; params?: boolean },
): Promise<Report> {
  const { net, params, ...rest } = r;
  const out: Report = { ...rest };
  if (params && net) {
    out.parameters = Object.fromEntries(Object.entries(await net.getParameters()).map(([k, v]) => [k, v.values]));
  }
  return out;
}

/** Writes a file whole or not at all (temp file, fsync, rename). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, file);
}

export class RunWriter {
  readonly tmp: string;

  private constructor(readonly dir: string) {
    this.tmp = path.join(path.dirname(dir), `.${path.basename(dir)}.partial-${process.pid}`);
    rmSync(this.tmp, { recursive: true, force: true });
    mkdirSync(this.tmp, { recursive: true });
  }

  static create(dir: string): RunWriter {
    const abs = path.resolve(dir);
    if (existsSync(abs))
      throw new IITError('bad-config', `run directory ${dir} already exists`, 'choose another --out or remove it');
    mkdirSync(path.dirname(abs), { recursive: true });
    return new RunWriter(abs);
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(path.join(this.tmp, name), JSON.stringify(value, null, 2) + '\n');
  }

  /** One line per evaluation, flushed as it is written. */
  appendMetrics(line: unknown): void {
    const file = path.join(this.tmp, 'metrics.jsonl');
    appendFileSync(file, JSON.stringify(line) + '\n');
  }

  async saveWeights(net: Network): Promise<void> {
    await saveWeights(this.tmp, net);
  }

  commit(): string {
    renameSync(this.tmp, this.dir);
    return this.dir;
  }

  abort(): void {
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** TensorFlow.js weights format: model.json (manifest) + weights.bin. */
export async function saveWeights(dir: string, net: Network): Promise<void> {
  const named = [...net.params, ...net.buffers].map(([name, v]) => ({ name, tensor: v as tf.Tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  writeFileAtomic(path.join(dir, 'weights.bin'), new Uint8Array(data));
  writeFileAtomic(
    path.join(dir, 'model.json'),
    JSON.stringify(
      {
        format: 'iit-studio-network',
        generatedBy: 'iit-studio',
        weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
      },
      null,
      2,
    ) + '\n',
  );
}

export async function readRunWeights(dir: string): Promise<ParameterValues> {
  const mj = path.join(dir, 'model.json');
  if (!existsSync(mj))
    throw new IITError(
      'load',
      `no weights in run directory ${dir} (model.json missing)`,
      'pass a directory written by `iit-studio train`',
    );
  const manifest = JSON.parse(readFileSync(mj, 'utf8')) as {
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const out: ParameterValues = {};
  for (const group of manifest.weightsManifest) {
    const buf = Buffer.concat(group.paths.map((p) => readFileSync(path.join(dir, p))));
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const tensors = tf.io.decodeWeights(ab, group.weights);
    for (const [name, t] of Object.entries(tensors)) {
      out[name] = { shape: t.shape, values: Array.from(await t.data()) };
      t.dispose();
    }
  }
  return out;
}
