/**
 * The safetensors reader and writer (server/data/safetensors.ts): a round trip through every writable dtype, F16 and
 * BF16 decoded from hand-made bytes with known values, and each malformed file refused with a DataError that names
 * the file and what is wrong.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { DataError } from '../../server/data/idx';
import {
  encodeSafetensors,
  floatToBf16,
  floatToHalf,
  halfToFloat,
  parseSafetensors,
  readSafetensors,
  writeSafetensors,
} from '../../server/data/safetensors';

const dir = mkdtempSync(path.join(tmpdir(), 'safetensors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A file from a header object (or raw header text) and data bytes, with the header length given or computed. */
function raw(header: unknown, data: number[] | Uint8Array = [], length?: bigint): Uint8Array {
  const head = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

/** Little-endian u16 words as bytes. */
const u16 = (words: number[]) => Array.from(new Uint8Array(new Uint16Array(words).buffer));

test('round trip: F32 exactly, F16 and BF16 rounded, I32 and I64, metadata; header padded to 8 bytes with spaces', () => {
  const file = path.join(dir, 'round.safetensors');
  const f32 = Float32Array.from([0, -1.5, 3.25, 1e-30, -7e20, Math.PI]);
  writeSafetensors(
    file,
    {
      'a.weight': { shape: [2, 3], values: f32 },
      'a.half': { dtype: 'F16', shape: [3], values: [1, 1 / 3, -65504] },
      'a.bf16': { dtype: 'BF16', shape: [3], values: [1, 1 / 3, -123.5] },
      ids: { dtype: 'I32', shape: [4], values: [0, -1, 2 ** 31 - 1, -(2 ** 31)] },
      big: { dtype: 'I64', shape: [1, 2], values: BigInt64Array.from([2n ** 40n, -3n]) },
      empty: { shape: [0, 4], values: [] },
    },
    { format: 'pt', note: 'round trip' },
  );
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith('.')),
    [],
    'no temporary file left behind',
  );
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(n % 8, 0);
  const header = bytes.subarray(8, 8 + n).toString('utf8');
  assert.match(header, /^\{.*\} *$/);

  const st = readSafetensors(file);
  assert.deepEqual(st.metadata, { format: 'pt', note: 'round trip' });
  assert.deepEqual([...st.entries.keys()], ['a.weight', 'a.half', 'a.bf16', 'ids', 'big', 'empty']);
  const w = st.tensor('a.weight');
  assert.deepEqual([w.dtype, w.shape], ['F32', [2, 3]]);
  assert.deepEqual(w.values, f32);
  assert.deepEqual(Array.from(st.tensor('a.half').values as Float32Array), [1, 0.333251953125, -65504]);
  assert.deepEqual(Array.from(st.tensor('a.bf16').values as Float32Array), [1, 0.333984375, -123.5]);
  assert.deepEqual(Array.from(st.tensor('ids').values as Int32Array), [0, -1, 2 ** 31 - 1, -(2 ** 31)]);
  assert.deepEqual(Array.from(st.tensor('big').values as BigInt64Array), [2n ** 40n, -3n]);
  assert.deepEqual(st.tensor('empty').shape, [0, 4]);
  assert.equal(st.tensor('empty').values.length, 0);

  // Writing again replaces the file whole.
  writeSafetensors(file, { x: { shape: [1], values: [2] } });
  assert.deepEqual([...readSafetensors(file).entries.keys()], ['x']);
});

test('F16 bytes decode to their known values: normals, subnormals, ±0, ±∞, NaN', () => {
  const words = [0x3c00, 0xc000, 0x7bff, 0x0400, 0x0001, 0x03ff, 0x3555, 0x8000, 0x7c00, 0xfc00, 0x7e00];
  const want = [1, -2, 65504, 2 ** -14, 2 ** -24, 1023 * 2 ** -24, 0.333251953125, -0, Infinity, -Infinity, NaN];
  const st = parseSafetensors(
    raw({ h: { dtype: 'F16', shape: [words.length], data_offsets: [0, 2 * words.length] } }, u16(words)),
    'half.safetensors',
  );
  const got = Array.from(st.tensor('h').values as Float32Array);
  assert.deepEqual(got, want);
  assert.ok(Object.is(got[7], -0));
  for (let i = 0; i < words.length; i++)
    assert.ok(Object.is(halfToFloat(words[i]!), want[i]), `0x${words[i]!.toString(16)}`);
  // And back: ties to even, overflow to ∞, underflow to 0.
  assert.equal(floatToHalf(1 / 3), 0x3555);
  assert.equal(floatToHalf(65504), 0x7bff);
  assert.equal(floatToHalf(65520), 0x7c00);
  assert.equal(floatToHalf(2 ** -24), 0x0001);
  assert.equal(floatToHalf(2 ** -25), 0x0000);
  assert.equal(floatToHalf(3 * 2 ** -25), 0x0002);
  assert.equal(floatToHalf(1 + 2 ** -11), 0x3c00);
  assert.equal(floatToHalf(1 + 3 * 2 ** -11), 0x3c02);
  assert.equal(floatToHalf(-0), 0x8000);
  assert.equal(floatToHalf(NaN) & 0x7e00, 0x7e00);
  for (let h = 0; h < 0x7c00; h += 7) assert.equal(floatToHalf(halfToFloat(h)), h);
});

test('BF16 bytes decode to their known values', () => {
  const words = [0x3f80, 0x4049, 0xc2f7, 0x0000, 0x8000, 0x7f80, 0xff80, 0x0001, 0x7fc0];
  const want = [1, 3.140625, -123.5, 0, -0, Infinity, -Infinity, 2 ** -133, NaN];
  const st = parseSafetensors(
    raw({ b: { dtype: 'BF16', shape: [3, 3], data_offsets: [0, 18] } }, u16(words)),
    'bf16.safetensors',
  );
  const t = st.tensor('b');
  assert.deepEqual(t.shape, [3, 3]);
  assert.deepEqual(Array.from(t.values as Float32Array), want);
  assert.equal(floatToBf16(1 / 3), 0x3eab);
  assert.equal(floatToBf16(1.00390625), 0x3f80); // halfway between 0x3f80 and 0x3f81: to even
  assert.equal(floatToBf16(1.01171875), 0x3f82); // halfway between 0x3f81 and 0x3f82: to even
  assert.equal(floatToBf16(NaN), 0x7fc0);
});

test('an unaligned tensor decodes (offsets need not be multiples of the element size)', () => {
  const data = [0xaa, ...Array.from(new Uint8Array(Float32Array.from([1.5, -2]).buffer))];
  const ok = parseSafetensors(
    raw(
      {
        pad: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
        x: { dtype: 'F32', shape: [2], data_offsets: [1, 9] },
      },
      data,
    ),
    'odd.safetensors',
  );
  assert.deepEqual(Array.from(ok.tensor('x').values as Float32Array), [1.5, -2]);
  assert.deepEqual(Array.from(ok.tensor('pad').values as Int32Array), [0xaa]);
});

/** parseSafetensors(bytes) throws a DataError naming `file` whose message matches `what`. */
function refuses(bytes: Uint8Array, what: RegExp, file = 'bad.safetensors'): void {
  assert.throws(
    () => parseSafetensors(bytes, file),
    (e: unknown) => {
      assert.ok(e instanceof DataError, String(e));
      assert.ok(e.message.startsWith(`${file}: `), e.message);
      assert.match(e.message, what);
      assert.equal(e.file, file);
      assert.ok(e.fix && e.fix.length > 10, 'says how to fix it');
      return true;
    },
  );
}

test('malformed files are refused with the file named and what is wrong', () => {
  const ok = { x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  // Short header: fewer than the 8 bytes of the length, or a length past the end of the file.
  refuses(new Uint8Array([1, 2, 3]), /3 bytes, shorter than the 8-byte header length/);
  refuses(raw(ok, new Uint8Array(8), 10_000n), /header length 10000 runs past the end of the file/);
  refuses(
    raw(ok, new Uint8Array(8), 2n ** 63n),
    /runs past the end of the file.*does not look like a safetensors file/,
  );
  refuses(raw('', []), /header length is 0/);
  refuses(raw('[1, 2]   '), /does not start with '\{'/);
  refuses(raw('{"x": '), /not valid JSON/);
  // Offsets out of bounds.
  refuses(
    raw({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)),
    /tensor 'x': data_offsets \[0, 8\] run past the end of the data \(4 bytes/,
  );
  refuses(raw({ x: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, new Uint8Array(8)), /begin ≤ end/);
  refuses(raw({ x: { dtype: 'F32', shape: [2], data_offsets: [0] } }, new Uint8Array(8)), /data_offsets \[0\]/);
  // Shape and dtype disagreeing with the offsets.
  refuses(
    raw({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
    /tensor 'x': F32 \[3\] needs 12 bytes but its data_offsets \[0, 8\] hold 8/,
  );
  refuses(
    raw({ x: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 8] } }, new Uint8Array(8)),
    /F16 \[2, 3\] needs 12 bytes/,
  );
  refuses(raw({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 8] } }, new Uint8Array(8)), /shape \[-1\]/);
  refuses(raw({ x: { dtype: 'Q4', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)), /unknown dtype "Q4"/);
  refuses(
    raw(
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      },
      new Uint8Array(12),
    ),
    /tensors 'a' and 'b' overlap/,
  );
  refuses(raw({ __metadata__: { n: 1 } }), /__metadata__\.n is not a string/);

  // A dtype the format has but the reader does not decode fails on that tensor only.
  const f8 = parseSafetensors(
    raw(
      {
        q: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] },
        x: { dtype: 'F32', shape: [1], data_offsets: [2, 6] },
      },
      new Uint8Array(6),
    ),
    'f8.safetensors',
  );
  assert.deepEqual(Array.from(f8.tensor('x').values as Float32Array), [0]);
  assert.throws(() => f8.tensor('q'), /f8\.safetensors: tensor 'q' is F8_E4M3, which is not read here/);
  assert.throws(() => f8.tensor('nope'), /f8\.safetensors: no tensor 'nope'/);

  // Files on disk: the path is the name in the error.
  const short = path.join(dir, 'short.safetensors');
  writeFileSync(short, new Uint8Array(5));
  assert.throws(
    () => readSafetensors(short),
    (e: unknown) => e instanceof DataError && e.message.startsWith(`${short}: `),
  );
  const missing = path.join(dir, 'missing.safetensors');
  assert.throws(
    () => readSafetensors(missing),
    new RegExp(`${missing.replace(/[.\\]/g, '\\$&')}: cannot read \\(ENOENT\\)`),
  );
});

test('writing refuses values that do not fit the shape, and a failed write leaves nothing behind', () => {
  assert.throws(
    () => encodeSafetensors({ x: { shape: [2, 2], values: [1, 2, 3] } }, undefined, 'w.safetensors'),
    /w\.safetensors: tensor 'x': shape \[2, 2\] holds 4 values but 3 were given/,
  );
  assert.throws(() => encodeSafetensors({ i: { dtype: 'I32', shape: [1], values: [0.5] } }), /not a 32-bit integer/);
  const nowhere = path.join(dir, 'no-such-folder', 'm.safetensors');
  assert.throws(
    () => writeSafetensors(nowhere, { x: { shape: [1], values: [1] } }),
    (e: unknown) => e instanceof DataError && e.message.startsWith(`${nowhere}: cannot write`),
  );
  const file = path.join(dir, 'keep.safetensors');
  writeSafetensors(file, { x: { shape: [1], values: [1] } });
  const before = readFileSync(file);
  assert.throws(() => writeSafetensors(file, { x: { shape: [2], values: [1] } }));
  assert.ok(readFileSync(file).equals(before), 'the old file is untouched');
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
  );
});
