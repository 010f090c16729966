/**
 * A training that hangs (an equation that never returns) is stopped by
 * iit/cancel within 5 s — its worker killed when it does not answer — and
 * frees its slot: with one slot, a clean training queued behind it runs.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { Harness, uriOf, waitFor } from '../integration/server-harness';

const h = new Harness();
after(() => {
  h.stop();
  rmSync(h.runsDir, { recursive: true, force: true });
});

test('cancel stops a hung training within 5 s and frees its slot for the next', async () => {
  await h.start({ maxConcurrentRuns: 1 });
  const hung = h.conn.sendRequest('iit/train', {
    uri: uriOf('test/fixtures/lsp/infinite-loop.ts'),
    backend: 'cpu',
    runId: 'hung',
    workDoneToken: 'h',
  });
  const hungEnd = hung.then(
    () => 'finished',
    (e: Error) => e.message,
  );
  // It got the slot (its worker loads the file, and never gets past the looping equation).
  await waitFor(() => h.progressOf('h').find((v) => v.kind === 'begin' && v.queued === false), 'the hung run starts');
  const clean = h.conn.sendRequest('iit/train', {
    uri: uriOf('test/fixtures/lsp/clean.ts'),
    backend: 'cpu',
    runId: 'next',
    workDoneToken: 'n',
  });
  await waitFor(() => h.progressOf('n').find((v) => v.kind === 'begin'), 'the clean run is queued');
  assert.equal(h.progressOf('n')[0]!.queued, true);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(h.progressOf('h').filter((v) => v.step !== undefined).length, 0, 'the hung run never reached a step');
  const t0 = Date.now();
  assert.deepEqual(await h.conn.sendRequest('iit/cancel', { runId: 'hung' }), { cancelled: true });
  const message = await hungEnd;
  const ms = Date.now() - t0;
  console.log(`hung run ended ${ms} ms after cancel: ${message}`);
  assert.match(message, /cancelled/);
  assert.ok(ms < 5000, `${ms} ms`);
  const r = (await clean) as { report: { steps: number } };
  assert.equal(r.report.steps, 60);
  // It never started (stuck before its config.json): no ghost directory is left, and its id is free again.
  const runs = (await h.conn.sendRequest('iit/runs', {})) as { runId: string; status: string }[];
  assert.deepEqual(
    runs.map((x) => x.runId),
    ['next'],
  );
  assert.ok(!existsSync(path.join(h.runsDir, 'hung')));
});
