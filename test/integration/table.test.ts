/**
 * `iit-studio table` as a user runs it (dist/cli.js): Table 1's JSON shape
 * over two presets × two seeds of a tiny PVR experiment, resuming finished
 * runs, and bad input named with its fix.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-table-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const file = 'test/fixtures/models/pvr-tiny.ts';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/iit-studio.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Row = { seeds: number; runs: { reused: boolean }[] } & Record<
  'train' | 'test',
  Record<'behavioral' | 'iia', { mean: number; std: number }>
>;
const pct = (x: unknown) => typeof x === 'number' && x >= 0 && x <= 100;

test('table --json: rows per preset with train/test behavioural and IIA mean/std, the paper beside; a second call retrains nothing', () => {
  const store = path.join(tmp, 'store');
  const r = cli('table', file, '--configs', 'STANDARD,IIT', '--seeds', '2', '--store', store, '--json');
  assert.equal(r.code, 0, r.stderr);
  const t = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(t.rows), ['STANDARD', 'IIT']);
  for (const row of Object.values(t.rows) as Row[]) {
    for (const s of ['train', 'test'] as const) {
      for (const m of ['behavioral', 'iia'] as const) {
        assert.ok(pct(row[s][m].mean), `${s}.${m}.mean ${row[s][m].mean}`);
        assert.ok(row[s][m].std >= 0);
      }
    }
    assert.equal(row.seeds, 2);
    assert.deepEqual(
      row.runs.map((x: { reused: boolean }) => x.reused),
      [false, false],
    );
  }
  assert.deepEqual(t.paper.IIT, { train: { behavioral: 99.6, iia: 99.0 }, test: { behavioral: 93.93, iia: 94.85 } });
  assert.deepEqual(t.paper.STANDARD.test, { behavioral: 0, iia: 20.6 });
  assert.deepEqual(readdirSync(store).sort(), ['IIT-seed0', 'IIT-seed1', 'STANDARD-seed0', 'STANDARD-seed1']);
  assert.match(r.stderr, /IIT seed 1: training/);

  // Resumed: every (config, seed) is read from the store, with the same numbers.
  const again = cli('table', file, '--configs', 'STANDARD,IIT', '--seeds', '2', '--store', store, '--json');
  assert.equal(again.code, 0, again.stderr);
  const t2 = JSON.parse(again.stdout);
  assert.doesNotMatch(again.stderr, /: training/);
  for (const c of ['STANDARD', 'IIT']) {
    assert.deepEqual(
      t2.rows[c].runs.map((x: { reused: boolean }) => x.reused),
      [true, true],
    );
    assert.deepEqual(t2.rows[c].train, t.rows[c].train);
    assert.deepEqual(t2.rows[c].test, t.rows[c].test);
  }

  // A removed run is retrained, the others are kept.
  rmSync(path.join(store, 'IIT-seed1'), { recursive: true });
  const third = JSON.parse(cli('table', file, '--configs', 'IIT', '--seeds', '2', '--store', store, '--json').stdout);
  assert.deepEqual(
    third.rows.IIT.runs.map((x: { reused: boolean }) => x.reused),
    [true, false],
  );
  assert.ok(existsSync(path.join(store, 'IIT-seed1', 'report.json')));

  // The text and Markdown layouts print the paper's row under ours.
  const text = cli('table', file, '--configs', 'STANDARD,IIT', '--seeds', '2', '--store', store);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /IIT\s+[\d.]+ ± [\d.]+/);
  assert.match(text.stdout, /paper\s+99\.60\s+93\.93\s+99\.00\s+94\.85/);
  const md = cli('table', file, '--configs', 'IIT', '--seeds', '2', '--store', store, '--md');
  assert.match(md.stdout, /^\| configuration \| behaviour train/m);
  assert.match(md.stdout, /\| IIT \| .* \| 99\.60 \/ 93\.93 \/ 99\.00 \/ 94\.85 \|/);
});

test('table: an unknown configuration names the file and the configurations; bad --seeds is a usage error', () => {
  const r = cli('table', file, '--configs', 'NOPE', '--store', path.join(tmp, 'bad'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /pvr-tiny\.ts:\d+:\d+: .*no configuration 'NOPE'.*STANDARD, IIT/);
  assert.ok(!existsSync(path.join(tmp, 'bad')));
  const s = cli('table', file, '--seeds', '0');
  assert.equal(s.code, 2);
  assert.match(s.stderr, /--seeds takes a positive integer/);
});

test('table --jobs 2 trains the runs in child processes and gives the same table as --jobs 1, in-process', () => {
  const args = ['table', file, '--configs', 'STANDARD,IIT', '--seeds', '2', '--json'];
  const par = cli(...args, '--jobs', '2', '--store', path.join(tmp, 'par'));
  assert.equal(par.code, 0, par.stderr);
  assert.match(par.stderr, /4 runs to train, 2 at a time/);
  assert.match(par.stderr, /STANDARD seed 0: training \(child process\)/);
  const seq = cli(...args, '--jobs', '1', '--store', path.join(tmp, 'seq'));
  assert.equal(seq.code, 0, seq.stderr);
  assert.doesNotMatch(seq.stderr, /child process/);
  const [a, b] = [JSON.parse(par.stdout), JSON.parse(seq.stdout)];
  for (const c of ['STANDARD', 'IIT']) {
    assert.deepEqual(a.rows[c].train, b.rows[c].train);
    assert.deepEqual(a.rows[c].test, b.rows[c].test);
  }
  assert.deepEqual(readdirSync(path.join(tmp, 'par')).sort(), readdirSync(path.join(tmp, 'seq')).sort());
});

test('table --jobs 2: a child run that fails passes its one-line error on, exit 2, and stores nothing', () => {
  const store = path.join(tmp, 'failing');
  const r = cli(
    'table',
    file,
    '--configs',
    'IIT',
    '--seeds',
    '2',
    '--jobs',
    '2',
    '--backend',
    'nope',
    '--store',
    store,
  );
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^iit-studio: unknown backend 'nope': use auto, .*— run `iit-studio backends`/m);
  assert.doesNotMatch(r.stderr, /internal error/);
  assert.ok(!existsSync(store) || readdirSync(store).length === 0);
  const bad = cli('table', file, '--jobs', '0');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--jobs takes a positive integer/);
});

test('table: a stored run of other data (same experiment and configuration) is retrained, not reused', () => {
  const store = path.join(tmp, 'data');
  const args = ['--configs', 'IIT', '--seeds', '1', '--jobs', '1', '--store', store, '--json'];
  const first = cli('table', file, ...args);
  assert.equal(first.code, 0, first.stderr);
  // The same experiment name and configurations, other grids: the data's sampling seed differs.
  const other = path.join(tmp, 'pvr-tiny-other.ts');
  const src = readFileSync(path.join(root, file), 'utf8');
  assert.match(src, /seed: 1 \}\);/);
  writeFileSync(other, src.replace(/seed: 1 \}\);/, 'seed: 2 });'));
  const second = cli('table', other, ...args);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /IIT seed 0: the stored run was trained with another configuration or data; retraining/);
  assert.deepEqual(
    JSON.parse(second.stdout).rows.IIT.runs.map((x: { reused: boolean }) => x.reused),
    [false],
  );
  const third = cli('table', other, ...args);
  assert.match(third.stderr, /IIT seed 0: reusing/);
});

test('table: a stored run that was stopped mid-training is resumed from its checkpoint to the same numbers', async () => {
  const { runTable } = await import('../../server/app/table');
  const { Cancelled } = await import('../../server/app/train');
  const req = { file: path.join(root, file), configs: ['IIT'], seeds: 1, jobs: 1 };
  const whole = await runTable({ ...req, store: path.join(tmp, 'whole') });
  const store = path.join(tmp, 'stopped');
  let step = 0;
  await assert.rejects(
    runTable({ ...req, store, hooks: { onStep: (p) => (step = p.step), cancelled: () => step >= 1 } }),
    Cancelled,
  );
  assert.ok(existsSync(path.join(store, 'IIT-seed0', 'checkpoint.json')));
  const lines: string[] = [];
  const resumed = await runTable({ ...req, store, log: (l) => lines.push(l) });
  assert.ok(
    lines.some((l) => /IIT seed 0: resuming the stopped run/.test(l)),
    lines.join('\n'),
  );
  assert.deepEqual(resumed.rows.IIT!.train, whole.rows.IIT!.train);
  assert.deepEqual(resumed.rows.IIT!.test, whole.rows.IIT!.test);
  assert.deepEqual(
    resumed.rows.IIT!.runs.map((r) => r.reused),
    [false],
  );
});

/** A two-input conjunction with train and test splits (or only `splits`), in the test's directory. */
function conjunctionFile(name: string, data: string): string {
  const f = path.join(tmp, `${name}.ts`);
  writeFileSync(
    f,
    `import { bool, causalModel, experiment, figure1Network } from 'iit-studio';
const model = causalModel({
  X1: { values: bool },
  X2: { values: bool },
  V1: { values: bool, parents: ['X1'], f: ({ X1 }) => X1 },
  V2: { values: bool, parents: ['X2'], f: ({ X2 }) => X2 },
  O: { values: bool, parents: ['V1', 'V2'], f: ({ V1, V2 }) => V1 && V2 },
});
const all = model.enumerateInputs();
export default experiment({
  name: '${name}',
  model,
  network: () => figure1Network({ W1: [0.45, 0.05], W2: [0.05, 0.5], w: [1, 1], b: -1 }),
  encode: ({ X1, X2 }) => [Number(X1), Number(X2)],
  alignment: { V1: { site: 'h1' }, V2: { site: 'h2' } },
  training: { optimizer: { type: 'sgd', lr: 0.1 }, batchSize: 4, steps: 1 },
  ${data},
  configs: { IIT: { objectives: { iit: 1 } } },
});
`,
  );
  return f;
}

test("table without --configs: the default configuration too; no paper's numbers for an experiment the paper did not measure", async () => {
  const { runTable } = await import('../../server/app/table');
  const { formatTable } = await import('../../server/cli/tableFormat');
  const f = conjunctionFile('conj-table', 'data: { train: all, test: all }');
  const t = await runTable({ file: f, seeds: 1, jobs: 1, backend: 'cpu', store: path.join(tmp, 'conj') });
  assert.deepEqual(Object.keys(t.rows), ['default', 'IIT']);
  assert.deepEqual(t.paper, {});
  assert.doesNotMatch(formatTable(t), /paper|Table 1/);
  assert.deepEqual(readdirSync(path.join(tmp, 'conj')).sort(), ['IIT-seed0', 'default-seed0']);
});

test('table: an experiment without a test split fails before any run trains, at its data declaration', async () => {
  const { runTable } = await import('../../server/app/table');
  const { IITError } = await import('../../server/engine/errors');
  const f = conjunctionFile('conj-no-test', 'data: { train: all }');
  const store = path.join(tmp, 'no-test');
  const dataLine =
    readFileSync(f, 'utf8')
      .split('\n')
      .findIndex((l) => /^\s*data:/.test(l)) + 1;
  await assert.rejects(runTable({ file: f, seeds: 1, jobs: 1, backend: 'cpu', store }), (e: unknown) => {
    assert.ok(e instanceof IITError);
    assert.match(e.oneLine(), new RegExp(`conj-no-test\\.ts:${dataLine}:3: table: the experiment has no 'test' split`));
    assert.match(e.oneLine(), /declare data: \{ train, test \}/);
    return true;
  });
  assert.ok(!existsSync(store));
});
