/**
 * The Runs view reads run directories (server/runs readRunView, and its rows
 * in extension/runRow.ts) as the server's iit/runs reports them: a finished
 * run (its best IIA the server's), a cancelled run (resumable from its
 * checkpoint, the step it stopped at) and a failed one, all written by the
 * real server; and the resumed run's directory reads as finished with its
 * curves continued.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runDescription, runLabel } from '../../extension/runRow';
import { bestIia, readRunView } from '../../server/runs/view';
import { Harness, uriOf, waitFor } from './server-harness';

const LONG = 'test/fixtures/ext/xor.ts';
const CLEAN = 'test/fixtures/lsp/clean.ts';
const NAN = 'test/fixtures/bad/nan-loss.ts';
const h = new Harness();
interface Summary {
  runId: string;
  runDir: string;
  status: string;
  step?: number;
  resumable?: boolean;
  bestIia?: number;
  backend: string;
  config: string;
  seed: number;
}
const runs = async () => (await h.conn.sendRequest('iit/runs', {})) as Summary[];

before(async () => {
  await h.start({ checkpointEvery: 20 });
});

after(() => {
  h.stop();
  rmSync(h.runsDir, { recursive: true, force: true });
});

test('finished, cancelled and failed runs read as iit/runs reports them', async () => {
  await h.conn.sendRequest('iit/train', { uri: uriOf(CLEAN), backend: 'cpu', runId: 'done' });
  const pending = h.conn.sendRequest('iit/train', {
    uri: uriOf(LONG),
    backend: 'cpu',
    runId: 'stopped',
    workDoneToken: 't',
  });
  await waitFor(() => h.progressOf('t').some((v) => (v.step as number) >= 30), 'step 30');
  await h.conn.sendRequest('iit/cancel', { runId: 'stopped' });
  await assert.rejects(pending, /cancelled at step/);
  await assert.rejects(h.conn.sendRequest('iit/train', { uri: uriOf(NAN), backend: 'cpu', runId: 'broken' }));

  const server = await runs();
  assert.deepEqual(server.map((r) => r.runId).sort(), ['broken', 'done', 'stopped']);
  for (const s of server) {
    const v = readRunView(s.runDir)!;
    assert.equal(v.status, s.status, `${s.runId} status`);
    assert.equal(v.step, s.step, `${s.runId} step`);
    assert.equal(v.backend, s.backend);
    assert.equal(v.config, s.config);
    assert.equal(v.seed, s.seed);
    if (s.status !== 'finished') assert.equal(v.resumable, s.resumable === true && v.resumable);
  }
  const done = readRunView(path.join(h.runsDir, 'done'))!;
  assert.equal(done.status, 'finished');
  assert.equal(done.report!.steps, 60);
  assert.equal(bestIia(done), server.find((r) => r.runId === 'done')!.bestIia);
  assert.equal(runLabel(done), 'default · seed 0');
  assert.match(runDescription(done, 'en-US'), /^finished · cpu · IIA \d+\.\d% · \d+\/\d+\/\d{4}/);
  // The row's best IIA is the server's.
  const best = server.find((r) => r.runId === 'done')!.bestIia!;
  assert.ok(runDescription(done).includes(` · IIA ${(best * 100).toFixed(1)}% · `), runDescription(done));

  const stopped = readRunView(path.join(h.runsDir, 'stopped'))!;
  assert.equal(stopped.status, 'cancelled');
  assert.equal(stopped.resumable, true);
  assert.ok(stopped.step! >= 30);
  assert.match(runDescription(stopped), new RegExp(`^cancelled step ${stopped.step} · cpu`));

  // The loss diverged at run time: the server wrote the failure into status.json.
  const broken = readRunView(path.join(h.runsDir, 'broken'))!;
  assert.equal(broken.status, 'failed');
  assert.ok(broken.error && broken.error.length > 0);
  assert.match(runDescription(broken), /^failed/);
});

test('a cancelled run resumed with resumeFrom finishes in the same directory, its evaluations continued', async () => {
  const dir = path.join(h.runsDir, 'stopped');
  const before = readRunView(dir)!;
  const r = (await h.conn.sendRequest('iit/train', { uri: uriOf(LONG), resumeFrom: dir, workDoneToken: 'r' })) as {
    runDir: string;
    report: { steps: number };
  };
  assert.equal(r.runDir, dir);
  assert.equal(
    h.progressOf('r')[1]?.resumedFrom ?? h.progressOf('r').find((v) => v.resumedFrom !== undefined)?.resumedFrom,
    before.step,
  );
  const after = readRunView(dir)!;
  assert.equal(after.status, 'finished');
  assert.equal(after.resumable, undefined);
  assert.equal(after.step, r.report.steps);
  assert.equal(after.history.at(-1)!.step, r.report.steps);
  assert.match(runDescription(after), /^finished · cpu · IIA \d+\.\d%/);
  assert.deepEqual((await runs()).find((s) => s.runId === 'stopped')!.status, 'finished');
});
