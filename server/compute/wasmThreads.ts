/**
 * Multi-threaded tfjs-backend-wasm under Node (opt-in: IIT_WASM_THREADS=n).
 *
 * The package ships the threaded SIMD build, and its Emscripten glue already
 * has Node paths (worker_threads for pthreads, fs for importScripts); tfjs
 * only keeps it off (WASM_HAS_MULTITHREAD_SUPPORT is false under Node, tfjs
 * issue #3830) because of three browser-only details, which this shim bridges
 * for the duration of the backend's initialisation, then removes:
 *
 * 1. The pthread worker script and the main script are Blobs with blob: URLs,
 *    which worker_threads and fs cannot open. While tfjs initialises, `Blob`
 *    records the text of string-only blobs and `URL.createObjectURL` maps each
 *    URL to that text; our `Worker` starts a worker_threads.Worker from the
 *    text itself (`eval: true`) and rewrites the 'load' message's main-script
 *    Blob into a string that the worker's `importScripts` evaluates.
 * 2. The main script, evaluated inside a worker, refers to the bundle's
 *    closure variables (`require$$0`… for fs, path, perf_hooks, os, and
 *    `commonjsGlobal`): the worker's prelude defines them.
 * 3. XNNPACK's pool takes min(requested, navigator.hardwareConcurrency / 2),
 *    assuming two hyper-threads per core (Emscripten answers with
 *    os.cpus().length in Node): on a 2-vCPU machine that is one thread, so
 *    os.cpus reports twice the requested count while the module starts.
 *
 * Workers never hold the process open: they are unref'd, and Emscripten's
 * `ref()` (called while a pthread runs; XNNPACK's threads run for the life of
 * the pool) is ignored. `terminateWasmThreads` ends them.
 */
import os from 'node:os';
import { Worker as NodeWorker } from 'node:worker_threads';
import { tf } from '../engine/tf';
import { packageRequire as require } from './packageRoot';

/** Marks a main-script text passed to the worker in place of a Blob. */
const SCRIPT_MARK = 'iit-studio-script:';

/** Globals the threaded main script expects from its bundle (tf-backend-wasm.node.js's top-level requires). */
const PRELUDE =
  "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), " +
  "require$$4 = require('os'), commonjsGlobal = globalThis;\n";

/** After Emscripten's worker script: its Node importScripts reads files; ours also takes marked texts. */
const SUFFIX = `
;(() => {
  const fs = require('fs');
  globalThis.importScripts = (f) =>
    (0, eval)(f.startsWith(${JSON.stringify(SCRIPT_MARK)}) ? f.slice(${SCRIPT_MARK.length}) : fs.readFileSync(f, 'utf8'));
})();
`;

const scripts = new Map<string, string>();
const workers = new Set<NodeWorker>();

type Recorded = Blob & { iitText?: string };

class RecordingBlob extends Blob {
  iitText?: string;
  constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
    super(parts, options);
    if (parts && parts.every((p) => typeof p === 'string')) this.iitText = (parts as string[]).join('');
  }
}

/** The `Worker` Emscripten constructs for each pthread, on worker_threads. */
class EmscriptenWorker extends NodeWorker {
  constructor(url: string | URL) {
    const text = scripts.get(String(url));
    if (text === undefined) throw new Error(`wasm threads: no recorded script for ${String(url)}`);
    super(PRELUDE + text + SUFFIX, { eval: true });
    super.unref();
    workers.add(this);
    this.on('exit', () => workers.delete(this));
  }

  override ref(): void {
    // Emscripten refs a worker while its pthread runs; XNNPACK's pool threads never return.
  }

  override postMessage(msg: unknown, transfer?: readonly Transferable[]): void {
    const m = msg as { cmd?: string; urlOrBlob?: Recorded } | null;
    if (m?.cmd === 'load' && m.urlOrBlob && typeof m.urlOrBlob === 'object' && m.urlOrBlob.iitText !== undefined) {
      msg = { ...m, urlOrBlob: SCRIPT_MARK + m.urlOrBlob.iitText };
    }
    super.postMessage(msg, transfer as never);
  }
}

/**
 * Runs `init` (the wasm backend's first `tf.setBackend`) with the bridges above
 * in place and tfjs told that threads are supported, then removes them.
 */
export async function withWasmThreadShim<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  const g = globalThis as unknown as { Blob: typeof Blob; Worker?: unknown };
  const nativeBlob = g.Blob;
  const nativeCreate = URL.createObjectURL.bind(URL);
  const workerDesc = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  const cpus = os.cpus;
  const real = cpus.call(os);
  g.Blob = RecordingBlob;
  URL.createObjectURL = (obj: Blob) => {
    const url = nativeCreate(obj);
    const text = (obj as Recorded).iitText;
    if (text !== undefined) scripts.set(url, text);
    return url;
  };
  // Emscripten's Node path assigns worker_threads.Worker to the global: keep ours in place.
  Object.defineProperty(globalThis, 'Worker', {
    get: () => EmscriptenWorker,
    set: () => {},
    configurable: true,
  });
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]!);
  try {
    return await init();
  } finally {
    os.cpus = cpus;
    g.Blob = nativeBlob;
    URL.createObjectURL = nativeCreate;
    for (const url of scripts.keys()) URL.revokeObjectURL(url);
    scripts.clear();
    if (workerDesc) Object.defineProperty(globalThis, 'Worker', workerDesc);
    else delete g.Worker;
  }
}

/** Threads the initialised wasm backend runs (1 when single-threaded; -1 before initialisation). */
export function wasmThreadsCount(): number {
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    return wasm.getThreadsCount();
  } catch {
    return -1;
  }
}

/** Live pthread workers (for tests). */
export function wasmThreadWorkers(): number {
  return workers.size;
}

/** Ends every pthread worker; the wasm backend must not be used afterwards. */
export async function terminateWasmThreads(): Promise<void> {
  await Promise.all([...workers].map((w) => w.terminate()));
  workers.clear();
}
