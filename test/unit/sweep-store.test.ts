/**
 * A sweep's parts that need no cluster: Slurm's array syntax, the job array's script, the cell lock (two tasks
 * never write one cell), the status read from the store alone, and the CodeLens's Run on Slurm.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { arraySpec, arrayScript, directiveProblem } from '../../server/cluster/slurm';
import { sweepStatus } from '../../server/cluster/status';
import { codeLenses } from '../../server/lsp/features';
import { SourceIndex } from '../../server/source/index';
import { claimCell, releaseCell, writeCellRecord, writeSweep, type TaskHolder } from '../../server/runs/sweep';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-sweep-store-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('arraySpec: task ids as ranges, sorted, without repeats', () => {
  assert.equal(arraySpec([0, 1, 2, 3]), '0-3');
  assert.equal(arraySpec([7, 0, 2, 3, 4, 4]), '0,2-4,7');
  assert.equal(arraySpec([5]), '5');
});

test('arrayScript: directives before the command, quoted where the shell needs it, unset resources left out', () => {
  const s = arrayScript(
    {
      name: 'iit-x',
      tasks: [1, 2, 5],
      output: '/s/sweep/logs/%A_%a.log',
      chdir: '/work',
      command: ['/usr/bin/node', "/opt/it's/iit-studio.js", 'sweep', 'task', '/s'],
      partition: 'gpu',
      gpus: '1',
    },
    ['a header'],
  );
  const lines = s.trimEnd().split('\n');
  assert.equal(lines[0], '#!/bin/bash');
  assert.equal(lines[1], '# a header');
  assert.ok(lines.includes('#SBATCH --array=1-2,5'));
  assert.ok(lines.includes('#SBATCH --requeue'));
  assert.ok(lines.includes('#SBATCH --partition=gpu'));
  assert.ok(lines.includes('#SBATCH --gpus=1'));
  assert.ok(!s.includes('--time') && !s.includes('--mem'));
  assert.equal(lines.at(-1), `exec /usr/bin/node '/opt/it'\\''s/iit-studio.js' sweep task /s "$SLURM_ARRAY_TASK_ID"`);
  // sbatch stops reading directives at the first command: every #SBATCH line comes before it.
  const lastDirective = lines.map((l) => l.startsWith('#SBATCH')).lastIndexOf(true);
  assert.ok(lastDirective > 0 && lastDirective < lines.length - 1);
  assert.equal(directiveProblem('/a b'), 'holds a space, a quote or a backslash');
  assert.equal(directiveProblem('/a/b'), undefined);
});

test('claimCell: one holder at a time; a dead or earlier holder is taken over; another host asks the queue', async () => {
  const store = path.join(tmp, 'locks');
  const me: TaskHolder = { host: os.hostname(), pid: process.pid, jobId: '7', task: 1 };
  const never = () => assert.fail('same-host holders are judged by their pid, not the queue');
  assert.equal(claimCell(store, 'A-seed0', me, never), undefined);
  // A second task on this host while the first lives: refused, with the holder.
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    const other: TaskHolder = { host: os.hostname(), pid: sleeper.pid!, jobId: '8', task: 0 };
    assert.deepEqual(claimCell(store, 'A-seed0', other, never), me);
    releaseCell(store, 'A-seed0', other); // not its lock: nothing happens
    assert.deepEqual(claimCell(store, 'A-seed0', other, never), me);
    releaseCell(store, 'A-seed0', me);
    assert.equal(claimCell(store, 'A-seed0', other, never), undefined);
  } finally {
    sleeper.kill('SIGKILL');
  }
  await new Promise((r) => sleeper.once('exit', r));
  // Its holder is gone (killed): the lock is stale and taken over.
  assert.equal(claimCell(store, 'A-seed0', me, never), undefined);
  releaseCell(store, 'A-seed0', me);

  // A holder on another host: the queue decides.
  const remote: TaskHolder = { host: 'node-17', pid: 4242, jobId: '9', task: 3 };
  assert.equal(claimCell(store, 'B-seed0', remote, never), undefined);
  let asked: TaskHolder | undefined;
  assert.deepEqual(
    claimCell(store, 'B-seed0', me, (h) => ((asked = h), true)),
    remote,
  );
  assert.deepEqual(asked, remote);
  assert.equal(
    claimCell(store, 'B-seed0', me, () => false),
    undefined,
    'a holder the queue no longer runs is stale',
  );
  // The same array task started again (requeued) takes over its own earlier lock, wherever that ran.
  const again: TaskHolder = { host: 'node-18', pid: 1, jobId: '7', task: 1 };
  assert.equal(claimCell(store, 'B-seed0', again, never), undefined);
});

test('sweepStatus from the store: finished, failed with its error, cancelled, stopped, not started', () => {
  const store = path.join(tmp, 'status');
  const cells = ['finished', 'failed', 'cancelled', 'stopped', 'unstarted', 'unsubmitted'].map((id, i) => ({
    id,
    config: id,
    seed: i,
  }));
  writeSweep(store, {
    version: 1,
    experiment: 'x',
    file: '/x.ts',
    cwd: tmp,
    cells,
    submissions: [{ jobId: '999999', cells: [0, 1, 2, 3, 4], time: '', script: '' }],
  });
  mkdirSync(path.join(store, 'finished'));
  writeFileSync(path.join(store, 'finished', 'report.json'), '{}');
  const holder = { host: 'h', pid: 1, time: '' };
  writeCellRecord(store, 'failed', { ...holder, state: 'failed', error: 'x.ts:3:1: bad — fix it' });
  writeCellRecord(store, 'cancelled', { ...holder, state: 'cancelled', step: 40, steps: 100 });
  writeCellRecord(store, 'stopped', { ...holder, state: 'running', step: 20, steps: 100 });
  // No Slurm here, or one that knows no job 999999: the store alone says.
  const s = sweepStatus(store)!;
  assert.deepEqual(
    s.cells.map((c) => [c.id, c.state]),
    [
      ['finished', 'finished'],
      ['failed', 'failed'],
      ['cancelled', 'cancelled'],
      ['stopped', 'stopped'],
      ['unstarted', 'not started'],
      ['unsubmitted', 'not submitted'],
    ],
  );
  assert.equal(s.cells[1]!.error, 'x.ts:3:1: bad — fix it');
  assert.equal(s.cells[2]!.step, 40);
  assert.equal(s.cells[3]!.job, '999999_3');
  assert.equal(sweepStatus(path.join(tmp, 'nothing')), undefined);
});

test('the CodeLens offers Run on Slurm only where Slurm is', () => {
  const index = new SourceIndex("import { experiment } from 'iit-studio';\nexport default experiment({ model: m });\n");
  const commands = (slurm: boolean) => codeLenses('file:///x.ts', index, slurm).map((l) => l.command!.command);
  assert.deepEqual(commands(false), ['iit.train', 'iit.evaluate', 'iit.debugIntervention']);
  assert.deepEqual(commands(true), ['iit.train', 'iit.evaluate', 'iit.runOnSlurm', 'iit.debugIntervention']);
});
