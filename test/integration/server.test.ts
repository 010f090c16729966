/**
 * Drives `iit-studio serve --stdio` with a real JSON-RPC client (no VS Code):
 * diagnostics on exact ranges, hover, CodeLens, symbols, a training whose
 * report equals the CLI's, trust, and bad input on the wire.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { find, Harness, root, uriOf, waitFor, type Diag } from './server-harness';

const h = new Harness();

before(async () => {
  await h.start({ checkTimeoutMs: 8000 });
});

after(() => {
  h.stop();
  rmSync(h.runsDir, { recursive: true, force: true });
});

const dir = 'test/fixtures/lsp';
const lineOf = (rel: string, needle: string, from = 0) =>
  readFileSync(path.join(root, rel), 'utf8').split('\n')[find(rel, needle, from).line]!;

/** The range of a one-line `name: { ... }` entry. */
function entry(rel: string, needle: string, from = 0) {
  const at = find(rel, needle, from);
  const text = lineOf(rel, needle, from);
  return { start: at, end: { line: at.line, character: text.lastIndexOf('}') + 1 } };
}

/** The range of the exact text `needle` (within a line). */
function exact(rel: string, needle: string, from = 0) {
  const at = find(rel, needle, from);
  return { start: at, end: { line: at.line, character: at.character + needle.length } };
}

/** From the text `needle` to the end of its line (a key whose value runs on). */
function toLineEnd(rel: string, needle: string, from = 0) {
  const at = find(rel, needle, from);
  return { start: at, end: { line: at.line, character: lineOf(rel, needle, from).trimEnd().length } };
}

async function diagnosticsOf(rel: string): Promise<Diag[]> {
  h.diagnostics.delete(uriOf(rel));
  await h.open(rel);
  return waitFor(() => h.diagnostics.get(uriOf(rel)), `diagnostics for ${rel}`);
}

const alignAt = (rel: string) => find(rel, 'alignment: {').line;

const cases: [
  string,
  string,
  () => { start: { line: number; character: number }; end: { line: number; character: number } },
  RegExp,
][] = [
  [
    'overlap',
    'overlap',
    () => entry(`${dir}/overlap.ts`, 'B: {', alignAt(`${dir}/overlap.ts`)),
    /B and A overlap at site h1/,
  ],
  [
    'slice-out-of-range',
    'slice-out-of-range',
    () => exact(`${dir}/slice-out-of-range.ts`, 'slice: [[2, 9]]'),
    /range \[2, 9\) on axis 0 is outside site h1's extent 4/,
  ],
  [
    'unknown-site',
    'unknown-site',
    () => exact(`${dir}/unknown-site.ts`, "site: 'h7'"),
    /site 'h7', which the network does not have — use one of h1, logits/,
  ],
  [
    'unknown-variable',
    'unknown-variable',
    () => entry(`${dir}/unknown-variable.ts`, 'C: {'),
    /C is not a variable of the causal model/,
  ],
  [
    'type-shape',
    'type-shape-mismatch',
    () => entry(`${dir}/type-shape.ts`, 'B: {', alignAt(`${dir}/type-shape.ts`)),
    /B \(1\) and A \(2\) share type bit but not neuron shape/,
  ],
  ['cycle', 'cycle', () => exact(`${dir}/cycle.ts`, "'B'"), /cycle A → B → A/],
  ['unknown-parent', 'unknown-parent', () => exact(`${dir}/unknown-parent.ts`, "'Z'"), /A lists unknown parent 'Z'/],
  [
    'value-out-of-set',
    'value-out-of-set',
    () => entry(`${dir}/value-out-of-set.ts`, 'A: {'),
    /A's equation returns 2 on input \{X1=F, X2=F\}, outside boolean/,
  ],
  [
    'config-overlap',
    'overlap',
    () => entry(`${dir}/config-overlap.ts`, 'B: {', find(`${dir}/config-overlap.ts`, 'wide: {').line),
    /^configuration wide: alignment: B and A overlap at site h1/,
  ],
  [
    'config-objective',
    'bad-config',
    () => toLineEnd(`${dir}/config-objective.ts`, 'itt: 1', find(`${dir}/config-objective.ts`, 'typo: {').line),
    /^configs\.typo\.objectives\.itt: unknown key; did you mean iit\?/,
  ],
  [
    'unknown-key',
    'bad-config',
    () => exact(`${dir}/unknown-key.ts`, 'stpes: 20,', find(`${dir}/unknown-key.ts`, 'quick: {').line),
    /^configs\.quick\.training\.stpes: unknown key; did you mean steps\?/,
  ],
  [
    'no-dependency',
    'bad-config',
    () => entry(`${dir}/no-dependency.ts`, 'B: {', alignAt(`${dir}/no-dependency.ts`)),
    /output O does not depend on aligned variable B/,
  ],
];

for (const [name, code, range, message] of cases) {
  test(`diagnostic on the exact range of the offending declaration: ${name}`, async () => {
    const ds = await diagnosticsOf(`${dir}/${name}.ts`);
    assert.equal(ds.length, 1, JSON.stringify(ds));
    const d = ds[0]!;
    assert.equal(d.severity, 1);
    assert.equal(d.code, code);
    assert.match(d.message, message);
    assert.deepEqual(d.range, range());
  });
}

test('diagnostic for an equation that throws spans its whole declaration', async () => {
  const rel = `${dir}/equation-throws.ts`;
  const [d] = await diagnosticsOf(rel);
  assert.equal(d!.code, 'equation-throws');
  assert.match(d!.message, /A's equation throws on input \{X1=T, X2=F\}: X1 is not supported/);
  assert.deepEqual(d!.range.start, find(rel, 'A: {'));
  assert.deepEqual(d!.range.end, { line: find(rel, '  } },').line, character: 5 });
});

test('an infinite loop in an equation becomes "evaluation timed out", not a hung server', async () => {
  const rel = `${dir}/infinite-loop.ts`;
  const t0 = performance.now();
  const [d] = await diagnosticsOf(rel);
  console.log(`infinite loop reported after ${((performance.now() - t0) / 1000).toFixed(1)} s (limit 8 s)`);
  assert.equal(d!.code, 'timeout');
  assert.match(d!.message, /evaluation timed out after 8 s/);
  assert.equal(d!.range.start.line, find(rel, 'export default experiment(').line);
});

test('a worker that exits while loading is an error diagnostic; the server stays up', async () => {
  const [d] = await diagnosticsOf(`${dir}/crash.ts`);
  assert.equal(d!.code, 'worker-crashed');
  assert.match(d!.message, /the worker exited with code 7/);
  assert.ok(await h.conn.sendRequest('iit/runs', {}));
});

test('a worker that runs out of memory is an error diagnostic; the server stays up', async () => {
  // A small heap for this server and its workers, so the fixture exhausts it quickly.
  const s = new Harness();
  await s.start({ checkTimeoutMs: 60_000 }, { NODE_OPTIONS: '--max-old-space-size=256' });
  try {
    const rel = `${dir}/oom.ts`;
    await s.open(rel);
    const [d] = await waitFor(() => s.diagnostics.get(uriOf(rel)), 'oom diagnostics');
    assert.equal(d!.code, 'out-of-memory');
    assert.match(d!.message, /the worker (was killed by SIG\w+|exited with code \d+) \(out of memory\)/);
    assert.ok(await s.conn.sendRequest('iit/runs', {}));
  } finally {
    s.stop();
    rmSync(s.runsDir, { recursive: true, force: true });
  }
});

for (const [file, what] of [
  ['nan-encode.ts', /^encode\(\) gave NaN as feature 0 for \{X1=F, X2=F\}/],
  ['nan-encode-batch.ts', /^encodeBatch\(\) gave NaN in input x \(element 0\) for \{X1=F, X2=F\}/],
] as const) {
  test(`NaN from the encoder is a diagnostic on its line, not a NaN loss later: ${file}`, async () => {
    const ds = await diagnosticsOf(`test/fixtures/bad/${file}`);
    assert.equal(ds.length, 1, JSON.stringify(ds));
    assert.match(ds[0]!.message, what);
    assert.equal(ds[0]!.range.start.line, 7, 'the encode / encodeBatch line');
  });
}

test('a syntax error is placed where esbuild finds it', async () => {
  const [d] = await diagnosticsOf('test/fixtures/bad/syntax.ts');
  assert.equal(d!.code, 'syntax');
  assert.equal(d!.range.start.line, 4);
  assert.match(d!.message, /Unexpected ","/);
});

test('unsaved edits are checked: fixing the overlap in the buffer clears the diagnostic', async () => {
  const rel = `${dir}/overlap.ts`;
  const fixed = readFileSync(path.join(root, rel), 'utf8').replace('[[2, 4]]', '[[3, 4]]');
  await h.conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: uriOf(rel), version: 2 },
    contentChanges: [{ text: fixed }],
  });
  await waitFor(() => h.diagnostics.get(uriOf(rel))?.length === 0 || undefined, 'cleared diagnostics');
  const stray = spawnSync('sh', ['-c', `ls -a ${path.join(root, dir)} | grep iit-check-${h.server.pid}- || true`], {
    encoding: 'utf8',
  }).stdout;
  assert.equal(stray, '', 'temporary check files are deleted');
});

test('a file closed and opened again mid-check gets the newer check, not the killed one', async () => {
  const rel = `${dir}/overlap.ts`;
  const close = () => h.conn.sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(rel) } });
  await close();
  await h.open(rel);
  await new Promise((r) => setTimeout(r, 700)); // past the debounce: the first check's worker is loading
  await close();
  h.diagnostics.delete(uriOf(rel));
  await h.open(rel); // the same version again, as an editor reopening the file sends
  const d = await waitFor(
    () => h.diagnostics.get(uriOf(rel))?.find((x) => /overlap at site h1/.test(x.message)),
    'the overlap diagnostic of the second check',
    60_000,
  );
  assert.match(d.message, /B and A overlap at site h1/);
  assert.ok(
    !h.diagnostics.get(uriOf(rel))!.some((x) => /killed|SIGKILL/.test(x.message)),
    'the killed check left no diagnostic',
  );
});

test('clean file: no errors; hover on a variable and an alignment entry; CodeLens; symbols', async () => {
  const rel = `${dir}/clean.ts`;
  assert.deepEqual(await diagnosticsOf(rel), []);
  const v = find(rel, 'A: { values');
  const hv = await h.hover(rel, v.line, v.character);
  assert.match(hv!, /\*\*A\*\* — intermediate variable/);
  assert.match(hv!, /values: boolean \(2 values\) · parents: X1/);
  assert.match(hv!, /type group: A/);
  assert.match(hv!, /neurons: site `h1` \[0:2\] — 2 neurons/);
  const a = find(rel, 'B: { site');
  assert.match((await h.hover(rel, a.line, a.character))!, /neurons: site `h1` \[2:4\] — 2 neurons/);
  const lenses = (await h.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: uriOf(rel) } })) as {
    range: { start: { line: number } };
    command: { title: string; command: string };
  }[];
  // Run on Slurm only where Slurm's sbatch is on PATH (npm test installs Slurm: test/integration/sweep-slurm.test.ts).
  const sbatch = spawnSync('sh', ['-c', 'command -v sbatch && command -v squeue && command -v scancel']).status === 0;
  assert.deepEqual(
    lenses.map((l) => l.command.command),
    ['iit.train', 'iit.evaluate', ...(sbatch ? ['iit.runOnSlurm'] : []), 'iit.debugIntervention'],
  );
  assert.ok(lenses.every((l) => l.range.start.line === find(rel, 'export default experiment(').line));
  const symbols = (await h.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: uriOf(rel) } })) as {
    name: string;
    range: { start: { line: number } };
  }[];
  assert.deepEqual(
    symbols.map((s) => s.name),
    ['X1', 'X2', 'A', 'B', 'O', 'A ↔ h1', 'B ↔ h1'],
  );
  assert.equal(symbols[5]!.range.start.line, find(rel, 'A: { site').line);
});

test("train: progress, iit/runFinished, a report equal to the CLI's; then IIA diagnostics and hover", async () => {
  const rel = 'samples/conjunction/train.ts';
  const token = 'train-1';
  const res = (await h.conn.sendRequest('iit/train', {
    uri: uriOf(rel),
    seed: 5,
    runId: 'server-test-run',
    workDoneToken: token,
  })) as { runId: string; runDir: string; report: Record<string, unknown> };
  assert.equal(res.runId, 'server-test-run');
  assert.equal(res.runDir, path.join(h.runsDir, 'server-test-run'));
  const mine = h.progressOf(token);
  assert.equal(mine[0]!.kind, 'begin');
  assert.equal(mine.at(-1)!.kind, 'end');
  const step = mine.find((v) => typeof v.step === 'number' && v.losses) as {
    losses: Record<string, number>;
    epoch: number;
    examplesPerSecond: number;
    etaSeconds: number;
  };
  assert.ok(
    step &&
      'task' in step.losses &&
      'iit' in step.losses &&
      step.epoch > 0 &&
      step.examplesPerSecond > 0 &&
      step.etaSeconds >= 0,
    JSON.stringify(step),
  );
  const ev = mine.find((v) => v.metrics) as {
    metrics: { train: { behavioral: number; iia: { byVariable: Record<string, number> } } };
  };
  assert.deepEqual(Object.keys(ev.metrics.train.iia.byVariable), ['V1', 'V2']);
  assert.ok(h.finished.some((f) => f.runId === 'server-test-run' && f.status === 'finished' && f.report));
  const cli = spawnSync(
    process.execPath,
    [
      path.join(root, 'bin/iit-studio.js'),
      'train',
      rel,
      '--seed',
      '5',
      '--json',
      '--out',
      path.join(h.runsDir, '.cli'),
    ],
    { cwd: root, encoding: 'utf8' },
  );
  const { timing: _a, ...fromCli } = JSON.parse(cli.stdout);
  const { timing: _b, ...fromServer } = res.report;
  assert.deepEqual(fromServer, fromCli);
  const lines = readFileSync(path.join(res.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, mine.filter((v) => v.metrics).length, 'one metrics.jsonl line per evaluation');
  // After the run: an information diagnostic on each aligned variable, and the hover carries its IIA.
  const ds = await diagnosticsOf(rel);
  const info = ds.find((d) => /IIA V1/.test(d.message))!;
  assert.equal(info.severity, 3);
  assert.deepEqual(info.range, entry(rel, 'V1: {', find(rel, 'alignment: {').line));
  assert.match(info.message, /IIA V1: 100\.00% on train over 32 pairs \(run server-test-run/);
  assert.ok(ds.some((d) => /IIA V2/.test(d.message)));
  const at = find(rel, 'V1: {', find(rel, 'alignment: {').line);
  const hv = await h.hover(rel, at.line, at.character);
  assert.match(hv!, /neurons: site `h1` \[0:1\] — 1 neuron/);
  assert.match(hv!, /last IIA \(train\): 100\.00% over 32 pairs \(all pairs\) — run server-test-run/);
  const runs = (await h.conn.sendRequest('iit/runs', { uri: uriOf(rel) })) as {
    runId: string;
    bestIia: number;
    status: string;
  }[];
  assert.deepEqual(
    runs.map((r) => [r.runId, r.status, r.bestIia]),
    [['server-test-run', 'finished', 1]],
  );
  const again = (await h.conn.sendRequest('iit/evaluate', { uri: uriOf(rel), runId: 'server-test-run' })) as {
    metrics: unknown;
  };
  assert.deepEqual(again.metrics, res.report.metrics);
});

/** Sends raw bytes to the server and returns what it answered for `id`. */
async function raw(
  bytes: Buffer | string,
  id: string | null,
  what: string,
): Promise<{ code: number; message: string }> {
  h.tap();
  h.server.stdin!.write(bytes);
  const re = new RegExp(
    `"id":${id === null ? 'null' : JSON.stringify(id)},"error":\\{"code":(-?\\d+),"message":"((?:[^"\\\\]|\\\\.)*)"`,
  );
  const m = await waitFor(() => re.exec(h.raw) ?? undefined, what, 30_000);
  return { code: Number(m[1]), message: JSON.parse(`"${m[2]}"`) as string };
}

const frame = (body: string | Buffer) =>
  Buffer.concat([
    Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`),
    Buffer.isBuffer(body) ? body : Buffer.from(body),
  ]);

test('bad input on the wire gets JSON-RPC errors and the server keeps answering', async () => {
  const ok = () => h.conn.sendRequest('iit/runs', {});
  await assert.rejects(h.conn.sendRequest('iit/doesNotExist', {}), (e: { code: number }) => e.code === -32601);
  await ok();
  const malformed = await raw(
    frame('{"jsonrpc":"2.0","id":"bad-json","method":"iit/runs","params":{'),
    'bad-json',
    'parse error',
  );
  assert.equal(malformed.code, -32700);
  assert.match(malformed.message, /not a JSON object/);
  const noId = await raw(frame('not json at all'), null, 'parse error without id');
  assert.equal(noId.code, -32700);
  await ok();
  const big = `{"jsonrpc":"2.0","id":"huge","method":"iit/runs","params":{"pad":"${'x'.repeat(20 * 1024 * 1024)}"}}`;
  const t0 = performance.now();
  const huge = await raw(frame(big), 'huge', 'huge message error');
  console.log(`20 MiB message rejected in ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(huge.code, -32600);
  assert.match(huge.message, /exceeds the server's limit of 16777216 bytes/);
  await ok();
  const invalid = (e: { code: number; message: string }, re: RegExp) => e.code === -32602 && re.test(e.message);
  await assert.rejects(h.conn.sendRequest('iit/experimentInfo', { uri: 5 }), (e: never) =>
    invalid(e, /uri must be a file: URI string/),
  );
  await assert.rejects(h.conn.sendRequest('iit/experimentInfo', [1, 2]), (e: never) =>
    invalid(e, /params must be an object/),
  );
  await assert.rejects(h.conn.sendRequest('iit/experimentInfo', { uri: 'file:///etc/passwd' }), (e: never) =>
    invalid(e, /outside the workspace/),
  );
  await assert.rejects(h.conn.sendRequest('iit/experimentInfo', { uri: uriOf('no/such/file.ts') }), (e: never) =>
    invalid(e, /does not exist/),
  );
  await assert.rejects(h.conn.sendRequest('iit/cancel', { runId: 'no-such-run' }), (e: never) =>
    invalid(e, /no queued or running run with id "no-such-run"/),
  );
  await assert.rejects(h.conn.sendRequest('iit/cancel', { runId: 42 }), (e: never) =>
    invalid(e, /runId must be a string/),
  );
  await assert.rejects(
    h.conn.sendRequest('iit/evaluate', { uri: uriOf(`${dir}/clean.ts`), runId: 'no-such-run' }),
    (e: never) => invalid(e, /no run "no-such-run"/),
  );
  await assert.rejects(
    h.conn.sendRequest('iit/evaluate', { uri: uriOf(`${dir}/clean.ts`), runDir: '/etc' }),
    (e: never) => invalid(e, /outside the workspace/),
  );
  await assert.rejects(
    h.conn.sendRequest('iit/train', { uri: uriOf(`${dir}/clean.ts`), resume: 'no-such-run' }),
    (e: never) => invalid(e, /no run "no-such-run"/),
  );
  await assert.rejects(
    h.conn.sendRequest('iit/train', { uri: uriOf(`${dir}/clean.ts`), resume: '../../etc' }),
    (e: never) => invalid(e, /no run/),
  );
  await assert.rejects(h.conn.sendRequest('iit/train', { uri: uriOf(`${dir}/clean.ts`), seed: 'x' }), (e: never) =>
    invalid(e, /seed must be an integer/),
  );
  await assert.rejects(
    h.conn.sendRequest('iit/train', { uri: uriOf(`${dir}/clean.ts`), runId: '../escape' }),
    (e: never) => invalid(e, /runId "..\/escape" must match/),
  );
  await assert.rejects(
    h.conn.sendRequest('iit/train', { uri: uriOf(`${dir}/clean.ts`), runId: 'server-test-run' }),
    (e: never) => invalid(e, /already exists/),
  );
  // A training that fails (the experiment does not load) is an error on that run.
  await assert.rejects(
    h.conn.sendRequest('iit/train', { uri: uriOf(`${dir}/overlap.ts`), runId: 'fails' }),
    (e: { code: number; message: string }) => e.code === -32603 && /B and A overlap/.test(e.message),
  );
  assert.ok(h.finished.some((f) => f.runId === 'fails' && f.status === 'failed'));
  const info = (await h.conn.sendRequest('iit/experimentInfo', { uri: uriOf(`${dir}/clean.ts`) })) as {
    alignment: { variable: string; neurons: number }[];
    inputSpaceSize: number;
    sites: { name: string; shape: number[] }[];
  };
  assert.equal(info.inputSpaceSize, 4);
  assert.deepEqual(
    info.alignment.map((a) => [a.variable, a.neurons]),
    [
      ['A', 2],
      ['B', 2],
    ],
  );
  assert.deepEqual(info.sites, [
    { name: 'h1', shape: [4] },
    { name: 'logits', shape: [1] },
  ]);
});

test('untrusted: no checks and no runs until the client says the workspace is trusted', async () => {
  await h.conn.sendNotification('iit/setTrusted', { trusted: false });
  await assert.rejects(
    h.conn.sendRequest('iit/experimentInfo', { uri: uriOf(`${dir}/clean.ts`) }),
    (e: { code: number; message: string }) => e.code === -32600 && /not trusted/.test(e.message),
  );
  await assert.rejects(h.conn.sendRequest('iit/train', { uri: uriOf(`${dir}/clean.ts`) }), /not trusted/);
  const rel = `${dir}/unknown-site.ts`;
  h.diagnostics.delete(uriOf(rel));
  await h.conn.sendNotification('textDocument/didClose', { textDocument: { uri: uriOf(rel) } });
  await h.open(rel);
  assert.deepEqual(await waitFor(() => h.diagnostics.get(uriOf(rel)), 'untrusted diagnostics'), []);
  await h.conn.sendNotification('iit/setTrusted', { trusted: true });
  await waitFor(() => h.diagnostics.get(uriOf(rel))?.[0], 'diagnostics once trusted');
});

test('node dist/server.js --stdio serves too; a terminated server takes its workers with it', async () => {
  const s = new Harness();
  await s.start({ checkTimeoutMs: 60_000 }, {}, [path.join(root, 'dist/server.js'), '--stdio']);
  try {
    await s.open(`${dir}/infinite-loop.ts`);
    const children = () =>
      spawnSync('ps', ['-o', 'pid=', '--ppid', String(s.server.pid)], { encoding: 'utf8' })
        .stdout.trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    const [worker] = await waitFor(() => (children().length ? children() : undefined), 'a check worker');
    s.server.kill('SIGTERM');
    const gone = () => {
      try {
        process.kill(worker!, 0);
        return undefined;
      } catch {
        return true;
      }
    };
    assert.ok(await waitFor(gone, 'the spinning worker to end', 20_000));
  } finally {
    s.stop();
    rmSync(s.runsDir, { recursive: true, force: true });
  }
});
