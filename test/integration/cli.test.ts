/**
 * The `iit-studio` CLI as a user runs it (the bundled dist/cli.js, which
 * `npm test` builds first): reports, run directories and bad input.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/iit-studio.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('train figure1 --json --params: IIA 0.8125 before, 1.0 after, Figure 1e parameters', () => {
  const out = path.join(tmp, 'fig1');
  const r = cli('train', 'samples/conjunction/figure1.ts', '--json', '--params', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.experiment, 'figure1');
  // auto: the best backend this machine has (wasm on a CPU-only machine).
  assert.ok(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'].includes(rep.backend), rep.backend);
  assert.equal(rep.before.train.iia.overall, 0.8125);
  assert.equal(rep.metrics.train.iia.overall, 1);
  assert.equal(rep.metrics.train.behavioral, 1);
  const r4 = (xs: number[]) => xs.map((x) => x.toFixed(4));
  assert.deepEqual(r4(rep.parameters.W1), ['0.5012', '0.0500']);
  assert.deepEqual(r4(rep.parameters.W2), ['0.0500', '0.5512']);
  assert.deepEqual(r4(rep.parameters.w), ['1.0231', '1.0256']);
  assert.deepEqual(r4(rep.parameters.b), ['-0.9488']);
  // The run directory holds the resolved config, metrics and losses, the report, the status and the weights.
  assert.deepEqual(readdirSync(out).sort(), [
    'config.json',
    'losses.jsonl',
    'metrics.jsonl',
    'model.json',
    'report.json',
    'status.json',
    'weights.bin',
  ]);
  assert.deepEqual(JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')), rep);
  const lines = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.equal(JSON.parse(lines.at(-1)!).metrics.train.iia.overall, 1);

  // eval reloads the weights and finds the same metrics.
  const e = cli('eval', 'samples/conjunction/figure1.ts', '--run', out, '--json');
  assert.equal(e.code, 0, e.stderr);
  assert.deepEqual(JSON.parse(e.stdout).metrics, rep.metrics);
});

test('the same seed gives the same report twice; another seed does not', () => {
  const run = (seed: string, name: string) => {
    const r = cli(
      'train',
      'samples/conjunction/train.ts',
      '--json',
      '--params',
      '--seed',
      seed,
      '--out',
      path.join(tmp, name),
    );
    assert.equal(r.code, 0, r.stderr);
    const { timing: _t, ...rest } = JSON.parse(r.stdout);
    return rest;
  };
  const a = run('5', 's5a');
  const b = run('5', 's5b');
  assert.deepEqual(a, b);
  assert.equal(a.metrics.train.iia.overall, 1);
  assert.notDeepEqual(run('6', 's6').parameters, a.parameters);
});

test('demo (npm start) prints Figure 1 before and after: 81.25% → 100% IIA and the Figure 1e parameters', () => {
  const r = cli('demo');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /before\s+train\s+100\.00%\s+81\.25%\s+81\.25%\s+81\.25%/);
  assert.match(r.stdout, /after\s+train\s+100\.00%\s+100\.00%\s+100\.00%\s+100\.00%/);
  assert.match(
    r.stdout,
    /W1 = \[0\.5012, 0\.0500\]\s+W2 = \[0\.0500, 0\.5512\]\s+w = \[1\.0231, 1\.0256\]\s+b = -0\.9488/,
  );
  assert.match(r.stdout, /mismatching interventions before: 6 of 32/);
});

test('inspect lists variables, sites and the alignment', () => {
  const r = cli('inspect', 'samples/conjunction/figure1.ts', '--json');
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.equal(info.inputSpaceSize, 4);
  assert.deepEqual(
    info.alignment.map((a: { variable: string; site: string }) => `${a.variable}@${a.site}`),
    ['V1@h1', 'V2@h2'],
  );
  assert.deepEqual(
    info.sites.map((s: { name: string }) => s.name),
    ['h1', 'h2', 'y'],
  );
});

const bad: [string, RegExp][] = [
  ['syntax.ts:5:10', /Unexpected ","/],
  ['throws.ts:4:', /throws while loading: Cannot read properties of undefined/],
  ['exits.ts:4:', /calls process\.exit\(0\) while loading.*remove the call/],
  ['no-default.ts:1:1', /no default export.*export default experiment/],
  ['overlap.ts:10:5', /B and A overlap at site h1.*disjoint/],
  ['out-of-range.ts:10:5', /range \[2, 9\).*outside site h1's extent 4/],
  ['unknown-variable.ts:10:5', /C is not a variable of the causal model.*align one of A, B/],
  ['nan-loss.ts:12:3', /loss became NaN.*lower training\.optimizer\.lr/],
  [
    'huge-input-space.ts:4:15',
    /input space has 20000002 settings.*declare the data the runs use: data: \{ train, test \}/,
  ],
  ['nan-encode.ts:8:3', /encode\(\) gave NaN as feature 0 for \{X1=F, X2=F\}.*division by zero/],
  ['nan-encode-batch.ts:8:3', /encodeBatch\(\) gave NaN in input x \(element 0\) for \{X1=F, X2=F\}.*division by zero/],
];

for (const [where, message] of bad) {
  const file = where.split(':')[0]!;
  test(`bad input ${file}: one line naming file, line and fix; exit 2; no run directory`, () => {
    const out = path.join(tmp, `bad-${file}`);
    const r = cli('train', `test/fixtures/bad/${file}`, '--out', out);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(lines[0]!.startsWith(`iit-studio: test/fixtures/bad/${where}`), lines[0]);
    assert.match(lines[0]!, message);
    assert.equal(existsSync(out), false);
    assert.deepEqual(
      readdirSync(tmp).filter((f) => f.includes(`bad-${file}`)),
      [],
    );
  });
}

test('train prints probe accuracy per variable for a configuration with probes (MULTI)', () => {
  const out = path.join(tmp, 'multi');
  const r = cli('train', 'test/fixtures/lsp/presets.ts', '--config', 'MULTI', '--backend', 'cpu', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  const [head, ...rows] = r.stdout.trim().split('\n').slice(1);
  assert.match(head!, /IIA B\s+chance\s+probe A\s+probe B\s+pairs/);
  // Each split's row: behaviour, IIA, IIA per variable, chance, then the two probe accuracies as percentages.
  for (const row of rows.filter((l) => /^result/.test(l))) assert.match(row, /(\d+\.\d\d%\s+){7}\d+/);
});

test('train --steps/--batch override the configuration for a quick look; bad values are usage errors', () => {
  const out = path.join(tmp, 'short');
  const r = cli('train', 'samples/conjunction/train.ts', '--steps', '3', '--batch', '4', '--json', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { steps: number }).steps, 3);
  const cfg = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')) as {
    resolved: { training: { steps: number; batchSize: number } };
  };
  assert.deepEqual([cfg.resolved.training.steps, cfg.resolved.training.batchSize], [3, 4]);
  const bad = cli('train', 'samples/conjunction/train.ts', '--steps', '0');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--steps takes a positive integer/);
});

test('eval --run of a run of another experiment, or trained on other data, is one line naming it; exit 2', () => {
  const src = readFileSync(path.join(root, 'samples/conjunction/train.ts'), 'utf8');
  const file = path.join(root, 'samples/conjunction', `.eval-${process.pid}.ts`);
  const out = path.join(tmp, 'eval-other');
  writeFileSync(file, src);
  try {
    const t = cli('train', file, '--steps', '2', '--out', out);
    assert.equal(t.code, 0, t.stderr);
    assert.equal(cli('eval', file, '--run', out).code, 0);

    const other = cli('eval', 'samples/conjunction/figure1.ts', '--run', out);
    assert.equal(other.code, 2, other.stderr);
    assert.match(
      other.stderr,
      /is a run of experiment 'conjunction-train', not of 'figure1' — evaluate it with its own/,
    );
    assert.equal(other.stderr.trim().split('\n').length, 1, other.stderr);

    // Three of the four inputs: the data digest the run recorded no longer matches.
    writeFileSync(
      file,
      src.replace('  encode,\n', '  encode,\n  data: { train: conjunction.enumerateInputs().slice(0, 3) },\n'),
    );
    const data = cli('eval', file, '--run', out);
    assert.equal(data.code, 2, data.stderr);
    assert.match(data.stderr, /was trained on other data than \.eval-\d+\.ts now gives/);
    assert.equal(data.stderr.trim().split('\n').length, 1, data.stderr);
  } finally {
    rmSync(file, { force: true });
  }
});

test('eval --run of a run whose weights are truncated or whose model.json is empty: one line naming the file', () => {
  const out = path.join(tmp, 'damaged-weights');
  const t = cli('train', 'samples/conjunction/figure1.ts', '--out', out);
  assert.equal(t.code, 0, t.stderr);
  const weights = path.join(out, 'weights.bin');
  const whole = readFileSync(weights);
  writeFileSync(weights, whole.subarray(0, 7));
  const short = cli('eval', 'samples/conjunction/figure1.ts', '--run', out);
  assert.equal(short.code, 2, short.stderr);
  assert.match(
    short.stderr,
    new RegExp(
      `weights\\.bin holds 7 bytes; model\\.json describes ${whole.length}: the run's weights are damaged — train the run again`,
    ),
  );
  writeFileSync(weights, whole);
  writeFileSync(path.join(out, 'model.json'), '');
  const empty = cli('eval', 'samples/conjunction/figure1.ts', '--run', out);
  assert.equal(empty.code, 2, empty.stderr);
  assert.match(empty.stderr, /model\.json does not read as JSON .*: the run's weights are damaged/);
  for (const r of [short, empty]) {
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /internal error| {4}at /);
  }
});
