import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { IITError } from '../../server/engine/errors';
import {
  DEBIAN_FASHION_MNIST,
  DataError,
  defaultDataFolder,
  idxFileNames,
  indicesByClass,
  loadIdxDataset,
  parseIdx,
} from '../../server/data/idx';

// Fashion-MNIST (Debian's dataset-fashion-mnist), or whatever $IIT_DATA_DIR holds; MNIST digits: mnist-data.test.ts.
const folder = defaultDataFolder({ ...process.env, IIT_DATASET: 'fashion-mnist' });
const haveData = idxFileNames('train', 'images').some((n) => existsSync(path.join(folder, n)));
// In CI the dataset is installed by .ci/install-data.sh, so a missing dataset must fail there.
const skip = haveData || process.env.CI ? false : `no IDX data in ${folder}: run .ci/install-data.sh`;

/** Build an IDX ubyte file's bytes. */
function idxBytes(dims: number[], data: Uint8Array | number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

const tmpDirs: string[] = [];
function tmpFolder(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'iit-idx-'));
  tmpDirs.push(d);
  return d;
}
after(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Raw (un-gzipped) bytes of one of the installed test-split files. */
function rawTestFile(kind: 'images' | 'labels'): Buffer {
  const name = idxFileNames('test', kind).find((n) => existsSync(path.join(folder, n)))!;
  const bytes = readFileSync(path.join(folder, name));
  return name.endsWith('.gz') ? gunzipSync(bytes) : bytes;
}

/** A folder holding the test split as plain IDX files, optionally altered. */
function testSplitCopy(images: Buffer = rawTestFile('images'), labels: Buffer = rawTestFile('labels')): string {
  const d = tmpFolder();
  writeFileSync(path.join(d, 't10k-images-idx3-ubyte'), images);
  writeFileSync(path.join(d, 't10k-labels-idx1-ubyte'), labels);
  return d;
}

describe('parseIdx', () => {
  test('reads dims big-endian and returns the data bytes', () => {
    const data = Array.from({ length: 2 * 3 * 300 }, (_, i) => i % 251);
    const a = parseIdx(idxBytes([2, 3, 300], data), 'x.idx');
    assert.deepEqual(a.dims, [2, 3, 300]);
    assert.deepEqual(Array.from(a.data), data);
  });

  test('gunzips by content, whatever the name', () => {
    const a = parseIdx(gzipSync(idxBytes([4], [9, 8, 7, 6])), 'plain-name');
    assert.deepEqual(a.dims, [4]);
    assert.deepEqual(Array.from(a.data), [9, 8, 7, 6]);
  });

  test('rejects bad magic, non-byte types, truncation and trailing bytes', () => {
    assert.throws(() => parseIdx(Buffer.from('PK\x03\x04rest'), 'a.zip'), /a\.zip: not an IDX file/);
    const f32 = idxBytes([1], [0, 0, 0, 0]);
    f32[2] = 0x0d;
    assert.throws(() => parseIdx(f32, 'f.idx'), /f\.idx: IDX data type is float32/);
    assert.throws(() => parseIdx(Buffer.from([0, 0]), 'short'), /short: truncated/);
    assert.throws(() => parseIdx(idxBytes([5, 5], []).subarray(0, 9), 'hdr'), /hdr: truncated IDX header/);
    assert.throws(() => parseIdx(idxBytes([5, 5], [1, 2, 3]), 'cut'), /cut: truncated IDX data.*needs 25 bytes.*has 3/);
    assert.throws(() => parseIdx(idxBytes([2], [1, 2, 3]), 'long'), /long: IDX data is 1 bytes longer/);
    const gz = gzipSync(idxBytes([100], new Uint8Array(100)));
    assert.throws(() => parseIdx(gz.subarray(0, gz.length - 10), 'c.gz'), /c\.gz: gzip data is truncated or corrupt/);
  });

  test('errors are IITErrors that carry a fix', () => {
    try {
      parseIdx(Buffer.from([1, 2, 3, 4]), 'z');
      assert.fail('expected a throw');
    } catch (e) {
      assert.ok(e instanceof DataError && e instanceof IITError);
      assert.equal(e.file, 'z');
      assert.match(e.fix ?? '', /train-images-idx3-ubyte/);
    }
  });
});

describe('loadIdxDataset on the installed data', { skip }, () => {
  test('train split: 60000 × 28 × 28, labels 0..9, every class present', () => {
    const ds = loadIdxDataset(folder, 'train');
    assert.equal(ds.count, 60000);
    assert.equal(ds.rows, 28);
    assert.equal(ds.cols, 28);
    assert.equal(ds.classes, 10);
    assert.equal(ds.images.length, 60000 * 28 * 28);
    assert.equal(ds.labels.length, 60000);
    const byClass = indicesByClass(ds);
    assert.equal(byClass.length, 10);
    for (const [c, idx] of byClass.entries()) {
      assert.ok(idx.length > 0, `class ${c} present`);
      for (const i of idx.subarray(0, 50)) assert.equal(ds.labels[i], c);
    }
    assert.equal(
      byClass.reduce((n, a) => n + a.length, 0),
      60000,
    );
    // Real images, not blank: some pixels are dark, some bright.
    assert.ok(ds.images.some((v) => v > 200) && ds.images.some((v) => v === 0));
  });

  test('test split: 10000 × 28 × 28', () => {
    const ds = loadIdxDataset(folder, 'test');
    assert.equal(ds.count, 10000);
    assert.equal(ds.images.length, 10000 * 784);
    assert.ok(Math.max(...ds.labels) <= 9);
  });

  test('plain (un-gzipped) files load to the same arrays as the gzipped ones', () => {
    const gz = loadIdxDataset(folder, 'test');
    const plain = loadIdxDataset(testSplitCopy(), 'test');
    assert.ok(plain.imagesFile.endsWith('t10k-images-idx3-ubyte'));
    assert.equal(plain.count, gz.count);
    assert.ok(Buffer.from(plain.images).equals(Buffer.from(gz.images)));
    assert.ok(Buffer.from(plain.labels).equals(Buffer.from(gz.labels)));
  });

  test('a truncated image file is rejected naming the file and "truncated"', () => {
    const images = rawTestFile('images');
    const d = testSplitCopy(images.subarray(0, images.length - 784 * 3 - 5));
    assert.throws(
      () => loadIdxDataset(d, 'test'),
      (e: Error) => {
        assert.ok(e instanceof DataError);
        assert.match(e.message, /truncated/);
        assert.ok(e.message.includes(path.join(d, 't10k-images-idx3-ubyte')), e.message);
        return true;
      },
    );
  });

  test('a truncated gzipped file is rejected too', () => {
    const d = tmpFolder();
    writeFileSync(path.join(d, 't10k-images-idx3-ubyte.gz'), gzipSync(rawTestFile('images')).subarray(0, 100000));
    writeFileSync(path.join(d, 't10k-labels-idx1-ubyte.gz'), gzipSync(rawTestFile('labels')));
    assert.throws(() => loadIdxDataset(d, 'test'), /t10k-images-idx3-ubyte\.gz: gzip data is truncated/);
  });

  test('a label outside 0..9 is reported as mislabelled with file and index', () => {
    const labels = Buffer.from(rawTestFile('labels'));
    labels[8 + 1234] = 12;
    const d = testSplitCopy(undefined, labels);
    assert.throws(
      () => loadIdxDataset(d, 'test'),
      (e: Error) => {
        assert.match(e.message, /mislabelled: label 12 at index 1234 is outside 0\.\.9/);
        assert.ok(e.message.includes(path.join(d, 't10k-labels-idx1-ubyte')));
        return true;
      },
    );
  });

  test('image and label counts must match', () => {
    const labels = rawTestFile('labels');
    const fewer = idxBytes([9999], labels.subarray(8, 8 + 9999));
    assert.throws(
      () => loadIdxDataset(testSplitCopy(undefined, fewer), 'test'),
      /count mismatch: .*10000 images but .*9999 labels/,
    );
  });

  test('swapped image/label files are caught by their shapes', () => {
    const d = testSplitCopy(rawTestFile('labels'), rawTestFile('images'));
    assert.throws(() => loadIdxDataset(d, 'test'), /image file must be 3-dimensional/);
  });
});

describe('data folder lookup', () => {
  test('a folder without the files names what was looked for and how to install', () => {
    const d = tmpFolder();
    assert.throws(
      () => loadIdxDataset(d, 'train'),
      (e: Error) => {
        assert.ok(e instanceof DataError);
        assert.match(e.message, /has none of train-images-idx3-ubyte, train-images-idx3-ubyte\.gz/);
        assert.match(e.oneLine(), /apt-get install dataset-fashion-mnist/);
        assert.match(e.oneLine(), /MNIST/);
        return true;
      },
    );
    assert.throws(() => loadIdxDataset(path.join(d, 'nope'), 'test'), /does not exist; looked for t10k-images/);
  });

  test('IIT_DATA_DIR overrides the default folder', () => {
    const fashion = { IIT_DATASET: 'fashion-mnist' };
    assert.equal(defaultDataFolder(fashion), DEBIAN_FASHION_MNIST);
    assert.equal(defaultDataFolder({ ...fashion, IIT_DATA_DIR: '/data/mnist' }), '/data/mnist');
    assert.equal(defaultDataFolder({ IIT_DATA_DIR: '/data/mnist' }), '/data/mnist');
    assert.equal(defaultDataFolder({ ...fashion, IIT_DATA_DIR: '  ' }), DEBIAN_FASHION_MNIST);
    // Without mnist-data anywhere, the Debian folder.
    assert.equal(defaultDataFolder({}, [tmpFolder()]), DEBIAN_FASHION_MNIST);
  });

  test('accepts the dotted file names some mirrors use', () => {
    const d = tmpFolder();
    writeFileSync(path.join(d, 't10k-images.idx3-ubyte'), idxBytes([2, 28, 28], new Uint8Array(2 * 784)));
    writeFileSync(path.join(d, 't10k-labels.idx1-ubyte'), idxBytes([2], [3, 7]));
    const ds = loadIdxDataset(d, 'test');
    assert.equal(ds.count, 2);
    assert.deepEqual(Array.from(ds.labels), [3, 7]);
  });

  test('rejects an unknown split name', () => {
    assert.throws(() => loadIdxDataset(tmpFolder(), 'dev' as 'train'), /unknown data split 'dev'/);
  });
});
