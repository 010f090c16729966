/**
 * `npm run bench [-- --json] [-- --quick] [-- --resnet]`: IIT training
 * throughput (examples/s) and IIA evaluation throughput (pairs/s) per
 * available backend on (a) the hierarchical-equality MLP shape and (b) the
 * PVR CNNs (the quick quadrant-local network; ResNet-18 with --resnet: one of
 * its steps takes tens of seconds on CPU backends), each as GFLOP/s, as a
 * fraction of the backend's own measured matmul peak, and as a ratio to
 * PyTorch's throughput on the same step measured in the same run
 * (bench/reference/iit_bench.py, pvr_bench.py), plus scaling with batch size,
 * number of typed variables and number of evaluation pairs. A backend that
 * lacks a kernel a step needs (wasm: Conv2DBackpropFilter) is listed under
 * `skipped` with the reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from 'iit-studio';
import { mlpStep, timeIt } from './iitStep';
import { pvrStep, type PvrNet } from './pvrStep';
import * as compute from '../server/compute/backends';

const root = path.resolve(import.meta.dirname, '..');
const args = new Set(process.argv.slice(2));
const json = args.has('--json');
const quick = args.has('--quick');
const resnet = args.has('--resnet');
// With --json the human-readable lines go to stderr, so stdout stays one JSON document.
const log = (m: string) => {
  if (json) process.stderr.write(`${m}\n`);
  else console.log(m);
};

interface Result {
  task: string;
  phase: 'train' | 'eval';
  backend: string;
  /** MLP hidden width; null for the PVR CNNs. */
  width: number | null;
  batch: number;
  k: number;
  examplesPerSecond: number;
  gflops: number;
  fractionOfPeak: number;
  pytorchExamplesPerSecond: number | null;
  ratio: number | null;
}

interface Skipped {
  task: string;
  phase: 'train' | 'eval';
  backend: string;
  reason: string;
}

const PYTHON = '/usr/bin/python3';
const REFERENCE = path.join(root, 'bench/reference/iit_bench.py');
const PVR_REFERENCE = path.join(root, 'bench/reference/pvr_bench.py');

/** PyTorch's examples (or pairs) per second on the same step, or null when the reference cannot run. */
function pytorch(phase: string, width: number, batch: number, k: number): number | null {
  return reference(REFERENCE, [
    '--task',
    'mlp',
    '--width',
    String(width),
    '--batch',
    String(batch),
    '--phase',
    phase,
    '--k',
    String(k),
    '--warmup',
    '2',
    '--windows',
    '3',
  ]);
}

function pytorchPvr(task: string, phase: string, batch: number, steps: number): number | null {
  // --swap trainer: one typed swap per pair, as bench/pvrStep.ts (and the trainer) do.
  return reference(PVR_REFERENCE, [
    '--task',
    task,
    '--swap',
    'trainer',
    '--k',
    '4',
    '--batch',
    String(batch),
    '--phase',
    phase,
    '--warmup',
    '1',
    '--windows',
    '3',
    '--steps',
    String(steps),
  ]);
}

function reference(script: string, argv: string[]): number | null {
  if (!existsSync(PYTHON) || !existsSync(script)) return null;
  const threads = String(os.cpus().length);
  const r = spawnSync(PYTHON, [script, ...argv, '--threads', threads], { encoding: 'utf8', timeout: 600_000 });
  const line = r.stdout?.trim().split('\n').at(-1);
  if (r.status !== 0 || !line) {
    log(
      `  (PyTorch reference unavailable: ${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)}; run bench/install-reference.sh)`,
    );
    return null;
  }
  return (JSON.parse(line) as { examplesPerSecond: number }).examplesPerSecond;
}

async function measure(
  backend: string,
  width: number,
  batch: number,
  k: number,
  peak: number,
  ref: boolean,
): Promise<Result[]> {
  const s = mlpStep(width, batch, k);
  try {
    const window = quick ? 0.2 : 0.5;
    const out: Result[] = [];
    for (const [phase, n, flops] of [
      ['train', batch, s.trainFlopsPerExample],
      ['eval', batch * k, s.evalFlopsPerPair],
    ] as const) {
      const t = await timeIt(phase === 'train' ? s.step : s.evalStep, { warmup: 2, windows: 3, minWindow: window });
      const eps = n / t;
      const gflops = (eps * flops) / 1e9;
      // Right after ours: on a shared machine, the two measurements see the same load.
      const py = ref ? pytorch(phase, width, batch, k) : null;
      out.push({
        task: 'mlp-hierarchical-equality',
        phase,
        backend,
        width,
        batch,
        k,
        examplesPerSecond: eps,
        gflops,
        fractionOfPeak: gflops / peak,
        pytorchExamplesPerSecond: py,
        ratio: py ? eps / py : null,
      });
    }
    return out;
  } finally {
    s.dispose();
  }
}

const fmt = (x: number | null, d = 0) => (x === null ? '—' : x.toFixed(d));

const PVR_TASKS: { net: PvrNet; task: string; batch: number }[] = [
  { net: 'quick', task: 'pvr-quick', batch: 128 },
  { net: 'resnet18', task: 'pvr-resnet18', batch: 16 },
];

/**
 * The kernels each phase of a PVR step uses, listed by running a cheap copy
 * (ResNet-18 with 4 channels per stage: the same kernels) under tf.profile on cpu.
 */
async function pvrKernels(net: PvrNet): Promise<{ train: string[]; eval: string[] }> {
  return compute.withBackend('cpu', async () => {
    const s = pvrStep(net, 16, 0, net === 'resnet18' ? [4, 4, 4, 4] : undefined);
    try {
      const train = (await tf.profile(() => s.step())).kernelNames;
      const evalK = (await tf.profile(() => s.evalStep())).kernelNames;
      return { train, eval: evalK };
    } finally {
      s.dispose();
    }
  });
}

async function measurePvr(
  backend: compute.BackendName,
  t: (typeof PVR_TASKS)[number],
  kernels: { train: string[]; eval: string[] },
  peak: number,
  skipped: Skipped[],
): Promise<Result[]> {
  const phases: ('train' | 'eval')[] = [];
  if (t.net === 'resnet18' && backend === 'cpu') {
    // Pure-JS convolutions: ~0.2 GFLOP/s here against ~22 GFLOP per training step at batch 16.
    for (const phase of ['train', 'eval'] as const) {
      skipped.push({ task: t.task, phase, backend, reason: 'pure-JS convolutions: one step takes minutes' });
    }
    log(`  ${t.task}: skipped on cpu (pure-JS convolutions: one step takes minutes)`);
    return [];
  }
  for (const phase of ['train', 'eval'] as const) {
    const missing = await compute.missingKernels(backend, kernels[phase]);
    if (missing.length) {
      skipped.push({ task: t.task, phase, backend, reason: `${backend} lacks ${missing.join(', ')}` });
      log(`  ${t.task} ${phase}: skipped (${backend} lacks ${missing.join(', ')})`);
    } else phases.push(phase);
  }
  if (!phases.length) return [];
  const slow = t.net === 'resnet18';
  const s = pvrStep(t.net, t.batch);
  const out: Result[] = [];
  try {
    for (const phase of phases) {
      // ResNet-18 takes seconds per step on CPU backends: one warm-up and two single-step windows.
      const opts = slow
        ? { warmup: 1, windows: 2, minWindow: 0 }
        : { warmup: 2, windows: 3, minWindow: quick ? 0.2 : 0.5 };
      const sec = await timeIt(phase === 'train' ? s.step : s.evalStep, opts);
      const eps = t.batch / sec;
      const gflops = (eps * (phase === 'train' ? s.trainFlopsPerExample : s.evalFlopsPerPair)) / 1e9;
      const py = pytorchPvr(t.task, phase, t.batch, slow ? 1 : 5);
      out.push({
        task: t.task,
        phase,
        backend,
        width: null,
        batch: t.batch,
        k: 4,
        examplesPerSecond: eps,
        gflops,
        fractionOfPeak: gflops / peak,
        pytorchExamplesPerSecond: py,
        ratio: py ? eps / py : null,
      });
    }
  } finally {
    s.dispose();
  }
  return out;
}

async function main() {
  const reports = await compute.probeBackends({ workspaceRoot: root });
  const available = reports.filter((r) => r.available).map((r) => r.name);
  log(
    `backends: ${reports.map((r) => `${r.name} ${r.available ? `✓ ${r.device ?? ''}` : `✗ (${r.reason})`}`).join('; ')}`,
  );
  const results: Result[] = [];
  const skipped: Skipped[] = [];
  const scaling: Record<string, unknown>[] = [];
  const widths = [16, 256];
  const pvrTasks = PVR_TASKS.filter((t) => t.net !== 'resnet18' || resnet);
  const pvrNeeds = new Map<string, { train: string[]; eval: string[] }>();
  for (const t of pvrTasks) pvrNeeds.set(t.task, await pvrKernels(t.net));
  for (const name of available) {
    await compute.useBackend(name);
    const peak = await compute.measureMatmulPeak(512);
    log(`\n${name}: matmul peak ${peak.toFixed(2)} GFLOP/s`);
    for (const width of widths) {
      // PyTorch is measured beside every backend, right after the same step on it.
      const rs = await measure(name, width, 1024, 2, peak, true);
      for (const r of rs) {
        results.push(r);
        log(
          `  ${r.phase.padEnd(5)} width ${String(width).padStart(4)}: ${fmt(r.examplesPerSecond).padStart(8)} ${r.phase === 'train' ? 'ex/s ' : 'pairs/s'}  ${r.gflops.toFixed(2)} GFLOP/s (${(100 * r.fractionOfPeak).toFixed(0)}% of peak)  PyTorch ${fmt(r.pytorchExamplesPerSecond)}  ratio ${fmt(r.ratio, 3)}`,
        );
      }
    }
    for (const t of pvrTasks) {
      for (const r of await measurePvr(name, t, pvrNeeds.get(t.task)!, peak, skipped)) {
        // PyTorch once per task and phase, beside the first backend that runs it.
        results.push(r);
        log(
          `  ${r.phase.padEnd(5)} ${t.task} batch ${t.batch}: ${fmt(r.examplesPerSecond, 1).padStart(8)} ${r.phase === 'train' ? 'ex/s ' : 'pairs/s'}  ${r.gflops.toFixed(2)} GFLOP/s (${(100 * r.fractionOfPeak).toFixed(0)}% of peak)  PyTorch ${fmt(r.pytorchExamplesPerSecond, 1)}  ratio ${fmt(r.ratio, 3)}`,
        );
      }
    }
  }
  if (!resnet) log('\npvr-resnet18: not run (one step takes tens of seconds on CPU backends); add --resnet');

  // Scaling on the backend `auto` picks.
  const best = (await compute.useBackend('auto')).name;
  const width = 256;
  log(`\nscaling (${best}, width ${width}):`);
  for (const batch of quick ? [64, 256] : [64, 256, 1024, 4096]) {
    const s = mlpStep(width, batch, 2);
    const t = await timeIt(() => s.step(), { warmup: 1, windows: 3, minWindow: quick ? 0.1 : 0.3 });
    s.dispose();
    scaling.push({ axis: 'batch', backend: best, width, batch, k: 2, secondsPerStep: t, examplesPerSecond: batch / t });
    log(`  batch ${String(batch).padStart(5)}: ${(1000 * t).toFixed(1)} ms/step, ${(batch / t).toFixed(0)} ex/s`);
  }
  for (const k of [1, 2, 4]) {
    const s = mlpStep(width, 1024, k);
    const t = await timeIt(() => s.step(), { warmup: 1, windows: 3, minWindow: quick ? 0.1 : 0.3 });
    s.dispose();
    scaling.push({
      axis: 'typedVariables',
      backend: best,
      width,
      batch: 1024,
      k,
      secondsPerStep: t,
      examplesPerSecond: 1024 / t,
    });
    log(`  k ${k}: ${(1000 * t).toFixed(1)} ms/step`);
  }
  for (const pairs of quick ? [1024, 4096] : [1024, 4096, 16384]) {
    const s = mlpStep(width, pairs, 1);
    const t = await timeIt(() => s.evalStep(), { warmup: 1, windows: 3, minWindow: quick ? 0.1 : 0.3 });
    s.dispose();
    scaling.push({ axis: 'evalPairs', backend: best, width, pairs, seconds: t, pairsPerSecond: pairs / t });
    log(`  ${String(pairs).padStart(6)} eval pairs: ${(1000 * t).toFixed(1)} ms`);
  }
  const machine = {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    tfjs: tf.version.tfjs,
  };
  if (json)
    console.log(JSON.stringify({ machine, date: new Date().toISOString(), results, skipped, scaling }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
