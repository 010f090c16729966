/**
 * model.json + weights.bin in TensorFlow.js's weights format (a manifest of
 * names, shapes and dtypes, then the values back to back, little-endian), so
 * `tf.io` tools read a run's weights. Written here without TensorFlow.js:
 * the values come in as plain arrays.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TensorValues } from './checkpoint';
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

/** The weights of a run directory, or undefined when it has none. */
export function readWeights(dir: string): Record<string, TensorValues> | undefined {
  if (!hasWeights(dir)) return undefined;
  const manifest = JSON.parse(readFileSync(path.join(dir, RUN_FILES.model), 'utf8')) as Manifest;
  const out: Record<string, TensorValues> = {};
  for (const group of manifest.weightsManifest) {
    const buf = Buffer.concat(group.paths.map((p) => readFileSync(path.join(dir, p))));
    let at = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const bytes = buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + 4 * n);
      const values = w.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
      if (w.dtype !== 'float32' && w.dtype !== 'int32')
        throw new Error(`${path.join(dir, RUN_FILES.model)}: weight ${w.name} has dtype ${w.dtype}, not float32`);
      out[w.name] = { shape: w.shape, values: Array.from(values) };
      at += 4 * n;
    }
  }
  return out;
}
