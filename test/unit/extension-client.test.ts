/**
 * The extension's pure parts: the server restart policy (restart a dead
 * server, give up when it keeps dying) and the argument a heatmap click sends
 * to `iit.debugIntervention`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { debugArgs, swapVariable } from '../../extension/debugArgs';
import { CRASH_WINDOW_MS, MAX_CRASHES, RestartPolicy } from '../../extension/restartPolicy';
import type { RunView } from '../../server/protocol/webview';

test('a dead server is restarted, and the user is told; after too many crashes in the window it is not', () => {
  const p = new RestartPolicy();
  const t0 = 1_000_000;
  for (let i = 0; i < MAX_CRASHES; i++) {
    const d = p.onCrash(t0 + i * 1000);
    assert.equal(d.restart, true);
    assert.match(d.message, /stopped unexpectedly; restarting it/);
  }
  const last = p.onCrash(t0 + MAX_CRASHES * 1000);
  assert.equal(last.restart, false);
  assert.match(last.message, /stopped 6 times in 3 minutes and will not be restarted.*IIT: Restart Server/);
  // Crashes older than the window no longer count.
  assert.equal(p.onCrash(t0 + MAX_CRASHES * 1000 + CRASH_WINDOW_MS).restart, true);
});

test('a manual restart starts the crash count afresh', () => {
  const p = new RestartPolicy(60_000, 1);
  assert.equal(p.onCrash(0).restart, true);
  assert.equal(p.onCrash(1).restart, false);
  p.reset();
  assert.equal(p.onCrash(2).restart, true);
});

const run: RunView = {
  id: '/ws/.iit/runs/figure1-default-0-x',
  runDir: '/ws/.iit/runs/figure1-default-0-x',
  experiment: 'figure1',
  file: '/ws/conjunction/figure1.ts',
  config: 'default',
  backend: 'cpu',
  seed: 0,
  status: 'finished',
  startedAt: '2026-11-25T06:00:00Z',
  history: [],
  losses: [],
};
const uri = (f: string) => pathToFileURL(f).href;

test('a grid cell debugs its (base, source) pair of the run’s experiment with the run’s weights', () => {
  assert.deepEqual(debugArgs(run, { runId: run.id, variable: 'V1', split: 'train', base: 1, source: 2 }, uri), {
    uri: 'file:///ws/conjunction/figure1.ts',
    config: 'default',
    runId: 'figure1-default-0-x',
    runDir: '/ws/.iit/runs/figure1-default-0-x',
    variable: 'V1',
    base: 1,
    source: 2,
    split: 'train',
  });
});

test('a typed swap cell sends { from, to }; a live run without a directory sends no run', () => {
  assert.deepEqual(swapVariable('A→B'), { from: 'A', to: 'B' });
  assert.equal(swapVariable('A'), 'A');
  const live: RunView = { ...run, id: 'live:1' };
  delete live.runDir;
  const a = debugArgs(live, { runId: 'live:1', variable: 'B→A', split: 'test', base: 0, source: 3 }, uri)!;
  assert.deepEqual(a.variable, { from: 'B', to: 'A' });
  assert.equal(a.runId, undefined);
  assert.equal(a.runDir, undefined);
  const noFile: RunView = { ...run };
  delete noFile.file;
  assert.equal(
    debugArgs(noFile, { runId: run.id, variable: 'V1', split: 'train', base: 0, source: 1 }, uri),
    undefined,
  );
});
