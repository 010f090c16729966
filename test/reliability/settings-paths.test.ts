/**
 * A workspace's settings cannot point the server's writes elsewhere: a runs directory outside the workspace folder
 * is refused with a warning naming the setting and the fix, and runs go to the default folder inside it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Harness, root, uriOf, waitFor } from '../integration/server-harness';

const h = new Harness();
const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'iit-elsewhere-'));
const outside = path.join(elsewhere, 'runs');
const runId = `settings-paths-${process.pid}`;
const inside = path.join(root, '.iit', 'runs', runId);

after(() => {
  h.stop();
  rmSync(elsewhere, { recursive: true, force: true });
  rmSync(inside, { recursive: true, force: true });
  rmSync(h.runsDir, { recursive: true, force: true });
});

test('a runsDirectory outside the workspace is refused: a warning with the fix, runs stay inside', async () => {
  await h.start({ runsDirectory: outside });
  const warning = await waitFor(
    () => h.messages.find((m) => m.includes('iitStudio.runsDirectory')),
    'the warning about iitStudio.runsDirectory',
  );
  assert.match(warning, /lies outside the workspace folder/);
  assert.match(warning, /give a folder inside it, such as \.iit[/\\]runs/);
  const r = (await h.conn.sendRequest('iit/train', {
    uri: uriOf('test/fixtures/lsp/clean.ts'),
    backend: 'cpu',
    runId,
  })) as { runDir: string };
  assert.equal(r.runDir, inside, 'the run went to the default runs directory inside the workspace');
  assert.ok(existsSync(path.join(inside, 'report.json')), 'the run finished there');
  assert.deepEqual(readdirSync(elsewhere), [], 'nothing was written outside the workspace');
});
