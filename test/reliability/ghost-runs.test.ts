/**
 * No ghost runs: a run whose directory is removed while it trains (`rm -rf` from a shell) stops with one line
 * naming the directory, and nothing of it is left on disk.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { root, waitFor } from '../integration/server-harness';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-ghost-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('rm -rf of a training run stops it with one line and leaves no directory behind', async () => {
  const out = path.join(tmp, 'run');
  const cli = spawn(
    process.execPath,
    [
      path.join(root, 'bin/iit-studio.js'),
      'train',
      path.join(root, 'test/fixtures/lsp/clean.ts'),
      '--steps',
      '1000000',
      '--backend',
      'cpu',
      '--out',
      out,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => cli.on('exit', (code) => resolve(code)));
  await waitFor(() => existsSync(path.join(out, 'metrics.jsonl')), 'the run to train', 120_000);
  // As a shell's rm -rf does: remove what is there; writes in flight may refill it, so the first try can fail.
  try {
    rmSync(out, { recursive: true, force: true });
  } catch {
    // ENOTEMPTY: a line landed meanwhile; the run notices and removes the rest itself
  }
  const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000).unref())]);
  if (code === 'hung') cli.kill('SIGKILL');
  assert.equal(code, 2, `exit 2 (stderr: ${stderr})`);
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${stderr}`);
  assert.match(lines[0]!, new RegExp(`run directory ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was removed`));
  assert.doesNotMatch(stderr, /ENOENT|at .*\.js:\d+|internal error/);
  assert.equal(existsSync(out), false, 'no ghost directory');
});
