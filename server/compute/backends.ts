/**
 * Compute backends for the one TensorFlow.js code path, chosen at run time.
 *
 * `auto` takes the first usable backend in AUTO_ORDER (tensorflow-gpu, webgpu,
 * tensorflow, wasm, cpu), with one exception decided from measurements
 * (docs/BACKENDS.md): a *software* WebGPU adapter (Mesa lavapipe, SwiftShader)
 * ranks after wasm, because wasm trains MLPs faster; it still ranks above cpu,
 * and a convolutional experiment (which wasm cannot train: no
 * Conv2DBackpropFilter) lands on it. The tfjs-node packages are never
 * dependencies: they are resolved from the user's workspace first, then from
 * this package, as the ESLint extension resolves `eslint`.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '../engine/tf';
import { packageRequire as require, packageRoot } from './packageRoot';
import { installWasmKernels } from './wasmKernels';
import { wasmThreadsCount, withWasmThreadShim } from './wasmThreads';

export { measureMatmulPeak } from './measure';

export type BackendName = 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export const AUTO_ORDER: BackendName[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];
export const BACKEND_NAMES: readonly string[] = AUTO_ORDER;

export interface BackendReport {
  name: BackendName;
  available: boolean;
  /** Adapter or device name. */
  device?: string;
  /** Why it is not available. */
  reason?: string;
  /** A software (CPU-emulated) adapter. */
  software?: boolean;
}

export interface Selection {
  name: BackendName;
  device?: string;
  /** Backends passed over, in the order considered, with the reason. */
  fallbacks: { name: BackendName; reason: string }[];
}

export interface UseOptions {
  workspaceRoot?: string;
  /** tfjs kernel names (forward and gradient) the work needs; a backend lacking any is skipped. */
  requiredKernels?: string[];
  log?: (msg: string) => void;
}

/** The tfjs backend name each of ours registers. */
const TF_NAME: Record<BackendName, string> = {
  'tensorflow-gpu': 'tensorflow',
  webgpu: 'webgpu',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

const NODE_PACKAGE: Partial<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

/** The tfjs backend name a BackendName activates ('tensorflow-gpu' registers as 'tensorflow'). */
export function tfBackendName(name: BackendName): string {
  return TF_NAME[name];
}

/** Dawn and Mesa want XDG_RUNTIME_DIR; unset, Mesa prints a warning on every start. */
function ensureRuntimeDir(env: NodeJS.ProcessEnv = process.env): void {
  env.XDG_RUNTIME_DIR ||= os.tmpdir();
}

/** The short, actionable part of a native package's load error. */
function gist(pkg: string, e: unknown): string {
  const msg = (e as Error)?.message ?? String(e);
  if (/libcudart|libcudnn|libcublas|libcufft|libcurand|libcusolver|libcusparse|CUDA/i.test(msg)) {
    const lib = /lib(cu\w+)\.so[.\d]*/.exec(msg)?.[0];
    return `CUDA libraries not found${lib ? ` (${lib})` : ''}: tfjs-node-gpu 4.x needs CUDA 11.2 and cuDNN 8.1`;
  }
  if (/libtensorflow/i.test(msg)) {
    return `libtensorflow not found: reinstall ${pkg} where its install script can download it`;
  }
  if (/tfjs_binding\.node/.test(msg)) {
    return `installed, but its native addon was never built: run \`npm rebuild ${pkg}\` with internet access`;
  }
  return msg.split('\n')[0]!.slice(0, 200);
}

/** Resolves a package from the workspace's node_modules first, then from IIT Studio's own. */
export function resolveFrom(pkg: string, workspaceRoot?: string): string | undefined {
  for (const base of [workspaceRoot, packageRoot]) {
    if (!base) continue;
    try {
      return createRequire(path.join(path.resolve(base), 'package.json')).resolve(pkg);
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}

interface AdapterInfo {
  device: string;
  software: boolean;
}

let webgpuProbe: Promise<AdapterInfo | string> | undefined;

/**
 * Looks for a WebGPU adapter in a child process: Dawn prints warnings on the
 * native stderr while it enumerates adapters, which would otherwise land in
 * the output of every run that merely considers webgpu. Cached per process.
 */
function probeWebgpu(): Promise<AdapterInfo | string> {
  webgpuProbe ??= new Promise((resolve) => {
    let entry: string;
    try {
      entry = require.resolve('webgpu');
    } catch {
      resolve('not installed');
      return;
    }
    // Exits explicitly: a live Dawn instance keeps Node running.
    const script = `
      const done = (o) => process.stdout.write(JSON.stringify(o) + '\\n', () => process.exit(0));
      let gpu;
      try { gpu = require(${JSON.stringify(entry)}).create([]); }
      catch (e) { done({ error: 'the webgpu package failed to load: ' + String(e.message).split('\\n')[0] }); }
      if (gpu) gpu.requestAdapter({ powerPreference: 'high-performance' }).then(
        (a) => {
          if (!a) return done({ error: 'no Vulkan adapter' });
          const i = a.info;
          done({ info: { description: i.description, device: i.device, vendor: i.vendor,
            architecture: i.architecture, fallback: i.isFallbackAdapter ?? a.isFallbackAdapter } });
        },
        (e) => done({ error: 'no Vulkan adapter (' + e.message + ')' }),
      );`;
    const env = { ...process.env };
    ensureRuntimeDir(env);
    execFile(process.execPath, ['-e', script], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1);
      if (!line?.startsWith('{')) {
        const why = (stderr || err?.message || 'the probe printed nothing').trim().split('\n').at(-1);
        resolve(`no Vulkan adapter (${why})`);
        return;
      }
      const res = JSON.parse(line) as {
        error?: string;
        info?: { description?: string; device?: string; vendor?: string; architecture?: string; fallback?: boolean };
      };
      if (res.error || !res.info) {
        resolve(res.error ?? 'no Vulkan adapter');
        return;
      }
      const i = res.info;
      const device = i.description || i.device || i.vendor || 'unknown adapter';
      const software =
        i.fallback === true ||
        i.architecture === 'software' ||
        /llvmpipe|lavapipe|swiftshader|software/i.test(`${device} ${i.device ?? ''}`);
      resolve({ device, software });
    });
  });
  return webgpuProbe;
}

/** Installs Dawn's navigator.gpu and registers tfjs's webgpu backend in this process. */
function loadWebgpu(): void {
  ensureRuntimeDir();
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator?.gpu) {
    const webgpu = require('webgpu') as { create(flags: string[]): unknown; globals: object };
    Object.assign(globalThis, webgpu.globals);
    // Node 21+ has a read-only global navigator; redefine it with gpu added.
    Object.defineProperty(globalThis, 'navigator', {
      value: { ...(g.navigator ?? {}), gpu: webgpu.create([]) },
      configurable: true,
      writable: true,
    });
  }
  require('@tensorflow/tfjs-backend-webgpu');
}

let wasmLoaded: { simd: boolean } | undefined;

/**
 * Threads asked of the wasm backend: IIT_WASM_THREADS (opt-in; default 1, the
 * single-threaded SIMD build). Read when the backend first initialises.
 */
export function wasmThreadsWanted(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.IIT_WASM_THREADS;
  if (v === undefined || v === '') return 1;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 8) {
    throw new Error(`IIT_WASM_THREADS must be an integer from 1 to 8, got '${v}': unset it or set e.g. 2`);
  }
  return n;
}

/** Why the wasm backend runs fewer threads than asked, once it has initialised. */
let wasmThreadsNote: string | undefined;

/**
 * First activation of wasm. With IIT_WASM_THREADS > 1 it starts the threaded
 * SIMD build through wasmThreads.ts; if that fails it falls back to the
 * single-threaded build and records why.
 */
async function initWasm(): Promise<boolean> {
  const want = wasmThreadsWanted();
  const initialised = wasmThreadsCount() > 0;
  if (want === 1 || initialised) return tf.setBackend('wasm');
  let ok = false;
  let why = '';
  try {
    ok = await withWasmThreadShim(want, () => tf.setBackend('wasm'));
  } catch (e) {
    why = (e as Error).message;
  }
  if (ok) {
    const got = wasmThreadsCount();
    if (got !== want) wasmThreadsNote = `${want} threads asked, the threaded build started ${got}`;
    return true;
  }
  wasmThreadsNote = `threaded build failed to start (${why || 'initialisation failed'}): single-threaded`;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  return tf.setBackend('wasm');
}

function wasmDevice(simd: boolean): string {
  const n = wasmThreadsCount() > 0 ? wasmThreadsCount() : wasmThreadsWanted();
  return `WebAssembly${simd ? ' SIMD' : ''}, ${n} thread${n === 1 ? '' : 's'}${wasmThreadsNote ? ` (${wasmThreadsNote})` : ''}`;
}

/**
 * Loads tfjs-backend-wasm with its .wasm binaries taken from the package's own
 * dist folder (a plain file-path prefix works in Node: Emscripten reads it with
 * fs), so the backend also works when IIT Studio's code is bundled elsewhere.
 * Multi-threading is opt-in (wasmThreadsWanted, wasmThreads.ts).
 */
async function loadWasm(): Promise<{ simd: boolean }> {
  if (wasmLoaded) return wasmLoaded;
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  const dist =
    path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const binary = simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  if (!existsSync(dist + binary))
    throw new Error(`${dist + binary} is missing: reinstall @tensorflow/tfjs-backend-wasm`);
  wasm.setWasmPaths(dist);
  wasmLoaded = { simd };
  return wasmLoaded;
}

async function probe(name: BackendName, workspaceRoot?: string): Promise<BackendReport> {
  if (name === 'cpu') return { name, available: true, device: 'JavaScript' };
  if (name === 'wasm') {
    try {
      const { simd } = await loadWasm();
      return { name, available: true, device: wasmDevice(simd) };
    } catch (e) {
      return { name, available: false, reason: gist('@tensorflow/tfjs-backend-wasm', e) };
    }
  }
  if (name === 'webgpu') {
    const a = await probeWebgpu();
    if (typeof a === 'string') return { name, available: false, reason: a };
    return { name, available: true, device: a.device, software: a.software };
  }
  const pkg = NODE_PACKAGE[name]!;
  const file = resolveFrom(pkg, workspaceRoot);
  if (!file) return { name, available: false, reason: 'not installed' };
  try {
    // Registers the 'tensorflow' backend on the engine every @tensorflow/tfjs-core copy in the process shares.
    require(file);
  } catch (e) {
    return { name, available: false, reason: gist(pkg, e) };
  }
  if (!tf.findBackendFactory('tensorflow')) {
    return { name, available: false, reason: `${pkg} loaded but did not register the 'tensorflow' backend` };
  }
  const where = path.relative(workspaceRoot ?? packageRoot, file).startsWith('..') ? 'IIT Studio' : 'workspace';
  return {
    name,
    available: true,
    device: `${name === 'tensorflow-gpu' ? 'libtensorflow GPU (CUDA)' : 'libtensorflow CPU'}, from the ${where}`,
  };
}

/** Every backend in AUTO_ORDER, available or not, with the device or the reason. */
export async function probeBackends(opts: { workspaceRoot?: string } = {}): Promise<BackendReport[]> {
  const out: BackendReport[] = [];
  for (const name of AUTO_ORDER) out.push(await probe(name, opts.workspaceRoot));
  return out;
}

/** The kernels a backend lacks among `kernels` (tfjs kernel names, forward and gradient). */
export async function missingKernels(name: BackendName, kernels: string[]): Promise<string[]> {
  if (kernels.length === 0) return [];
  // A backend's kernels register when its package loads; webgpu's only once navigator.gpu exists.
  if (name === 'webgpu') loadWebgpu();
  if (name === 'wasm') await loadWasm();
  // tf.profile also lists scopes that are not kernels (a customGrad op is 'unnamed scope'): only
  // names that are kernels on cpu, where the work was profiled, can be missing elsewhere.
  return kernels.filter((k) => tf.getKernel(k, 'cpu') && !tf.getKernel(k, TF_NAME[name]));
}

/**
 * `auto`'s ranking. A software WebGPU adapter goes after wasm (wasm trains an
 * MLP several times faster than lavapipe here) but before cpu (lavapipe
 * trains a CNN several times faster than cpu, and wasm cannot train one).
 */
export function autoRanking(reports: BackendReport[]): BackendReport[] {
  const sw = reports.find((r) => r.name === 'webgpu' && r.available && r.software);
  if (!sw) return reports;
  const rest = reports.filter((r) => r !== sw);
  rest.splice(
    rest.findIndex((r) => r.name === 'cpu'),
    0,
    sw,
  );
  return rest;
}

function availableList(reports: BackendReport[]): string {
  const ok = reports.filter((r) => r.available).map((r) => r.name);
  return ok.length ? ok.join(', ') : 'none';
}

/**
 * Registers and activates a backend (tf.setBackend + tf.ready). 'auto' takes
 * the best available one that has every required kernel and records each
 * backend it passed over; an explicit name that is unavailable or lacks a
 * kernel throws, saying why and which backends are available.
 */
export async function useBackend(name: BackendName | 'auto' | string, opts: UseOptions = {}): Promise<Selection> {
  if (name !== 'auto' && !AUTO_ORDER.includes(name as BackendName)) {
    throw new Error(`unknown backend '${name}': use auto, ${AUTO_ORDER.join(', ')}`);
  }
  const required = opts.requiredKernels ?? [];
  const reports = await probeBackends(opts);
  const explicit = name !== 'auto';
  const candidates = explicit ? reports.filter((r) => r.name === name) : autoRanking(reports);
  const fallbacks: Selection['fallbacks'] = [];
  const fail = (r: BackendReport, reason: string) =>
    new Error(`backend ${r.name} ${reason}; available backends: ${availableList(reports)} (or use auto)`);
  const webgpu = reports.find((r) => r.name === 'webgpu');
  for (const r of candidates) {
    if (!r.available) {
      if (explicit) throw fail(r, `is not available: ${r.reason}`);
      fallbacks.push({ name: r.name, reason: r.reason ?? 'not available' });
      continue;
    }
    const missing = await missingKernels(r.name, required);
    if (missing.length) {
      const reason = `lacks kernels ${missing.join(', ')}`;
      if (explicit) throw fail(r, `${reason} that this work needs`);
      fallbacks.push({ name: r.name, reason });
      opts.log?.(`backend ${r.name} skipped: ${reason}`);
      continue;
    }
    // Under auto a software adapter is considered after wasm: record why it was passed over for wasm.
    if (!explicit && r.name === 'wasm' && webgpu?.available && webgpu.software) {
      fallbacks.push({
        name: 'webgpu',
        reason: `software adapter only (${webgpu.device}): wasm is faster for this work`,
      });
    }
    if (r.name === 'webgpu') loadWebgpu();
    if (r.name === 'wasm') installWasmKernels();
    let ok = false;
    let initError = '';
    try {
      ok = r.name === 'wasm' ? await initWasm() : await tf.setBackend(TF_NAME[r.name]);
      if (ok) await tf.ready();
    } catch (e) {
      ok = false;
      initError = `: ${(e as Error).message}`;
    }
    if (!ok) {
      const reason = `failed to initialise${initError}`;
      if (explicit) throw fail(r, reason);
      fallbacks.push({ name: r.name, reason });
      continue;
    }
    const device = r.name === 'wasm' ? wasmDevice(wasmLoaded?.simd ?? true) : r.device;
    opts.log?.(`backend: ${r.name}${device ? ` (${device})` : ''}`);
    return { name: r.name, device, fallbacks };
  }
  throw new Error(`no backend is available: ${fallbacks.map((f) => `${f.name}: ${f.reason}`).join('; ')}`);
}

/**
 * Runs fn with a backend active, then restores the previous one. Tensors fn
 * creates live on that backend; fn should dispose them or return plain data.
 */
export async function withBackend<T>(name: BackendName, fn: () => T | Promise<T>, opts: UseOptions = {}): Promise<T> {
  const prev = tf.getBackend();
  await useBackend(name, opts);
  try {
    return await fn();
  } finally {
    if (prev) await tf.setBackend(prev);
  }
}
