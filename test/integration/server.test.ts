/**
 * Drives `iit-studio serve --stdio` with a real JSON-RPC client (no VS Code):
 * diagnostics, hover, training with progress and iit/runFinished, bad input.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

const root = path.resolve(import.meta.dirname, '../..');
const uriOf = (rel: string) => pathToFileURL(path.join(root, rel)).href;
let conn: MessageConnection;
let server: ReturnType<typeof spawn>;
const diagnostics = new Map<string, { range: { start: { line: number } }; message: string; severity: number }[]>();
const progress: { token: unknown; value: Record<string, unknown> }[] = [];
const finished: Record<string, unknown>[] = [];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-server-'));

before(async () => {
  server = spawn(process.execPath, [path.join(root, 'bin/iit-studio.js'), 'serve', '--stdio'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  conn = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: never[] }) => {
    diagnostics.set(p.uri, p.diagnostics);
  });
  conn.onNotification('$/progress', (p: { token: unknown; value: Record<string, unknown> }) => {
    progress.push(p);
  });
  conn.onNotification('iit/runFinished', (p: Record<string, unknown>) => {
    finished.push(p);
  });
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(root).href,
    workspaceFolders: [{ uri: pathToFileURL(root).href, name: 'root' }],
    capabilities: {},
    initializationOptions: { trusted: true },
  });
  await conn.sendNotification('initialized', {});
});

after(() => {
  conn?.dispose();
  server?.kill();
  rmSync(tmp, { recursive: true, force: true });
  rmSync(path.join(root, '.iit/runs/server-test-run'), { recursive: true, force: true });
});

async function open(rel: string): Promise<void> {
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(rel), languageId: 'typescript', version: 1, text: readFileSync(path.join(root, rel), 'utf8') } });
}

async function waitFor<T>(f: () => T | undefined, what: string, ms = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const badCases: [string, number, RegExp][] = [
  ['test/fixtures/bad/overlap.ts', 9, /B and A overlap at site h1/],
  ['test/fixtures/bad/out-of-range.ts', 9, /range \[2, 9\) on axis 0 is outside site h1's extent 4/],
  ['test/fixtures/bad/unknown-variable.ts', 9, /C is not a variable of the causal model/],
  ['test/fixtures/bad/syntax.ts', 4, /Unexpected ","/],
];

for (const [rel, line, message] of badCases) {
  test(`diagnostic on the offending declaration: ${path.basename(rel)}`, async () => {
    await open(rel);
    const d = await waitFor(() => diagnostics.get(uriOf(rel))?.[0], `diagnostics for ${rel}`);
    assert.equal(d.range.start.line, line, JSON.stringify(d));
    assert.match(d.message, message);
    assert.equal(d.severity, 1);
  });
}

test('a clean experiment gets no error; hover on an alignment entry shows its neurons', async () => {
  await open('samples/conjunction/figure1.ts');
  await waitFor(() => diagnostics.get(uriOf('samples/conjunction/figure1.ts')), 'figure1 diagnostics');
  assert.deepEqual(diagnostics.get(uriOf('samples/conjunction/figure1.ts')), []);
  const text = readFileSync(path.join(root, 'samples/conjunction/figure1.ts'), 'utf8').split('\n');
  const line = text.findIndex((l) => /^\s*V1: \{ site/.test(l));
  const hover = (await conn.sendRequest('textDocument/hover', { textDocument: { uri: uriOf('samples/conjunction/figure1.ts') }, position: { line, character: text[line]!.indexOf('V1') + 1 } })) as { contents: { value: string } };
  assert.match(hover.contents.value, /neurons: site `h1` \[0:1\] — 1 neuron/);
  const lenses = (await conn.sendRequest('textDocument/codeLens', { textDocument: { uri: uriOf('samples/conjunction/figure1.ts') } })) as { command: { title: string } }[];
  assert.deepEqual(lenses.map((l) => l.command.title.replace(/^\$\(play\) /, '')), ['Train', 'Evaluate', 'Debug intervention']);
});

test('train: progress, iit/runFinished, a report equal to the CLI\'s; hover answers meanwhile and shows the IIA', async () => {
  const token = 'train-1';
  const pending = conn.sendRequest('iit/train', { uri: uriOf('samples/conjunction/train.ts'), seed: 5, runId: 'server-test-run', workDoneToken: token }) as Promise<{ runId: string; runDir: string; report: Record<string, unknown> }>;
  // Hover while the worker trains: the server stays responsive.
  const text = readFileSync(path.join(root, 'samples/conjunction/figure1.ts'), 'utf8').split('\n');
  const line = text.findIndex((l) => /^\s*V1: \{ site/.test(l));
  const t0 = performance.now();
  await conn.sendRequest('textDocument/hover', { textDocument: { uri: uriOf('samples/conjunction/figure1.ts') }, position: { line, character: text[line]!.indexOf('V1') + 1 } });
  console.log(`hover answered in ${(performance.now() - t0).toFixed(1)} ms while training`);
  const res = await pending;
  assert.equal(res.runId, 'server-test-run');
  const mine = progress.filter((p) => p.token === token).map((p) => p.value);
  assert.equal(mine[0]!.kind, 'begin');
  assert.equal(mine.at(-1)!.kind, 'end');
  assert.ok(mine.some((v) => typeof v.step === 'number' && v.losses), 'step reports with losses');
  assert.ok(mine.some((v) => v.metrics), 'evaluation reports with metrics');
  assert.ok(finished.some((f) => f.runId === 'server-test-run' && f.report));
  const cli = spawnSync(process.execPath, [path.join(root, 'bin/iit-studio.js'), 'train', 'samples/conjunction/train.ts', '--seed', '5', '--json', '--out', path.join(tmp, 'cli')], { cwd: root, encoding: 'utf8' });
  const { timing: _a, ...fromCli } = JSON.parse(cli.stdout);
  const { timing: _b, ...fromServer } = res.report;
  assert.deepEqual(fromServer, fromCli);
  // After the run: an information diagnostic and the hover carry each variable's IIA.
  const rel = 'samples/conjunction/train.ts';
  diagnostics.delete(uriOf(rel));
  await open(rel);
  const info = await waitFor(() => diagnostics.get(uriOf(rel))?.find((d) => /IIA V1/.test(d.message)), 'IIA diagnostic');
  assert.equal(info.severity, 3);
  const lines = readFileSync(path.join(root, rel), 'utf8').split('\n');
  const l1 = lines.findIndex((l) => /^\s*V1: \{ site/.test(l));
  assert.equal(info.range.start.line, l1);
  const h = (await conn.sendRequest('textDocument/hover', { textDocument: { uri: uriOf(rel) }, position: { line: l1, character: lines[l1]!.indexOf('V1') + 1 } })) as { contents: { value: string } };
  assert.match(h.contents.value, /last IIA \(train\): 100\.00% over 32 pairs \(all pairs\)/);
  const runs = (await conn.sendRequest('iit/runs', {})) as { runId: string; bestIia: number }[];
  assert.equal(runs.find((r) => r.runId === 'server-test-run')?.bestIia, 1);
});

test('bad input on the wire gets JSON-RPC errors and the server keeps answering', async () => {
  await assert.rejects(conn.sendRequest('iit/doesNotExist', {}), (e: { code: number }) => e.code === -32601);
  await assert.rejects(conn.sendRequest('iit/experimentInfo', { uri: 5 }), /uri must be a file: URI/);
  await assert.rejects(conn.sendRequest('iit/experimentInfo', { uri: 'file:///etc/passwd' }), /outside the workspace/);
  await assert.rejects(conn.sendRequest('iit/cancel', { runId: 'no-such-run' }), /no running run/);
  await assert.rejects(conn.sendRequest('iit/evaluate', { uri: uriOf('samples/conjunction/figure1.ts'), runId: 'no-such-run' }), /no run/);
  await assert.rejects(conn.sendRequest('iit/train', { uri: uriOf('samples/conjunction/figure1.ts'), seed: 'x' }), /seed must be an integer/);
  const info = (await conn.sendRequest('iit/experimentInfo', { uri: uriOf('samples/conjunction/figure1.ts') })) as { alignment: { variable: string }[]; inputSpaceSize: number };
  assert.equal(info.inputSpaceSize, 4);
  assert.deepEqual(info.alignment.map((a) => a.variable), ['V1', 'V2']);
});
