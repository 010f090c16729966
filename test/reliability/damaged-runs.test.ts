/**
 * One bad run directory never breaks the workspace: runs whose report.json
 * is `{}`, `[]` or has an empty split, whose config.json is not JSON, or whose
 * metrics.jsonl has a broken line are each read on their own — listed as
 * damaged with the reason (or, for a bad metrics line, with that line
 * skipped) — while iit/runs, hovers and diagnostics keep working.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { RunSummary } from '../../server/protocol/results';
import { listRuns } from '../../server/runs/list';
import { readRunView } from '../../server/runs/view';
import { find, Harness, uriOf, waitFor } from '../integration/server-harness';

const CLEAN = 'test/fixtures/lsp/clean.ts';
const h = new Harness();
const damagedReports: Record<string, string> = {
  'report-empty-object': '{}',
  'report-array': '[]',
  'report-empty-split': JSON.stringify({ steps: 1, metrics: { train: {} } }),
  'report-not-json': '{"steps": 3, "metr',
};

before(async () => {
  await h.start();
  await h.conn.sendRequest('iit/train', { uri: uriOf(CLEAN), backend: 'cpu', runId: 'good' });
  const good = path.join(h.runsDir, 'good');
  for (const [name, text] of Object.entries(damagedReports)) {
    cpSync(good, path.join(h.runsDir, name), { recursive: true });
    writeFileSync(path.join(h.runsDir, name, 'report.json'), text);
  }
  cpSync(good, path.join(h.runsDir, 'config-not-json'), { recursive: true });
  writeFileSync(path.join(h.runsDir, 'config-not-json', 'config.json'), 'not json');
  cpSync(good, path.join(h.runsDir, 'metrics-bad-line'), { recursive: true });
  const metrics = path.join(h.runsDir, 'metrics-bad-line', 'metrics.jsonl');
  writeFileSync(metrics, readFileSync(metrics, 'utf8') + '{"step": 99}\n{"ste\n');
});

after(() => h.stop());

test('iit/runs lists every run: the good ones as before, the damaged ones with the file and the reason', async () => {
  const runs = (await h.conn.sendRequest('iit/runs', {})) as RunSummary[];
  const by = Object.fromEntries(runs.map((r) => [r.runId, r]));
  assert.equal(runs.length, 7);
  assert.equal(by.good!.status, 'finished');
  assert.equal(by['metrics-bad-line']!.status, 'finished');
  assert.equal(by['metrics-bad-line']!.bestIia, by.good!.bestIia);
  for (const name of Object.keys(damagedReports)) {
    assert.equal(by[name]!.status, 'damaged', name);
    assert.match(by[name]!.error!, /report\.json .* — delete the run, or restore the file/, name);
    assert.equal(by[name]!.resumable, undefined, name);
  }
  assert.equal(by['config-not-json']!.status, 'damaged');
  assert.match(by['config-not-json']!.error!, /config\.json is not a JSON object/);
  console.log(
    `${runs.length} runs listed, ${runs.filter((r) => r.status === 'damaged').length} damaged: ${runs
      .filter((r) => r.status === 'damaged')
      .map((r) => r.runId)
      .join(', ')}`,
  );
  // The results view reads each without throwing, and the same way.
  for (const r of listRuns(h.runsDir)) assert.equal(readRunView(r.runDir)!.status, r.status, r.runId);
  assert.deepEqual(
    readRunView(path.join(h.runsDir, 'metrics-bad-line'))!.history.map((x) => x.step),
    readRunView(path.join(h.runsDir, 'good'))!.history.map((x) => x.step),
  );
});

test('with damaged runs in the store, a file still gets its diagnostics and hovers (from the good run)', async () => {
  await h.open(CLEAN);
  const diags = await waitFor(
    () => h.diagnostics.get(uriOf(CLEAN))?.filter((d) => d.code === 'iia').length || undefined,
    'IIA diagnostics',
  );
  assert.ok(diags >= 1);
  const at = find(CLEAN, 'A:', find(CLEAN, 'alignment').line);
  let text: string | undefined;
  const t0 = Date.now();
  while (!/last IIA \(train\)/.test(text ?? '') && Date.now() - t0 < 60_000) {
    text = await h.hover(CLEAN, at.line, at.character);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(text ?? '', /last IIA \(train\): [\d.]+% over \d+ pairs/);
});
