/**
 * No input deafens the server: frames with a wrong Content-Length (too small,
 * too large, missing), batches and object ids are answered and the framing
 * finds its footing at the next header; then 1,000 seeded malformed frames,
 * after which the server answers a hover and iit/runs correctly, its memory
 * stays within 2× of the start, and nothing but framed JSON reaches stdout.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { Rng } from '../../server/engine/rng';
import { root } from '../integration/server-harness';

let server: ChildProcess;
let out = Buffer.alloc(0);
/** Every message the server wrote, parsed from its framing; `junk` counts bytes that were not a frame. */
const messages: Record<string, unknown>[] = [];
let junk = 0;

function parseOut(): void {
  for (;;) {
    const h = out.indexOf('\r\n\r\n');
    if (h < 0) return;
    const m = /^Content-Length: (\d+)$/.exec(out.subarray(0, h).toString('ascii'));
    if (!m) {
      junk += h + 4;
      out = out.subarray(h + 4);
      continue;
    }
    const n = Number(m[1]);
    if (out.length < h + 4 + n) return;
    const body = out.subarray(h + 4, h + 4 + n).toString('utf8');
    out = out.subarray(h + 4 + n);
    try {
      messages.push(JSON.parse(body) as Record<string, unknown>);
    } catch {
      junk += n;
    }
  }
}

const frame = (body: string, length = Buffer.byteLength(body)) => `Content-Length: ${length}\r\n\r\n${body}`;
const request = (id: string | number, method: string, params: unknown = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params });
const send = (s: string | Buffer) => server.stdin!.write(s);

async function answer(id: string | number | null, ms = 30_000): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  for (;;) {
    const m = messages.find((x) => x.id === id && ('result' in x || 'error' in x));
    if (m) {
      messages.splice(messages.indexOf(m), 1);
      return m;
    }
    if (Date.now() - t0 > ms) throw new Error(`no answer to ${JSON.stringify(id)} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) * 1024;

before(async () => {
  server = spawn(process.execPath, [path.join(root, 'bin/iit-studio.js'), 'serve', '--stdio'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  server.stdout!.on('data', (d: Buffer) => {
    out = Buffer.concat([out, d]);
    parseOut();
  });
  const folder = pathToFileURL(root).href;
  send(
    frame(
      request(0, 'initialize', {
        processId: process.pid,
        rootUri: folder,
        workspaceFolders: [{ uri: folder, name: 'root' }],
        capabilities: {},
        initializationOptions: { trusted: false },
      }),
    ),
  );
  await answer(0);
  send(frame(JSON.stringify({ jsonrpc: '2.0', method: 'initialized', params: {} })));
});

after(() => server.kill());

test('a wrong Content-Length costs one message: the next request is answered', async () => {
  const body = request('short', 'iit/runs');
  const cases: [string, string][] = [
    ['20 bytes for a longer body', frame(body, 20)],
    ['the body − 1', frame(body, Buffer.byteLength(body) - 1)],
    ['the body + 40', frame(body, Buffer.byteLength(body) + 40)],
    ['a header without Content-Length, then a body', `X-Nothing: 1\r\n\r\n${body}`],
  ];
  for (const [name, bad] of cases) {
    send(bad + frame(request(`after ${name}`, 'iit/runs')));
    const a = await answer(`after ${name}`);
    assert.deepEqual(a.result, [], name);
  }
});

test('a batch and an object id are answered with InvalidRequest', async () => {
  send(frame(`[${request('in-batch', 'iit/runs')}]`));
  send(frame(JSON.stringify({ jsonrpc: '2.0', id: { x: 1 }, method: 'iit/runs', params: {} })));
  send(frame(request('after-batch', 'iit/runs')));
  await answer('after-batch');
  const errors = messages.filter((m) => m.id === null && (m.error as { code: number })?.code === -32600);
  const text = errors.map((m) => (m.error as { message: string }).message).join('\n');
  assert.match(text, /batches .* are not supported/);
  assert.match(text, /id must be a number or a string/);
});

test('1,000 seeded malformed frames: the server still answers, memory within 2×, stdout only frames', async () => {
  const rng = new Rng(2026);
  const start = rss();
  const valid = request('fuzz', 'iit/runs');
  const pick = <T>(xs: T[]) => xs[rng.int(xs.length)]!;
  const kinds = new Map<string, number>();
  const t0 = Date.now();
  for (let i = 0; i < 1000; i++) {
    const kind = pick(['length', 'truncate', 'bytes', 'no-header', 'array', 'object-id', 'not-json', 'header-junk']);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    const n = Buffer.byteLength(valid);
    let f: string | Buffer;
    if (kind === 'length') f = frame(valid, Math.max(0, n + rng.int(101) - 50));
    else if (kind === 'truncate') f = frame(valid.slice(0, rng.int(n)));
    else if (kind === 'bytes') f = Buffer.from(Array.from({ length: 1 + rng.int(64) }, () => rng.int(256)));
    else if (kind === 'no-header') f = valid;
    else if (kind === 'array') f = frame(`[${valid},${valid}]`);
    else if (kind === 'object-id') f = frame(JSON.stringify({ jsonrpc: '2.0', id: [rng.int(9)], method: 'x' }));
    else if (kind === 'not-json') f = frame(`{"id": ${i}, ${'x'.repeat(rng.int(40))}`);
    else f = `Content-Length: ${rng.int(99)}\r\nX-${'y'.repeat(rng.int(20))}\r\n\r\n`;
    send(f);
    // Every 100 frames, a valid request between the bad ones, so frames are not all in one chunk.
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 10));
  }
  // Whatever the last bad frame left unfinished (a Content-Length still waiting for bytes) is completed by padding.
  send(' '.repeat(200) + '\r\n\r\n');
  const probes = Array.from({ length: 5 }, (_, k) => `probe-${k}`);
  for (const id of probes) send(frame(request(id, 'iit/runs')));
  const answered = [];
  for (const id of probes) answered.push(await answer(id).catch(() => undefined));
  const last = answered.at(-1);
  assert.ok(last, `probes answered: ${answered.filter(Boolean).length}/${probes.length}`);
  assert.deepEqual(last.result, []);
  send(
    frame(
      request('hover', 'textDocument/hover', {
        textDocument: { uri: pathToFileURL(path.join(root, 'samples/conjunction/figure1.ts')).href },
        position: { line: 0, character: 0 },
      }),
    ),
  );
  const hover = await answer('hover');
  assert.equal(hover.result, null, 'a hover over a document the server has not opened: null, answered');
  const end = rss();
  parseOut();
  console.log(
    `1000 malformed frames (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}) in ${Date.now() - t0} ms: ` +
      `${answered.filter(Boolean).length}/${probes.length} probes answered, RSS ${(start / 2 ** 20).toFixed(0)} → ` +
      `${(end / 2 ** 20).toFixed(0)} MiB, ${junk} bytes of stdout outside frames`,
  );
  assert.ok(end <= 2 * start, `RSS ${start} → ${end}`);
  assert.equal(junk, 0);
  assert.equal(server.exitCode, null, 'the server is still running');
});
