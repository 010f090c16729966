// Runs Node's test runner over the TypeScript test files (Node 20 has no --test globs).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dirs = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['test/unit', 'test/integration', 'test/reliability', 'test/e2e'];

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

const files = dirs.flatMap((d) => (d.endsWith('.ts') ? [d] : collect(d)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--import', './scripts/register-ts.mjs', '--test', '--test-concurrency=1', ...files],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
