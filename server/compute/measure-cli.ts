/**
 * Prints the numbers in docs/BACKENDS.md for every available backend:
 * matmul GFLOP/s at 256² and 1024², and an MLP and a CNN SGD training step.
 * Run: node --import ./scripts/register-ts.mjs server/compute/measure-cli.ts [backend…]
 */
import { tf } from '../engine/tf';
import { probeBackends, useBackend, type BackendName } from './backends';
import { convProblem, measureMatmulPeak, mlpProblem, timeTrainStep } from './measure';

const MLP = { batch: 256, input: 784, hidden: 256, classes: 10 };
const CONV = { batch: 64, side: 28, filters: [16, 32] as [number, number], classes: 10 };

const wanted = process.argv.slice(2);
const reports = await probeBackends({ workspaceRoot: process.cwd() });
const rows: string[] = [];
for (const r of reports) {
  if (!r.available || (wanted.length && !wanted.includes(r.name))) continue;
  const sel = await useBackend(r.name as BackendName);
  const mm256 = await measureMatmulPeak(256);
  const mm1024 = await measureMatmulPeak(1024, 3);
  const mlp = await timeTrainStep(mlpProblem(MLP), 5);
  const conv = tf.getKernel('Conv2DBackpropFilter', tf.getBackend()) ? await timeTrainStep(convProblem(CONV), 3) : NaN;
  const row = `| ${sel.name} | ${sel.device ?? ''} | ${mm256.toFixed(1)} | ${mm1024.toFixed(1)} | ${mlp.toFixed(1)} | ${Number.isNaN(conv) ? 'n/a (no Conv2DBackpropFilter)' : conv.toFixed(0)} |`;
  console.log(row);
  rows.push(row);
}
console.log(`\nMLP ${JSON.stringify(MLP)}; CNN ${JSON.stringify(CONV)}\n`);
console.log('| backend | device | matmul 256² GFLOP/s | matmul 1024² GFLOP/s | MLP step ms | CNN step ms |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
process.exit(0);
