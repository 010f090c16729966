/**
 * Trust and the workspace's edge, probed as an attacker would: an edit whose
 * top level writes a marker file races a revocation of trust (100 seeded
 * races); the same text in a document outside the workspace folders; a second
 * `initialize`; requests before the first. No marker may appear — and, as a
 * control, the same text does write its marker where it may run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { Rng } from '../../server/engine/rng';
import { Harness, root, waitFor } from '../integration/server-harness';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-trust-'));
const outside = mkdtempSync(path.join(os.tmpdir(), 'iit-outside-'));
after(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

/** An experiment whose top level writes `marker` (so any load of it shows). */
const probe = (marker: string) => `import { writeFileSync } from 'node:fs';
import { bool, causalModel, experiment, figure1Network } from 'iit-studio';
writeFileSync(${JSON.stringify(marker)}, 'ran');
const model = causalModel({
  X1: { values: bool },
  X2: { values: bool },
  V1: { values: bool, parents: ['X1'], f: ({ X1 }) => X1 },
  V2: { values: bool, parents: ['X2'], f: ({ X2 }) => X2 },
  Y: { values: bool, parents: ['V1', 'V2'], f: ({ V1, V2 }) => V1 && V2 },
});
export default experiment({
  name: 'probe',
  model,
  network: () => figure1Network(),
  encode: ({ X1, X2 }) => [Number(X1), Number(X2)],
  alignment: { V1: { site: 'h1', slice: [[0, 1]] }, V2: { site: 'h2', slice: [[0, 1]] } },
});
`;

const markers = () => readdirSync(tmp).filter((f) => f.startsWith('marker-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// A document inside the workspace (the repository) that exists only in the editor.
const insideUri = pathToFileURL(path.join(root, 'test/reliability/.trust-probe.ts')).href;

test('an edit raced by a revocation of trust never runs: 100 seeded races, 0 markers (control: trusted, it runs)', async () => {
  const h = new Harness();
  await h.start({ trusted: true });
  try {
    const control = path.join(tmp, 'marker-control');
    await h.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri: insideUri, languageId: 'typescript', version: 1, text: probe(control) },
    });
    await waitFor(() => existsSync(control), 'the control marker (a trusted check runs the file)', 60_000);
    rmSync(control);

    const rng = new Rng(11);
    const races = 100;
    for (let i = 0; i < races; i++) {
      await h.conn.sendNotification('iit/setTrusted', { trusted: true });
      await h.conn.sendNotification('textDocument/didChange', {
        textDocument: { uri: insideUri, version: i + 2 },
        contentChanges: [{ text: probe(path.join(tmp, `marker-${i}`)) }],
      });
      // Revoked before the check's 300 ms pause ends: 0–250 ms later.
      await sleep(Math.floor(rng.next() * 250));
      await h.conn.sendNotification('iit/setTrusted', { trusted: false });
    }
    // Long enough for any check that slipped through to start a worker and load the file.
    await sleep(3000);
    console.log(`${races} races of an edit against revocation: ${markers().length} markers written`);
    assert.deepEqual(markers(), []);
    assert.equal((await h.conn.sendRequest('iit/runs', {})) instanceof Array, true, 'the server still answers');
  } finally {
    h.stop();
    rmSync(h.runsDir, { recursive: true, force: true });
  }
});

test('a document outside the workspace folders is never evaluated, even in a trusted workspace', async () => {
  const h = new Harness();
  await h.start({ trusted: true });
  try {
    const file = path.join(outside, 'x.ts');
    const marker = path.join(tmp, 'marker-outside');
    const uri = pathToFileURL(file).href;
    await h.conn.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId: 'typescript', version: 1, text: probe(marker) },
    });
    await sleep(3000);
    assert.ok(!existsSync(marker), 'the outside document ran');
    assert.deepEqual(readdirSync(outside), [], 'nothing was written beside it');
    assert.deepEqual(h.diagnostics.get(uri) ?? [], []);
    await assert.rejects(h.conn.sendRequest('iit/train', { uri }), /outside the workspace/);
  } finally {
    h.stop();
    rmSync(h.runsDir, { recursive: true, force: true });
  }
});

test('initialize is accepted once, and requests before it are refused', async () => {
  const server = spawn(process.execPath, [path.join(root, 'bin/iit-studio.js'), 'serve', '--stdio'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const conn = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  conn.listen();
  try {
    await assert.rejects(conn.sendRequest('iit/runs', {}), (e: { code?: number }) => e.code === -32002);
    const folder = { uri: pathToFileURL(root).href, name: 'root' };
    await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: folder.uri,
      workspaceFolders: [folder],
      capabilities: {},
      initializationOptions: { trusted: false },
    });
    await assert.rejects(
      conn.sendRequest('initialize', {
        processId: process.pid,
        rootUri: null,
        workspaceFolders: [],
        capabilities: {},
        initializationOptions: { trusted: true },
      }),
      /already initialized/,
    );
    // Still untrusted, still rooted at the repository: the second initialize changed nothing.
    await assert.rejects(
      conn.sendRequest('iit/train', { uri: pathToFileURL(path.join(root, 'samples/conjunction/figure1.ts')).href }),
      /not trusted/,
    );
    await assert.rejects(
      conn.sendRequest('iit/train', { uri: pathToFileURL(path.join(outside, 'x.ts')).href }),
      /outside the workspace/,
    );
  } finally {
    conn.dispose();
    server.kill();
  }
});
