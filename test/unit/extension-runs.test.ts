/**
 * The Runs view's rows (extension/runRow.ts) for run directories written by
 * the real server: a finished run (its best IIA as iit/runs reports it), a
 * cancelled run (the step it stopped at), a failed one, and the cancelled run
 * once resumed to its end.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runDescription, runLabel } from '../../extension/runRow';
import { readRunView } from '../../server/runs/view';
import { Harness, uriOf, waitFor } from '../integration/server-harness';

const LONG = 'test/fixtures/ext/xor.ts';
const CLEAN = 'test/fixtures/lsp/clean.ts';
const NAN = 'test/fixtures/bad/nan-loss.ts';
const h = new Harness();
interface Summary {
  runId: string;
  runDir: string;
  status: string;
  step?: number;
  bestIia?: number;
}
const runs = async () => (await h.conn.sendRequest('iit/runs', {})) as Summary[];
const row = (runId: string) => readRunView(path.join(h.runsDir, runId))!;

before(async () => {
  await h.start({ checkpointEvery: 20 });
});

after(() => {
  h.stop();
  rmSync(h.runsDir, { recursive: true, force: true });
});

test('finished, cancelled and failed runs read in the Runs view as iit/runs reports them', async () => {
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

  const done = row('done');
  assert.equal(runLabel(done), 'default · seed 0');
  assert.match(runDescription(done, 'en-US'), /^finished · cpu · IIA \d+\.\d% · \d+\/\d+\/\d{4}/);
  // The row's best IIA is the server's.
  const best = server.find((r) => r.runId === 'done')!.bestIia!;
  assert.ok(runDescription(done).includes(` · IIA ${(best * 100).toFixed(1)}% · `), runDescription(done));

  const stopped = row('stopped');
  assert.equal(stopped.step, server.find((r) => r.runId === 'stopped')!.step);
  assert.ok(stopped.step! >= 30);
  assert.match(runDescription(stopped), new RegExp(`^cancelled step ${stopped.step} · cpu`));

  // The loss diverged at run time: the server wrote the failure into the run directory.
  assert.match(runDescription(row('broken')), /^failed/);
});

test('a cancelled run resumed to its end reads finished, without a step', async () => {
  const dir = path.join(h.runsDir, 'stopped');
  await h.conn.sendRequest('iit/train', { uri: uriOf(LONG), resumeFrom: dir, workDoneToken: 'r' });
  assert.match(runDescription(row('stopped')), /^finished · cpu · IIA \d+\.\d%/);
});
