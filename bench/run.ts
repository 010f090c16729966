/**
 * `npm run bench [-- --json] [-- --quick]`: IIT training throughput (examples/s) and IIA
 * evaluation throughput (pairs/s) per available backend on the hierarchical-
 * equality MLP shape, each as GFLOP/s, as a fraction of the backend's own
 * measured matmul peak, and as a ratio to PyTorch's throughput on the same
 * step measured in the same run (bench/reference/iit_bench.py), plus scaling
 * with batch size, number of typed variables and number of evaluation pairs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from 'iit-studio';
import { mlpStep, timeIt } from './iitStep';
import * as compute from '../server/compute/backends';

const root = path.resolve(import.meta.dirname, '..');
const args = new Set(process.argv.slice(2));
const json = args.has('--json');
const quick = args.has('--quick');
const log = (m: string) => {
  if (!json) console.log(m);
};

interface Result {
  task: string;
  phase: 'train' | 'eval';
  backend: string;
  width: number;
  batch: number;
  k: number;
  examplesPerSecond: number;
  gflops: number;
  fractionOfPeak: number;
  pytorchExamplesPerSecond: number | null;
  ratio: number | null;
}

const PYTHON = '/usr/bin/python3';
const REFERENCE = path.join(root, 'bench/reference/iit_bench.py');

function pytorch(phase: string, width: number, batch: number, k: number): number | null {
  if (!existsSync(PYTHON) || !existsSync(REFERENCE)) return null;
  const threads = String(os.cpus().length);
  const r = spawnSync(
    PYTHON,
    [
      REFERENCE,
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
      '--threads',
      threads,
      '--warmup',
      '2',
      '--windows',
      '3',
    ],
    {
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
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
    const tTrain = await timeIt(() => s.step(), { warmup: 2, windows: 3, minWindow: window });
    const tEval = await timeIt(() => s.evalStep(), { warmup: 2, windows: 3, minWindow: window });
    const out: Result[] = [];
    for (const [phase, t, n, flops] of [
      ['train', tTrain, batch, s.trainFlopsPerExample],
      ['eval', tEval, batch * k, s.evalFlopsPerPair],
    ] as const) {
      const eps = n / t;
      const gflops = (eps * flops) / 1e9;
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

async function main() {
  const reports = await compute.probeBackends({ workspaceRoot: root });
  const available = reports.filter((r) => r.available).map((r) => r.name);
  log(
    `backends: ${reports.map((r) => `${r.name} ${r.available ? `✓ ${r.device ?? ''}` : `✗ (${r.reason})`}`).join('; ')}`,
  );
  const results: Result[] = [];
  const scaling: Record<string, unknown>[] = [];
  const widths = [16, 256];
  for (const name of available) {
    await compute.useBackend(name);
    const peak = await compute.measureMatmulPeak(512);
    log(`\n${name}: matmul peak ${peak.toFixed(2)} GFLOP/s`);
    for (const width of widths) {
      // The PyTorch reference is backend-independent: measure it once, beside the first backend.
      const rs = await measure(name, width, 1024, 2, peak, results.length < 2 * widths.length);
      for (const r of rs) {
        const prev = results.find(
          (x) => x.phase === r.phase && x.width === r.width && x.pytorchExamplesPerSecond !== null,
        );
        if (r.pytorchExamplesPerSecond === null && prev) {
          r.pytorchExamplesPerSecond = prev.pytorchExamplesPerSecond;
          r.ratio = r.examplesPerSecond / prev.pytorchExamplesPerSecond!;
        }
        results.push(r);
        log(
          `  ${r.phase.padEnd(5)} width ${String(width).padStart(4)}: ${fmt(r.examplesPerSecond).padStart(8)} ${r.phase === 'train' ? 'ex/s ' : 'pairs/s'}  ${r.gflops.toFixed(2)} GFLOP/s (${(100 * r.fractionOfPeak).toFixed(0)}% of peak)  PyTorch ${fmt(r.pytorchExamplesPerSecond)}  ratio ${fmt(r.ratio, 3)}`,
        );
      }
    }
  }

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
  if (json) console.log(JSON.stringify({ machine, date: new Date().toISOString(), results, scaling }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
