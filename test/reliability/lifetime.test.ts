/**
 * The server does not outlive its client: with `processId: null` (nothing to
 * watch) and a training under way, closing the server's stdin ends the server
 * and its worker within seconds.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { Harness, uriOf, waitFor } from '../integration/server-harness';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('closing stdin ends the server and its training worker (processId: null)', async () => {
  const h = new Harness();
  h.processId = null;
  await h.start();
  const pending = h.conn
    .sendRequest('iit/train', { uri: uriOf('test/fixtures/lsp/long.ts'), backend: 'cpu', workDoneToken: 'w' })
    .catch(() => undefined);
  const worker = await waitFor(
    () => h.progressOf('w').find((v) => typeof v.workerPid === 'number')?.workerPid as number | undefined,
    'the worker started',
  );
  const server = h.server.pid!;
  assert.ok(alive(server) && alive(worker));
  h.server.stdin!.end();
  const t0 = Date.now();
  await waitFor(() => (!alive(server) && !alive(worker)) || undefined, 'server and worker gone', 10_000);
  console.log(`server and worker ended ${Date.now() - t0} ms after stdin closed`);
  // The request can never be answered now; disposing the connection rejects it.
  h.conn.dispose();
  await pending;
  rmSync(h.runsDir, { recursive: true, force: true });
});
