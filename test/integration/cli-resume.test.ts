/**
 * One training pipeline: a CLI run stopped by Ctrl-C (SIGINT) or killed
 * (SIGKILL) continues with `iit-studio train --resume DIR` from its last
 * checkpoint and ends with the report of an uninterrupted run of the same
 * seed, timing aside.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');
const cliPath = path.join(root, 'bin/iit-studio.js');
const FILE = 'test/fixtures/lsp/long.ts';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-cli-resume-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Report {
  steps: number;
  metrics: unknown;
  before?: unknown;
  timing?: unknown;
}

const withoutTiming = ({ timing: _timing, ...r }: Report) => r;

function train(...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, 'train', ...args, '--json'], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a run and, once its first checkpoint is on disk, sends `signal`; resolves with how it ended. */
function interrupted(out: string, signal: NodeJS.Signals) {
  const child = spawn(process.execPath, [cliPath, 'train', FILE, '--out', out, '--checkpoint-every', '200', '--json'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const checkpoint = path.join(out, 'checkpoint.json');
  const started = Date.now();
  const poll = setInterval(() => {
    if (existsSync(checkpoint)) {
      clearInterval(poll);
      child.kill(signal);
    } else if (Date.now() - started > 120_000) {
      clearInterval(poll);
      child.kill('SIGKILL');
    }
  }, 20);
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, sig) => {
      clearInterval(poll);
      resolve({ code, signal: sig, stderr });
    }),
  );
}

let reference: Report;

before(() => {
  const r = train(FILE, '--out', path.join(tmp, 'reference'));
  assert.equal(r.code, 0, r.stderr);
  reference = JSON.parse(r.stdout) as Report;
  assert.equal(reference.steps, 3000);
});

test('train stopped by Ctrl-C (SIGINT) resumes with --resume to the uninterrupted report', async () => {
  const out = path.join(tmp, 'sigint');
  const stop = await interrupted(out, 'SIGINT');
  assert.equal(stop.code, 130, stop.stderr);
  const m = /stopped at step (\d+); continue with: iit-studio train --resume (\S+)/.exec(stop.stderr);
  assert.ok(m, stop.stderr);
  const step = Number(m[1]);
  assert.ok(step >= 200 && step < 3000, `stopped at ${step}`);
  const cp = JSON.parse(readFileSync(path.join(out, 'checkpoint.json'), 'utf8')) as { step: number };
  assert.equal(cp.step, step, 'Ctrl-C writes a checkpoint at the step it stopped after');
  assert.equal(JSON.parse(readFileSync(path.join(out, 'status.json'), 'utf8')).status, 'cancelled');

  const r = train('--resume', out);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(withoutTiming(JSON.parse(r.stdout) as Report), withoutTiming(reference));
});

test('train killed by SIGKILL resumes from its last checkpoint to the uninterrupted report', async () => {
  const out = path.join(tmp, 'sigkill');
  const stop = await interrupted(out, 'SIGKILL');
  assert.equal(stop.signal, 'SIGKILL');
  assert.ok(!existsSync(path.join(out, 'report.json')));
  const cp = JSON.parse(readFileSync(path.join(out, 'checkpoint.json'), 'utf8')) as { step: number };
  assert.ok(cp.step >= 200 && cp.step < 3000 && cp.step % 200 === 0, `checkpoint at ${cp.step}`);

  // The file may be given too; it must be the run's.
  const r = train(FILE, '--resume', out);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(withoutTiming(JSON.parse(r.stdout) as Report), withoutTiming(reference));
  const metrics = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.deepEqual(
    metrics.map((l) => (JSON.parse(l) as { step: number }).step),
    [500, 1000, 1500, 2000, 2500, 3000],
    'evaluations after the checkpoint are measured once, not twice',
  );
});

test('train --resume of a finished run, or of a folder that is no run, is bad input naming the fix', () => {
  const done = train('--resume', path.join(tmp, 'reference'));
  assert.equal(done.code, 2);
  assert.match(done.stderr, /has already finished.*start a new run/);
  const none = train('--resume', tmp);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /is not a run directory/);
});
