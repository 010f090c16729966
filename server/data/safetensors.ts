/**
 * The safetensors format (https://github.com/huggingface/safetensors), as Hugging Face checkpoints ship it: an 8-byte
 * little-endian u64 header length N, N bytes of JSON header `{name: {dtype, shape, data_offsets: [begin, end]},
 * "__metadata__"?: {string: string}}` (possibly padded at the end with spaces), then the raw little-endian tensor
 * bytes; offsets count from the first byte after the header.
 *
 * Reading checks the header against the file (length, JSON, each entry's dtype, shape and offsets, overlaps) before
 * any tensor is decoded; tensors are decoded one at a time, floats (F64, F32, F16, BF16) to Float32Array, small
 * integers to Int32Array and I64 to BigInt64Array. Writing is atomic: a temporary file in the same folder, then a
 * rename, so a crash never leaves half a checkpoint under the real name.
 */
import { endianness } from 'node:os';
import { writeDataFile } from './files';
import { DataError, readDataFile } from './idx';

/** Every dtype the safetensors spec names, with its size in bytes (F8 types are one byte). */
export const SAFETENSORS_DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;

export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_BYTES;

/** The dtypes `decode` converts: floats to Float32Array, integers to Int32Array (I64 to BigInt64Array). */
export const DECODABLE_DTYPES: readonly SafetensorsDtype[] = [
  'F64',
  'F32',
  'F16',
  'BF16',
  'I64',
  'I32',
  'I16',
  'U16',
  'I8',
  'U8',
  'BOOL',
];

/** The dtypes `writeSafetensors` writes. */
export type WritableDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64';

export type TensorValues = Float32Array | Int32Array | BigInt64Array;

/** One header entry, checked against the file. `begin`/`end` are absolute byte offsets into the file. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** A decoded tensor. */
export interface SafeTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  values: TensorValues;
}

/** A parsed file: its header entries (in header order) and a decoder for each tensor. */
export interface SafetensorsFile {
  file: string;
  metadata: Record<string, string>;
  entries: Map<string, SafetensorsEntry>;
  /** The decoded tensor `name`; throws a DataError naming the file if there is no such tensor or its dtype is not decodable. */
  tensor(name: string): SafeTensor;
}

/** The spec's limit on the header (100 MB), which also guards against reading a garbage length. */
const MAX_HEADER = 100_000_000;

const REFETCH = 'the file is cut off or corrupt; download or export the checkpoint again';

function bad(file: string, what: string, fix = REFETCH): DataError {
  return new DataError(`${file}: ${what}`, fix, file);
}

const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Parse a safetensors file's bytes. `file` is used in errors. Tensors are views on `bytes` until decoded. */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  if (bytes.length < 8)
    throw bad(file, `not a safetensors file: ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n === 0n) throw bad(file, 'safetensors header length is 0; the JSON header is missing');
  if (n > BigInt(bytes.length - 8))
    throw bad(
      file,
      `safetensors header length ${n} runs past the end of the file (${bytes.length} bytes: at most ${bytes.length - 8} after the 8-byte length)` +
        (n > BigInt(MAX_HEADER) ? '; this does not look like a safetensors file' : ''),
    );
  if (n > BigInt(MAX_HEADER))
    throw bad(file, `safetensors header of ${n} bytes is over the format's 100 MB limit`, REFETCH);
  const headerLen = Number(n);
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(8, dataStart));
  if (!text.startsWith('{'))
    throw bad(file, `safetensors header does not start with '{' (starts with ${JSON.stringify(text.slice(0, 16))})`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw bad(file, `safetensors header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw bad(file, 'safetensors header is not a JSON object');

  const metadata: Record<string, string> = {};
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw bad(file, 'safetensors __metadata__ is not an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw bad(file, `safetensors __metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (typeof e !== 'object' || e === null) throw bad(file, `tensor '${name}': header entry is not an object`);
    if (typeof e.dtype !== 'string' || !(e.dtype in SAFETENSORS_DTYPE_BYTES))
      throw bad(
        file,
        `tensor '${name}': unknown dtype ${JSON.stringify(e.dtype)} (the format's dtypes are ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')})`,
      );
    const dtype = e.dtype as SafetensorsDtype;
    if (!Array.isArray(e.shape) || !e.shape.every(isUint))
      throw bad(file, `tensor '${name}': shape ${JSON.stringify(e.shape)} is not a list of non-negative integers`);
    const shape = e.shape as number[];
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !isUint(off[0]) || !isUint(off[1]) || off[0] > off[1])
      throw bad(file, `tensor '${name}': data_offsets ${JSON.stringify(off)} is not [begin, end] with begin ≤ end`);
    const [b, en] = off as [number, number];
    if (en > dataLen)
      throw bad(
        file,
        `tensor '${name}': data_offsets [${b}, ${en}] run past the end of the data (${dataLen} bytes after the ${headerLen}-byte header)`,
      );
    const want = shape.reduce((a, s) => a * s, 1) * SAFETENSORS_DTYPE_BYTES[dtype];
    if (en - b !== want)
      throw bad(
        file,
        `tensor '${name}': ${dtype} [${shape.join(', ')}] needs ${want} bytes but its data_offsets [${b}, ${en}] hold ${en - b}`,
      );
    entries.set(name, { name, dtype, shape, begin: dataStart + b, end: dataStart + en });
  }
  const sorted = [...entries.values()].filter((e) => e.end > e.begin).sort((x, y) => x.begin - y.begin);
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i - 1]!;
    const q = sorted[i]!;
    if (q.begin < p.end)
      throw bad(
        file,
        `tensors '${p.name}' and '${q.name}' overlap (data_offsets [${p.begin - dataStart}, ${p.end - dataStart}] and [${q.begin - dataStart}, ${q.end - dataStart}])`,
      );
  }

  return {
    file,
    metadata,
    entries,
    tensor(name: string): SafeTensor {
      const e = entries.get(name);
      if (!e)
        throw new DataError(
          `${file}: no tensor '${name}'`,
          `the file holds ${entries.size} tensors${entries.size ? ` (${[...entries.keys()].slice(0, 8).join(', ')}${entries.size > 8 ? ', …' : ''})` : ''}`,
          file,
        );
      return {
        dtype: e.dtype,
        shape: e.shape,
        values: decode(bytes.subarray(e.begin, e.end), e.dtype, `${file}: tensor '${name}'`, file),
      };
    },
  };
}

/** Read and parse a safetensors file from disk. */
export function readSafetensors(file: string): SafetensorsFile {
  const bytes: Uint8Array = readDataFile(
    file,
    'check the path: a Hugging Face checkpoint folder holds model.safetensors beside config.json',
  );
  return parseSafetensors(bytes, file);
}

const LITTLE = endianness() === 'LE';

/** A copy of `b` in a fresh, aligned buffer. */
function aligned(b: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out.buffer;
}

/** One IEEE half (its 16 bits) as a number: subnormals, infinities and NaN included. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** A number rounded to the nearest IEEE half (ties to even), as its 16 bits. */
export function floatToHalf(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const man = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = man | 0x800000;
    const shift = 14 - e;
    let r = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (man >>> 13);
  const rem = man & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++; // a carry into the exponent is still right (up to inf)
  return sign | r;
}

/** A float32's bits rounded to bfloat16 (ties to even), NaN kept NaN. */
export function floatToBf16(x: number): number {
  const u = new Uint32Array(new Float32Array([x]).buffer)[0]!;
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) & 0x8000) | 0x7fc0;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

function decode(b: Uint8Array, dtype: SafetensorsDtype, what: string, file: string): TensorValues {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = b.length / SAFETENSORS_DTYPE_BYTES[dtype];
  switch (dtype) {
    case 'F32': {
      if (LITTLE) return new Float32Array(aligned(b));
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true);
      return out;
    }
    case 'F16': {
      const table = halfTable();
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = table[dv.getUint16(2 * i, true)]!;
      return out;
    }
    case 'BF16': {
      const bits = new Uint32Array(n);
      for (let i = 0; i < n; i++) bits[i] = dv.getUint16(2 * i, true) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'I64': {
      if (LITTLE) return new BigInt64Array(aligned(b));
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getBigInt64(8 * i, true);
      return out;
    }
    case 'I32': {
      if (LITTLE) return new Int32Array(aligned(b));
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true);
      return out;
    }
    case 'I16':
    case 'U16': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dtype === 'I16' ? dv.getInt16(2 * i, true) : dv.getUint16(2 * i, true);
      return out;
    }
    case 'I8':
      return Int32Array.from(new Int8Array(b.buffer, b.byteOffset, b.length));
    case 'U8':
    case 'BOOL':
      return Int32Array.from(b);
    default:
      throw new DataError(
        `${what} is ${dtype}, which is not read here (${DECODABLE_DTYPES.join(', ')} are)`,
        'convert the checkpoint to float32, float16 or bfloat16 (e.g. in PyTorch: model.float(), then save_pretrained)',
        file,
      );
  }
}

let HALF: Float32Array | undefined;
function halfTable(): Float32Array {
  if (!HALF) {
    HALF = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) HALF[h] = halfToFloat(h);
  }
  return HALF;
}

/** A tensor to write: `values` as numbers (or bigints for I64), converted to `dtype` (default F32). */
export interface TensorToWrite {
  dtype?: WritableDtype;
  shape: number[];
  values: ArrayLike<number> | BigInt64Array;
}

/** The bytes of a safetensors file holding `tensors` (in the given order) and `metadata`. */
export function encodeSafetensors(
  tensors: Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
  file = '<safetensors>',
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw bad(file, "a tensor cannot be named '__metadata__'", 'rename the tensor');
    const dtype = t.dtype ?? 'F32';
    const count = t.shape.reduce((a, s) => a * s, 1);
    if (!t.shape.every(isUint) || count !== t.values.length)
      throw bad(
        file,
        `tensor '${name}': shape [${t.shape.join(', ')}] holds ${count} values but ${t.values.length} were given`,
        'give as many values as the shape holds',
      );
    const bytes = encodeValues(t.values, dtype, name, file);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  const jsonBytes = new TextEncoder().encode(json);
  const pad = (8 - (jsonBytes.length % 8)) % 8;
  json += ' '.repeat(pad);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function encodeValues(values: ArrayLike<number> | BigInt64Array, dtype: WritableDtype, name: string, file: string) {
  const n = values.length;
  const out = new Uint8Array(n * SAFETENSORS_DTYPE_BYTES[dtype]);
  const dv = new DataView(out.buffer);
  if (dtype === 'I64') {
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      dv.setBigInt64(8 * i, typeof v === 'bigint' ? v : BigInt(Math.trunc(v)), true);
    }
    return out;
  }
  if (values instanceof BigInt64Array)
    throw bad(
      file,
      `tensor '${name}': bigint values can only be written as I64, not ${dtype}`,
      "write them with dtype 'I64'",
    );
  const xs = values as ArrayLike<number>;
  for (let i = 0; i < n; i++) {
    const v = xs[i]!;
    if (dtype === 'F32') dv.setFloat32(4 * i, v, true);
    else if (dtype === 'F16') dv.setUint16(2 * i, floatToHalf(v), true);
    else if (dtype === 'BF16') dv.setUint16(2 * i, floatToBf16(v), true);
    else {
      if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31)
        throw bad(file, `tensor '${name}': value ${v} at ${i} is not a 32-bit integer`, "write it as 'F32' or 'I64'");
      dv.setInt32(4 * i, v, true);
    }
  }
  return out;
}

/**
 * Write `tensors` to `file` atomically: the bytes go to a temporary file in the same folder, are synced, then renamed
 * over `file`; on any error the temporary file is removed and `file` is as it was.
 */
export function writeSafetensors(
  file: string,
  tensors: Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): void {
  writeDataFile(file, [encodeSafetensors(tensors, metadata, file)]);
}
