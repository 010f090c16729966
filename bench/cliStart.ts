/**
 * The CLI's start as a user meets it: `npx iit-studio inspect FILE` against
 * `node bin/iit-studio.js inspect FILE`, alternated, the median of several
 * runs each, and their ratio (npm's own start-up is the difference).
 *
 *   node --import ./scripts/register-ts.mjs bench/cliStart.ts [--runs N] [--json]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const i = argv.indexOf('--runs');
const runs = i >= 0 ? Number(argv[i + 1]) : 7;
const json = argv.includes('--json');
const FILE = 'samples/conjunction/figure1.ts';

/** Milliseconds one command takes, start to exit; throws when it fails. */
function timeOnce(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const node: number[] = [];
const npx: number[] = [];
// One unmeasured run of each warms the file cache; then they alternate, so a busy moment hits both alike.
timeOnce(process.execPath, ['bin/iit-studio.js', 'inspect', FILE]);
timeOnce('npx', ['iit-studio', 'inspect', FILE]);
for (let k = 0; k < runs; k++) {
  node.push(timeOnce(process.execPath, ['bin/iit-studio.js', 'inspect', FILE]));
  npx.push(timeOnce('npx', ['iit-studio', 'inspect', FILE]));
}
const result = { runs, nodeMs: median(node), npxMs: median(npx), ratio: median(npx) / median(node) };
if (json) console.log(JSON.stringify(result));
else
  console.log(
    `inspect ${FILE}: node bin/iit-studio.js ${result.nodeMs.toFixed(0)} ms, npx iit-studio ${result.npxMs.toFixed(0)} ms` +
      ` (median of ${runs}); ratio ${result.ratio.toFixed(2)}`,
  );
