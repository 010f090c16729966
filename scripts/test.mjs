// Runs Node's test runner over the TypeScript test files (Node 20 has no --test globs).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Tiers: `fast` (unit tests that train nothing real-sized), `slow` (ResNet-18 steps, PVR heatmaps, tables and the
// other integration tests), `reliability`, `e2e`. No argument: every tier. `--load N` runs N busy processes
// beside the tests (each ends with them, or after two hours at the latest) to show the suites pass on a busy machine.
const SLOW_UNIT = [
  'test/unit/pvr-model.test.ts',
  'test/unit/webview-samples.test.ts',
  'test/unit/wasm-threads.test.ts',
];
const argv = process.argv.slice(2);
const tiers = [];
const paths = [];
let load = 0;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--tier') tiers.push(argv[++i]);
  else if (argv[i] === '--load') load = Number(argv[++i]);
  else paths.push(argv[i]);
}
if (!Number.isInteger(load) || load < 0) {
  console.error('--load takes a whole number of busy processes');
  process.exit(2);
}
const TIERS = {
  fast: () => collect('test/unit').filter((f) => !SLOW_UNIT.includes(f)),
  slow: () => [...SLOW_UNIT, ...collect('test/integration')],
  reliability: () => collect('test/reliability'),
  e2e: () => collect('test/e2e'),
};
for (const t of tiers)
  if (!TIERS[t]) {
    console.error(`unknown tier ${t}; the tiers are ${Object.keys(TIERS).join(', ')}`);
    process.exit(2);
  }
const dirs = paths.length || tiers.length ? paths : ['test/unit', 'test/integration', 'test/reliability', 'test/e2e'];

function collect(dir) {
  const abs = path.join(root, dir);
  let out = [];
  let entries = [];
  try {
    entries = readdirSync(abs);
  } catch {
    return out;
  }
  for (const e of entries.sort()) {
    const p = path.join(dir, e);
    if (statSync(path.join(root, p)).isDirectory()) {
      if (e !== 'harness' && e !== 'fixtures') out = out.concat(collect(p));
    } else if (e.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = [...tiers.flatMap((t) => TIERS[t]()), ...dirs.flatMap((d) => (d.endsWith('.ts') ? [d] : collect(d)))];
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const burners = Array.from({ length: load }, () =>
  spawn(process.execPath, ['-e', 'const end = Date.now() + 2 * 3600e3; while (Date.now() < end);'], {
    stdio: 'ignore',
  }),
);
if (load) console.log(`# ${load} busy processes run beside the tests`);
const t0 = Date.now();
const r = spawnSync(
  process.execPath,
  ['--import', './scripts/register-ts.mjs', '--test', '--test-concurrency=1', ...files],
  { cwd: root, stdio: 'inherit' },
);
for (const b of burners) b.kill('SIGKILL');
if (load) console.log(`# wall time with ${load} busy processes: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
process.exit(r.status ?? 1);
