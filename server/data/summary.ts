/**
 * A one-call description of a PVR data folder: files, split counts, and how fast
 * grids compose on this machine. For `iit-studio data` and docs/DATA.md.
 */
import { Rng } from '../engine/rng';
import { loadIdxDataset, type IdxDataset } from './idx';
import { composeGrids, sampleTestGrids, sampleTrainGrids, splitStats } from './pvr';

export interface DataSummary {
  folder: string;
  files: string[];
  loadMs: number;
  stats: ReturnType<typeof splitStats>;
  /** Grids composed per second in batches of `batch` into a reused buffer. */
  composeGridsPerSec: number;
  batch: number;
}

export function dataSummary(folder: string, opts: { seed?: number; grids?: number; batch?: number } = {}): DataSummary {
  const t0 = performance.now();
  const train: IdxDataset = loadIdxDataset(folder, 'train');
  const test: IdxDataset = loadIdxDataset(folder, 'test');
  const loadMs = performance.now() - t0;
  const rng = new Rng(opts.seed ?? 0);
  const n = opts.grids ?? 20_000;
  const batch = opts.batch ?? 256;
  const g = sampleTrainGrids(train, n, rng);
  sampleTestGrids(test, Math.min(n, 1000), rng);
  const out = new Float32Array(batch * 4 * train.rows * train.cols);
  const sel = new Int32Array(batch);
  // One warm-up pass so the timing measures the compiled loop, not the JIT.
  for (let i = 0; i < batch; i++) sel[i] = i % n;
  composeGrids(train.images, g.grids, { select: sel, out });
  const t1 = performance.now();
  let done = 0;
  for (let b = 0; b + batch <= n; b += batch) {
    for (let i = 0; i < batch; i++) sel[i] = b + i;
    composeGrids(train.images, g.grids, { select: sel, out });
    done += batch;
  }
  const composeGridsPerSec = done / ((performance.now() - t1) / 1000);
  return {
    folder,
    files: [train.imagesFile, train.labelsFile, test.imagesFile, test.labelsFile],
    loadMs,
    stats: splitStats(train, test),
    composeGridsPerSec,
    batch,
  };
}
