// Started by wasm-threads.test.ts with IIT_WASM_THREADS=2: activates wasm, runs
// a matmul, prints the thread count and the result, and returns without
// process.exit, so the process ends only if the pthread workers let it.
import { tf } from 'iit-studio';
import { useBackend } from '../../server/compute/backends';
import { wasmThreadsCount } from '../../server/compute/wasmThreads';

const sel = await useBackend('wasm');
const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
const y = tf.matMul(a, a);
console.log(JSON.stringify({ threads: wasmThreadsCount(), device: sel.device, values: Array.from(await y.data()) }));
