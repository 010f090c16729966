/**
 * model.json + weights.bin in TensorFlow.js's weights format (a manifest of
 * names, shapes and dtypes, then the values back to back, little-endian), so
 * `tf.io` tools read a run's weights. Written here without TensorFlow.js:
 * the values come in as plain arrays.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TensorValues } from './checkpoint';
import { RunDirError } from './errors';
import { writeFileAtomic } from './files';
import { RUN_FILES } from './layout';

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

interface Manifest {
  format?: string;
  generatedBy?: string;
  weightsManifest: { paths: string[]; weights: ManifestEntry[] }[];
}

export function writeWeights(dir: string, values: Record<string, TensorValues>): void {
  const entries = Object.entries(values);
  const data = new Float32Array(entries.reduce((n, [, v]) => n + v.values.length, 0));
  let at = 0;
  for (const [, v] of entries) {
    data.set(v.values, at);
    at += v.values.length;
  }
  writeFileAtomic(path.join(dir, RUN_FILES.weights), new Uint8Array(data.buffer));
  const manifest: Manifest = {
    format: 'iit-studio-network',
    generatedBy: 'iit-studio',
    weightsManifest: [
      {
        paths: [RUN_FILES.weights],
        weights: entries.map(([name, v]) => ({ name, shape: v.shape, dtype: 'float32' })),
      },
    ],
  };
  writeFileAtomic(path.join(dir, RUN_FILES.model), JSON.stringify(manifest, null, 2) + '\n');
}

export function hasWeights(dir: string): boolean {
  return existsSync(path.join(dir, RUN_FILES.model));
}

/** The weights of a run directory, or undefined when it has none; damaged files are a RunDirError naming them. */
export function readWeights(dir: string): Record<string, TensorValues> | undefined {
  if (!hasWeights(dir)) return undefined;
  const modelFile = path.join(dir, RUN_FILES.model);
  const damaged = (what: string) =>
    new RunDirError(`${what}: the run's weights are damaged`, 'train the run again (or delete it from the Runs view)');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(modelFile, 'utf8')) as Manifest;
  } catch (e) {
    throw damaged(`${modelFile} does not read as JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(manifest?.weightsManifest)) throw damaged(`${modelFile} has no weightsManifest`);
  const out: Record<string, TensorValues> = {};
  for (const group of manifest.weightsManifest) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group.weights))
      throw damaged(`${modelFile}: a weightsManifest entry lacks paths or weights`);
    for (const w of group.weights) {
      const shapeOk = Array.isArray(w?.shape) && w.shape.every((d) => Number.isInteger(d) && d >= 0);
      if (typeof w?.name !== 'string' || !shapeOk) throw damaged(`${modelFile}: a weight without a name or shape`);
      if (w.dtype !== 'float32' && w.dtype !== 'int32')
        throw damaged(`${modelFile}: weight ${w.name} has dtype ${String(w.dtype)}, not float32`);
    }
    const buf = Buffer.concat(
      group.paths.map((p) => {
        try {
          return readFileSync(path.join(dir, String(p)));
        } catch {
          throw damaged(`${path.join(dir, String(p))}, named by ${RUN_FILES.model}, cannot be read`);
        }
      }),
    );
    const want = group.weights.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    // A short file (a copy or a write cut off) would otherwise read as whatever bytes are there.
    if (buf.length !== want)
      throw damaged(
        `${path.join(dir, group.paths.join(', '))} holds ${buf.length} bytes; ${RUN_FILES.model} describes ${want}`,
      );
    let at = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const bytes = buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + 4 * n);
      const values = w.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
      out[w.name] = { shape: w.shape, values: Array.from(values) };
      at += 4 * n;
    }
  }
  return out;
}
