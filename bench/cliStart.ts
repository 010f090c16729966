/**
 * The CLI's start as a user meets it: `npx iit-studio inspect FILE` against
 * `node …/bin/iit-studio.js inspect FILE`, alternated, the median of several
 * runs each, and their ratio (npm's own start-up is the difference), in two
 * places:
 *
 * - `workspace`: a user's folder with iit-studio installed as a dependency
 *   (here linked to this checkout, with its bin in node_modules/.bin, as npm
 *   links it). npx finds the bin there and runs it.
 * - `repository`: this checkout itself. The root package owns the
 *   `iit-studio` bin, so `npm exec` installs the checkout into its npx cache
 *   and loads both package trees before it runs the bin; see
 *   docs/PERFORMANCE.md for why that costs more once the checkout changes.
 *
 *   node --import ./scripts/register-ts.mjs bench/cliStart.ts [--runs N] [--json]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const i = argv.indexOf('--runs');
const runs = i >= 0 ? Number(argv[i + 1]) : 7;
const json = argv.includes('--json');
const FILE = 'samples/conjunction/figure1.ts';

/** Milliseconds one command takes, start to exit; throws when it fails. */
function timeOnce(cwd: string, cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd} (${r.status}): ${r.stderr}`);
  return performance.now() - t0;
}

/** A user's folder: the sample, and iit-studio installed as a dependency (a link to this checkout). */
function userWorkspace(): string {
  const ws = mkdtempSync(path.join(os.tmpdir(), 'iit-bench-npx-'));
  cpSync(path.join(root, 'samples', 'conjunction'), path.join(ws, 'samples', 'conjunction'), { recursive: true });
  mkdirSync(path.join(ws, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(root, path.join(ws, 'node_modules', 'iit-studio'));
  symlinkSync('../iit-studio/bin/iit-studio.js', path.join(ws, 'node_modules', '.bin', 'iit-studio'));
  writeFileSync(
    path.join(ws, 'package.json'),
    JSON.stringify({ name: 'bench-workspace', private: true, devDependencies: { 'iit-studio': `file:${root}` } }),
  );
  return ws;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** node and npx in `cwd`, alternated after one unmeasured run of each (the file cache), so busy moments hit both. */
function measure(cwd: string, bin: string): { nodeMs: number; npxMs: number; ratio: number } {
  const node: number[] = [];
  const npx: number[] = [];
  const viaNode = () => timeOnce(cwd, process.execPath, [bin, 'inspect', FILE]);
  const viaNpx = () => timeOnce(cwd, 'npx', ['iit-studio', 'inspect', FILE]);
  viaNode();
  viaNpx();
  for (let k = 0; k < runs; k++) {
    node.push(viaNode());
    npx.push(viaNpx());
  }
  return { nodeMs: median(node), npxMs: median(npx), ratio: median(npx) / median(node) };
}

const ws = userWorkspace();
try {
  const result = {
    runs,
    workspace: measure(ws, path.join('node_modules', 'iit-studio', 'bin', 'iit-studio.js')),
    repository: measure(root, 'bin/iit-studio.js'),
  };
  if (json) console.log(JSON.stringify(result));
  else
    for (const where of ['workspace', 'repository'] as const) {
      const r = result[where];
      console.log(
        `${where}: inspect ${FILE}: node ${r.nodeMs.toFixed(0)} ms, npx iit-studio ${r.npxMs.toFixed(0)} ms` +
          ` (median of ${runs}); ratio ${r.ratio.toFixed(2)}`,
      );
    }
} finally {
  rmSync(ws, { recursive: true, force: true });
}
