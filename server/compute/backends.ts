/**
 * Compute backends for the one TensorFlow.js code path, chosen at run time.
 * `auto` takes the first available of: tensorflow-gpu (@tensorflow/tfjs-node-gpu),
 * webgpu on a hardware adapter (Dawn through the npm `webgpu` package),
 * tensorflow (@tensorflow/tfjs-node), wasm, webgpu on a software adapter
 * (Mesa's lavapipe: slower than wasm for matmuls, but it has the
 * convolution gradients wasm lacks), cpu. The tfjs-node packages are never
 * dependencies: they are resolved from the user's workspace first, then from
 * this package, as the ESLint extension resolves `eslint`.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { tf } from '../engine/tf';
import { packageRequire as require, packageRoot } from './packageRoot';
import { installWasmMatMul } from './wasmKernels';

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
  /** Backends passed over under `auto`, with the reason. */
  fallbacks: { name: BackendName; reason: string }[];
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

let webgpuAdapter: Promise<{ device?: string; software: boolean } | string> | undefined;

function gist(e: unknown): string {
  const msg = (e as Error)?.message ?? String(e);
  if (/libcudart|libcudnn|libcublas|CUDA/i.test(msg)) return 'CUDA libraries not found (tfjs-node-gpu needs CUDA 11.2 and cuDNN 8.1)';
  if (/libtensorflow/i.test(msg)) return 'libtensorflow not found (its install script could not download it)';
  return msg.split('\n')[0]!.slice(0, 200);
}

function resolveFrom(pkg: string, workspaceRoot?: string): string | undefined {
  for (const base of [workspaceRoot, packageRoot].filter(Boolean) as string[]) {
    try {
      return createRequire(path.join(base, 'package.json')).resolve(pkg);
    } catch {
      // not there: try the next place
    }
  }
  return undefined;
}

/**
 * Looks for a WebGPU adapter in a child process: Dawn prints warnings on the
 * native stderr while it enumerates adapters, which would otherwise land in
 * the output of every run that merely considers webgpu.
 */
async function probeWebgpu(): Promise<{ device?: string; software: boolean } | string> {
  webgpuAdapter ??= (async () => {
    const script = `
      process.env.XDG_RUNTIME_DIR ||= '/tmp';
      let webgpu;
      try { webgpu = require('webgpu'); } catch { console.log(JSON.stringify({ error: 'not installed' })); process.exit(0); }
      webgpu.create([]).requestAdapter({ powerPreference: 'high-performance' }).then(
        (a) => console.log(JSON.stringify(a ? { info: { description: a.info.description, device: a.info.device, vendor: a.info.vendor } } : { error: 'no Vulkan adapter' })),
        (e) => console.log(JSON.stringify({ error: 'no Vulkan adapter (' + e.message + ')' })),
      );`;
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['-e', script], { cwd: packageRoot, encoding: 'utf8', timeout: 60_000 });
    const line = r.stdout?.trim().split('\n').at(-1);
    if (!line) return `no Vulkan adapter (${(r.stderr || r.error?.message || 'probe failed').trim().split('\n').at(-1)})`;
    const res = JSON.parse(line) as { error?: string; info?: { description?: string; device?: string; vendor?: string } };
    if (res.error) return res.error;
    const device = res.info?.description || res.info?.device || res.info?.vendor || 'unknown adapter';
    return { device, software: /llvmpipe|lavapipe|swiftshader|software/i.test(device) };
  })();
  return webgpuAdapter;
}

/** Installs Dawn's navigator.gpu and registers tfjs's webgpu backend in this process. */
function loadWebgpu(): void {
  process.env.XDG_RUNTIME_DIR ||= '/tmp';
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator?.gpu) {
    const webgpu = require('webgpu') as { create(flags: string[]): unknown; globals: object };
    Object.assign(globalThis, webgpu.globals);
    Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu: webgpu.create([]) }, configurable: true });
  }
  require('@tensorflow/tfjs-backend-webgpu');
}

async function probe(name: BackendName, workspaceRoot?: string): Promise<BackendReport> {
  if (name === 'cpu') return { name, available: true, device: 'JavaScript' };
  if (name === 'wasm') {
    try {
      require('@tensorflow/tfjs-backend-wasm');
      return { name, available: true, device: 'WebAssembly (SIMD)' };
    } catch (e) {
      return { name, available: false, reason: gist(e) };
    }
  }
  if (name === 'webgpu') {
    const a = await probeWebgpu();
    if (typeof a === 'string') return { name, available: false, reason: a };
    return { name, available: true, device: a.device, software: a.software, ...(a.software ? { reason: 'software adapter only' } : {}) };
  }
  const pkg = NODE_PACKAGE[name]!;
  const file = resolveFrom(pkg, workspaceRoot);
  if (!file) return { name, available: false, reason: 'not installed' };
  try {
    require(file);
    return { name, available: true, device: name === 'tensorflow-gpu' ? 'CUDA' : 'libtensorflow (CPU)' };
  } catch (e) {
    return { name, available: false, reason: gist(e) };
  }
}

/** Every backend, available or not, with the device or the reason. */
export async function probeBackends(opts: { workspaceRoot?: string } = {}): Promise<BackendReport[]> {
  const out: BackendReport[] = [];
  for (const name of AUTO_ORDER) out.push(await probe(name, opts.workspaceRoot));
  return out;
}

/** The kernels a backend lacks among `kernels` (forward and gradient kernel names). */
export function missingKernels(name: BackendName, kernels: string[]): string[] {
  // Kernels register when the backend's package loads; webgpu's registers only once navigator.gpu exists.
  if (name === 'webgpu') loadWebgpu();
  if (name === 'wasm') require('@tensorflow/tfjs-backend-wasm');
  return kernels.filter((k) => !tf.getKernel(k, TF_NAME[name]));
}

/** `auto`'s ranking: a software WebGPU adapter goes after wasm (measured ~10× slower on matmuls). */
function ranked(reports: BackendReport[]): BackendReport[] {
  const sw = reports.find((r) => r.name === 'webgpu' && r.software);
  const rest = reports.filter((r) => r !== sw);
  if (sw) rest.splice(rest.findIndex((r) => r.name === 'cpu'), 0, sw);
  return rest;
}

/** Registers and activates a backend ('auto': the best available that has every required kernel). */
export async function useBackend(
  name: BackendName | 'auto' | string,
  opts: { workspaceRoot?: string; requiredKernels?: string[]; log?: (msg: string) => void } = {},
): Promise<Selection> {
  if (name !== 'auto' && !AUTO_ORDER.includes(name as BackendName)) {
    throw new Error(`unknown backend '${name}': use auto, ${AUTO_ORDER.join(', ')}`);
  }
  const required = opts.requiredKernels ?? [];
  const fallbacks: Selection['fallbacks'] = [];
  const candidates = name === 'auto' ? ranked(await probeBackends(opts)) : [await probe(name as BackendName, opts.workspaceRoot)];
  for (const r of candidates) {
    if (!r.available) {
      if (name !== 'auto') throw new Error(`backend ${r.name} is not available: ${r.reason}`);
      fallbacks.push({ name: r.name, reason: r.reason ?? 'not available' });
      continue;
    }
    const missing = missingKernels(r.name, required);
    if (missing.length) {
      const reason = `lacks kernels ${missing.join(', ')}`;
      if (name !== 'auto') throw new Error(`backend ${r.name} ${reason} that this experiment needs; choose another (--backend auto)`);
      fallbacks.push({ name: r.name, reason });
      opts.log?.(`backend ${r.name} skipped: ${reason}`);
      continue;
    }
    if (r.name === 'webgpu') loadWebgpu();
    if (r.name === 'wasm') installWasmMatMul();
    if (!(await tf.setBackend(TF_NAME[r.name]))) {
      if (name !== 'auto') throw new Error(`backend ${r.name} failed to initialise`);
      fallbacks.push({ name: r.name, reason: 'failed to initialise' });
      continue;
    }
    await tf.ready();
    opts.log?.(`backend: ${r.name}${r.device ? ` (${r.device})` : ''}`);
    return { name: r.name, device: r.device, fallbacks };
  }
  throw new Error(`no backend is available: ${fallbacks.map((f) => `${f.name}: ${f.reason}`).join('; ')}`);
}

/** Runs fn with a backend active, then restores the previous one. */
export async function withBackend<T>(name: BackendName, fn: () => T | Promise<T>): Promise<T> {
  const prev = tf.getBackend();
  await useBackend(name);
  try {
    return await fn();
  } finally {
    await tf.setBackend(prev);
  }
}

/** Achieved GFLOP/s of a size×size float32 matmul on the active backend (median of 5 after warm-up). */
export async function measureMatmulPeak(size = 512): Promise<number> {
  const a = tf.randomNormal([size, size]);
  const b = tf.randomNormal([size, size]);
  const once = async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  };
  await once();
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await once();
    times.push((performance.now() - t0) / 1000);
  }
  a.dispose();
  b.dispose();
  times.sort((x, y) => x - y);
  return (2 * size ** 3) / times[2]! / 1e9;
}
