/**
 * One run, one trainer: a resume of a run that another process is training is refused (it would write every
 * metrics line twice); once that process is gone (killed), its lock is stale and the resume goes ahead.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { root, waitFor } from '../integration/server-harness';
import { RUN_FILES } from '../../server/runs/layout';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-lock-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const cli = path.join(root, 'bin/iit-studio.js');
const out = path.join(tmp, 'run');
const metricsSteps = () =>
  readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { step: number }).step);

/** The pid in the run's lock file, or undefined between one holder and the next. */
function lockHolder(): string | undefined {
  try {
    return readFileSync(path.join(out, RUN_FILES.lock), 'utf8').trim();
  } catch {
    return undefined;
  }
}

test('a resume of a run that trains elsewhere is refused; after that process dies it proceeds', async () => {
  const args = ['train', path.join(root, 'test/fixtures/lsp/clean.ts'), '--steps', '1000000', '--backend', 'cpu'];
  const first = spawn(process.execPath, [cli, ...args, '--out', out, '--checkpoint-every', '20'], { stdio: 'ignore' });
  const firstExit = new Promise((r) => first.on('exit', r));
  await waitFor(() => existsSync(path.join(out, 'checkpoint.json')), 'a checkpoint of the first training', 120_000);

  const second = spawnSync(process.execPath, [cli, 'train', '--resume', out], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(second.status, 2, second.stderr);
  assert.match(second.stderr.trim(), new RegExp(`is being trained by process ${first.pid}`));
  assert.equal(second.stderr.trim().split('\n').length, 1, second.stderr);
  const steps = metricsSteps();
  assert.equal(new Set(steps).size, steps.length, 'no metrics line written twice');

  first.kill('SIGKILL');
  await firstExit;
  const third = spawn(process.execPath, [cli, 'train', '--resume', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  third.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const thirdExit = new Promise((r) => third.on('exit', r));
  try {
    // It took the stale lock: the lock file now names it.
    await waitFor(() => lockHolder() === String(third.pid), 'the resume to claim the run', 120_000).catch(
      (e: Error) => {
        throw new Error(`${e.message}; stderr: ${stderr}`);
      },
    );
  } finally {
    third.kill('SIGKILL');
    await thirdExit;
  }
});
