/**
 * A faster BatchMatMul for the wasm backend. tfjs-wasm's matmul is fast only
 * untransposed: with transposeA or transposeB (as every backward pass asks)
 * it ran 10–15× slower here (3072×256 · 256×256: 301 ms transposed vs 25 ms
 * for an explicit transpose then a plain matmul). The wrapper transposes the
 * flagged operand with wasm's Transpose kernel and calls the original kernel
 * untransposed.
 */
import { tf } from '../engine/tf';

let installed = false;
let sliceInstalled = false;

type KernelArgs = Parameters<tf.KernelFunc>[0];

export function installWasmMatMul(): void {
  if (installed) return;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) return;
  installed = true;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args: KernelArgs) => {
      const { inputs, backend, attrs } = args;
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return original.kernelFunc(args);
      const temps: tf.TensorInfo[] = [];
      const flip = (x: tf.TensorInfo) => {
        const rank = x.shape.length;
        const perm = [...Array(rank).keys()];
        [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
        const t = transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
        temps.push(t);
        return t;
      };
      const a = transposeA ? flip(inputs.a as tf.TensorInfo) : inputs.a;
      const b = transposeB ? flip(inputs.b as tf.TensorInfo) : inputs.b;
      const out = original.kernelFunc({
        inputs: { a, b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
      for (const t of temps) (backend as { disposeData(id: object): void }).disposeData(t.dataId);
      return out;
    },
  });
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * Slice (and SplitV, which tfjs-wasm builds from it) without copying the whole
 * input: tfjs-wasm's Slice starts with `readSync`, which copies the entire
 * input tensor out of the wasm heap into a fresh ArrayBuffer for every slice
 * (a [256, 14, 14, 16] input: ~30 ms per slice, whatever the slice's size).
 * This one reads the input through a view of the heap and copies only the
 * slice's contiguous runs. Strings keep the original kernel.
 */
export function installWasmSlice(): void {
  if (sliceInstalled) return;
  const original = tf.getKernel('Slice', 'wasm');
  if (!original) return;
  sliceInstalled = true;
  const slice = (args: KernelArgs): tf.TensorInfo => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original.kernelFunc(args) as tf.TensorInfo;
    const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const backend = args.backend as unknown as WasmBackendLike;
    // makeOutput may grow the heap (detaching older views): take the views after it.
    const out = backend.makeOutput(s, x.dtype);
    if (s.some((d) => d === 0)) return out;
    copySlice(backend.typedArrayFromHeap(x), x.shape, b, s, backend.typedArrayFromHeap(out));
    return out;
  };
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({ kernelName: 'Slice', backendName: 'wasm', kernelFunc: slice });
  // tfjs-wasm's SplitV calls its own Slice directly, not through the registry.
  if (!tf.getKernel('SplitV', 'wasm')) return;
  tf.unregisterKernel('SplitV', 'wasm');
  tf.registerKernel({
    kernelName: 'SplitV',
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const x = args.inputs.x as tf.TensorInfo;
      const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
      const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
      const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
      const begin = new Array<number>(x.shape.length).fill(0);
      return sizes.map((n) => {
        const size = [...x.shape];
        size[ax] = n;
        const piece = slice({ ...args, attrs: { begin: [...begin], size } });
        begin[ax]! += n;
        return piece;
      });
    },
  });
}

/** Copies the box begin..begin+size of a row-major array of `shape` into `out`, one contiguous run at a time. */
export function copySlice(
  x: Float32Array | Int32Array | Uint8Array,
  shape: number[],
  begin: number[],
  size: number[],
  out: Float32Array | Int32Array | Uint8Array,
): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0]!;
    return;
  }
  // Merge trailing axes taken whole into the run: the run is as long as possible.
  let inner = rank - 1;
  let run = size[inner]!;
  while (inner > 0 && size[inner] === shape[inner] && begin[inner] === 0) {
    inner--;
    run *= size[inner]!;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  let offset = 0;
  for (let d = 0; d < rank; d++) offset += begin[d]! * strides[d]!;
  const idx = new Array<number>(inner).fill(0);
  const total = out.length;
  for (let o = 0; o < total; o += run) {
    let src = offset;
    for (let d = 0; d < inner; d++) src += idx[d]! * strides[d]!;
    out.set(x.subarray(src, src + run), o);
    for (let d = inner - 1; d >= 0; d--) {
      if (++idx[d]! < size[d]!) break;
      idx[d] = 0;
    }
  }
}

let identityInstalled = false;

/**
 * Identity (what tfjs's gradient tape runs to keep every saved input, and
 * `clone`) sharing the input's memory, as the cpu backend does: tfjs-wasm's
 * copies the whole tensor each time (about a hundred copies of activations per
 * IIT training step). Safe because no wasm kernel writes into its inputs; the
 * backend counts references per buffer (its Reshape already shares them).
 */
export function installWasmIdentity(): void {
  if (identityInstalled) return;
  const original = tf.getKernel('Identity', 'wasm');
  if (!original) return;
  identityInstalled = true;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args: KernelArgs) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return original.kernelFunc(args);
      (args.backend as unknown as { incRef(id: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}

/** Every replacement kernel above, for the wasm backend. */
export function installWasmKernels(): void {
  installWasmMatMul();
  installWasmSlice();
  installWasmIdentity();
}
