/**
 * `iit-studio sweep --slurm` on a real single-node Slurm (munged, slurmctld, slurmd started by this test): a 2 × 2
 * sweep runs as one job array and gives the table a local `table --jobs 1` gives; a task requeued while it trains
 * resumes in its array, and one cancelled resumes on resubmission, each to the same report; a failing experiment leaves its one-line error and nothing else;
 * `--dry-run` prints a script `sbatch --test-only` accepts; `sweep cancel` cancels; without Slurm, exit 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Harness, uriOf } from './server-harness';
import { SlurmCluster } from './slurm-cluster';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-sweep-'));
const file = 'test/fixtures/models/sweep-small.ts';
const failing = 'test/fixtures/bad/sweep-fails.ts';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let cluster: SlurmCluster;

before(async () => {
  cluster = await SlurmCluster.start();
});
after(async () => {
  await cluster?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function cli(args: string[], env: NodeJS.ProcessEnv = cluster.env) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/iit-studio.js'), ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Cell = { id: string; state: string; step?: number; error?: string; job?: string };
type Status = { jobs: string[]; cells: Cell[] };

function status(store: string): Status {
  const r = cli(['sweep', 'status', '--store', store, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Status;
}

/** Polls the sweep's status until `done` holds for it (deadline: minutes, for a busy machine). */
async function waitFor(store: string, what: string, done: (s: Status) => boolean, minutes = 8): Promise<Status> {
  const end = Date.now() + minutes * 60_000;
  for (;;) {
    const s = status(store);
    if (done(s)) return s;
    if (Date.now() > end)
      assert.fail(
        `no ${what} within ${minutes} min: ${JSON.stringify(s.cells)}\n${cluster.queue()}\n${cluster.logs()}`,
      );
    await sleep(300);
  }
}

const settled = (s: Status) => s.cells.every((c) => !['queued', 'running'].includes(c.state));
const common = ['--seeds', '2', '--backend', 'wasm'];

type Table = { rows: Record<string, { train: unknown; test: unknown; runs: { reused: boolean }[] }> };
let local: Table;

test('a 2 × 2 sweep is one job array and gives the table a local run gives', async () => {
  const localStore = path.join(tmp, 'local');
  const l = cli([
    'table',
    file,
    '--configs',
    'STANDARD,IIT',
    ...common,
    '--store',
    localStore,
    '--jobs',
    '1',
    '--json',
  ]);
  assert.equal(l.code, 0, l.stderr);
  local = JSON.parse(l.stdout) as Table;

  const store = path.join(tmp, 'swept');
  const r = cli(['sweep', file, '--slurm', '--configs', 'STANDARD,IIT', ...common, '--store', store, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const sub = JSON.parse(r.stdout) as { jobId: string; cells: { id: string; toRun: boolean }[]; script: string };
  assert.match(sub.jobId, /^\d+$/);
  assert.deepEqual(
    sub.cells.map((c) => [c.id, c.toRun]),
    [
      ['STANDARD-seed0', true],
      ['STANDARD-seed1', true],
      ['IIT-seed0', true],
      ['IIT-seed1', true],
    ],
  );
  assert.match(sub.script, /^#SBATCH --array=0-3$/m);

  const s = await waitFor(store, 'finished sweep', settled);
  assert.deepEqual(
    s.cells.map((c) => c.state),
    ['finished', 'finished', 'finished', 'finished'],
    JSON.stringify(s.cells),
  );
  assert.deepEqual(s.jobs, [sub.jobId], 'one array, one submission');
  // Each cell was a task of that one array: its log is <job>_<task>.log.
  const logs = readdirSync(path.join(store, 'sweep', 'logs')).filter((f) => f.endsWith('.log'));
  assert.deepEqual(logs.sort(), [0, 1, 2, 3].map((i) => `${sub.jobId}_${i}.log`).sort());

  const g = cli(['table', file, '--configs', 'STANDARD,IIT', '--seeds', '2', '--store', store, '--json']);
  assert.equal(g.code, 0, g.stderr);
  const gathered = JSON.parse(g.stdout) as Table;
  for (const c of ['STANDARD', 'IIT']) {
    assert.deepEqual(
      gathered.rows[c]!.runs.map((x) => x.reused),
      [true, true],
      'the gathered table trains nothing',
    );
    assert.deepEqual(gathered.rows[c]!.train, local.rows[c]!.train, `${c} train`);
    assert.deepEqual(gathered.rows[c]!.test, local.rows[c]!.test, `${c} test`);
  }

  // A second submission sends nothing: every cell is finished in the store.
  const again = cli(['sweep', file, '--slurm', '--configs', 'STANDARD,IIT', ...common, '--store', store]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /every cell is finished/);
  assert.deepEqual(status(store).jobs, [sub.jobId]);
});

test("a requeued task resumes in its array; a cancelled one on resubmission: both to an uninterrupted run's report", async () => {
  assert.ok(local, 'needs the local table of the first test');
  const store = path.join(tmp, 'cancelled');
  const args = ['sweep', file, '--slurm', '--configs', 'IIT', ...common, '--store', store, '--checkpoint-every', '200'];
  const r = cli([...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const { jobId } = JSON.parse(r.stdout) as { jobId: string };

  // Once both cells have trained some steps: Slurm requeues IIT-seed0 (task 0), as a preemption would, and
  // IIT-seed1 (task 1) is cancelled.
  const trained = (c: Cell) => c.state === 'running' && (c.step ?? 0) > 0;
  await waitFor(store, 'both cells training', (s) => s.cells.every(trained) || settled(s));
  const slurm = (...a: string[]) => {
    const k = spawnSync(a[0]!, a.slice(1), { env: cluster.env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(k.status, 0, `${a.join(' ')}: ${k.stderr}`);
  };
  slurm('scancel', `${jobId}_1`);
  slurm('scontrol', 'requeue', `${jobId}_0`);
  // A requeued task waits for a begin time (about 100 s); the test lets it start at once.
  await waitFor(store, 'the requeued task back in the queue', (s) => s.cells[0]!.state === 'queued', 2);
  slurm('scontrol', 'update', `JobId=${jobId}_0`, 'StartTime=now');
  const s = await waitFor(store, 'the requeued cell finished and the cancelled one gone', settled);
  assert.equal(s.cells[0]!.state, 'finished', JSON.stringify(s.cells));
  const requeuedLog = readFileSync(path.join(store, 'sweep', 'logs', `${jobId}_0.log`), 'utf8');
  assert.match(requeuedLog, /DUE TO JOB REQUEUE/, requeuedLog);
  const resumedAt = /stopped at step (\d+)/.exec(requeuedLog)?.[1];
  assert.ok(resumedAt && Number(resumedAt) > 0, requeuedLog);
  assert.match(requeuedLog, new RegExp(`resuming at step ${resumedAt}\\b`), requeuedLog);
  const report = (dir: string, cell: string) =>
    JSON.parse(readFileSync(path.join(dir, cell, 'report.json'), 'utf8')) as { metrics: unknown };
  assert.deepEqual(report(store, 'IIT-seed0').metrics, report(path.join(tmp, 'local'), 'IIT-seed0').metrics);

  const cancelled = s.cells[1]!;
  assert.equal(cancelled.state, 'cancelled', JSON.stringify(s.cells));
  assert.ok((cancelled.step ?? 0) > 0 && (cancelled.step ?? 0) < 4000, `stopped mid-run at ${cancelled.step}`);
  assert.ok(existsSync(path.join(store, 'IIT-seed1', 'checkpoint.json')), 'its checkpoint stays');
  assert.ok(!existsSync(path.join(store, 'IIT-seed1', 'report.json')));

  const again = cli([...args, '--json']);
  assert.equal(again.code, 0, again.stderr);
  const resub = JSON.parse(again.stdout) as { jobId: string; cells: { id: string; toRun: boolean }[] };
  assert.deepEqual(
    resub.cells.map((c) => [c.id, c.toRun]),
    [
      ['IIT-seed0', false],
      ['IIT-seed1', true],
    ],
  );
  const done = await waitFor(store, 'the resumed cell finished', settled);
  assert.deepEqual(
    done.cells.map((c) => c.state),
    ['finished', 'finished'],
  );
  const log = readFileSync(path.join(store, 'sweep', 'logs', `${resub.jobId}_1.log`), 'utf8');
  assert.match(log, new RegExp(`resuming at step ${cancelled.step}\\b`), log);
  assert.deepEqual(report(store, 'IIT-seed1').metrics, report(path.join(tmp, 'local'), 'IIT-seed1').metrics);
});

test('a task whose experiment fails: its one-line error in sweep status, nothing stored for the cell', async () => {
  const store = path.join(tmp, 'failing');
  const r = cli(['sweep', failing, '--slurm', '--configs', 'IIT', '--backend', 'wasm', '--store', store]);
  assert.equal(r.code, 0, r.stderr);
  const s = await waitFor(store, 'failed cell', settled);
  const [cell] = s.cells;
  assert.equal(cell!.state, 'failed', JSON.stringify(s.cells));
  assert.match(cell!.error!, /^test\/fixtures\/bad\/sweep-fails\.ts:\d+:\d+: encodeBatch\(\) gave NaN .* — /);
  assert.doesNotMatch(cell!.error!, /\n/);
  assert.deepEqual(readdirSync(store), ['sweep'], 'no run directory for the failed cell');
  const text = cli(['sweep', 'status', '--store', store]);
  assert.match(text.stdout, /IIT-seed0\s+failed .*sweep-fails\.ts:\d+:\d+: encodeBatch/);
});

test('--dry-run prints a script that sbatch --test-only accepts, and writes nothing', () => {
  const store = path.join(tmp, 'dry');
  const r = cli(['sweep', file, '--slurm', '--configs', 'STANDARD,IIT', ...common, '--store', store, '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^#!\/bin\/bash$/m);
  assert.match(r.stdout, /^ {4}3 {2}IIT-seed1 +to train$/m);
  assert.ok(!existsSync(store), 'a dry run writes no store');
  const script = r.stdout.slice(0, r.stdout.indexOf('\n\n') + 1);
  const f = path.join(tmp, 'dry.sbatch');
  writeFileSync(f, script);
  const t = spawnSync('sbatch', ['--test-only', f], { env: cluster.env, encoding: 'utf8', timeout: 30_000 });
  assert.equal(t.status, 0, `${t.stderr}\n${script}`);
  assert.match(t.stderr, /to start at/);
});

test('a resubmission while the array runs sends nothing twice; sweep cancel: every cell not finished reads cancelled', async () => {
  const store = path.join(tmp, 'whole');
  const r = cli(['sweep', file, '--slurm', '--configs', 'IIT', ...common, '--store', store]);
  assert.equal(r.code, 0, r.stderr);
  // Submitted again while the first array holds every cell: nothing is sent twice.
  const twice = cli(['sweep', file, '--slurm', '--configs', 'IIT', ...common, '--store', store, '--json']);
  assert.equal(twice.code, 0, twice.stderr);
  const second = JSON.parse(twice.stdout) as { jobId?: string; cells: { toRun: boolean; queued?: string }[] };
  assert.equal(second.jobId, undefined, twice.stdout);
  assert.ok(
    second.cells.every((c) => !c.toRun && /^\d+_\d$/.test(c.queued ?? '')),
    twice.stdout,
  );
  assert.equal(status(store).jobs.length, 1);
  const c = cli(['sweep', 'cancel', '--store', store]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /cancelled job \d+/);
  const s = await waitFor(store, 'cancelled sweep', settled);
  for (const cell of s.cells) assert.ok(['cancelled', 'finished'].includes(cell.state), JSON.stringify(s.cells));
  assert.ok(
    s.cells.some((x) => x.state === 'cancelled'),
    JSON.stringify(s.cells),
  );
});

test('from the editor: Run on Slurm in the CodeLens, iit/sweepSubmit, the cells polled through iit/sweeps', async () => {
  // The server's default store: the workspace folder's .iit/tables/<experiment> (the repository's ignored .iit).
  const store = path.join(root, '.iit', 'tables', 'sweep-small');
  rmSync(store, { recursive: true, force: true });
  const h = new Harness();
  await h.start({}, { SLURM_CONF: cluster.env.SLURM_CONF! });
  try {
    await h.open(file);
    const lenses = (await h.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: uriOf(file) } })) as {
      command: { title: string; command: string };
    }[];
    assert.ok(
      lenses.some((l) => l.command.command === 'iit.runOnSlurm' && l.command.title === 'Run on Slurm'),
      JSON.stringify(lenses),
    );
    const sub = (await h.conn.sendRequest('iit/sweepSubmit', {
      uri: uriOf(file),
      configs: ['STANDARD'],
      seeds: 1,
      backend: 'wasm',
    })) as { store: string; jobId: string; cells: { id: string; toRun: boolean }[] };
    assert.equal(sub.store, store);
    assert.match(sub.jobId, /^\d+$/);
    assert.deepEqual(
      sub.cells.map((c) => [c.id, c.toRun]),
      [['STANDARD-seed0', true]],
    );
    const end = Date.now() + 8 * 60_000;
    let mine: { store: string; cells: Cell[] } | undefined;
    for (;;) {
      const all = (await h.conn.sendRequest('iit/sweeps', null)) as { store: string; cells: Cell[] }[];
      mine = all.find((x) => x.store === store);
      assert.ok(mine, `iit/sweeps lists the sweep: ${JSON.stringify(all)}`);
      if (mine.cells.every((c) => c.state === 'finished')) break;
      assert.ok(
        mine.cells.every((c) => ['queued', 'running', 'finished'].includes(c.state)),
        JSON.stringify(mine.cells),
      );
      if (Date.now() > end) assert.fail(`not finished within 8 min: ${JSON.stringify(mine.cells)}`);
      await sleep(300);
    }
    assert.ok(existsSync(path.join(store, 'STANDARD-seed0', 'report.json')));
    await assert.rejects(h.conn.sendRequest('iit/sweepCancel', { store: os.tmpdir() }), /outside the workspace/);
    await assert.rejects(
      h.conn.sendRequest('iit/sweepSubmit', { uri: uriOf(file), seeds: 0 }),
      /seeds must be a positive integer/,
    );
  } finally {
    h.stop();
    rmSync(store, { recursive: true, force: true });
  }
});

test('an alignment search (variable × site × k) as a sweep: the search a local run gives', async () => {
  const das = 'samples/das/experiment.ts';
  const std = path.join(tmp, 'das-std');
  const t = cli(['train', das, '--config', 'STANDARD', '--steps', '600', '--backend', 'wasm', '--out', std, '--json']);
  assert.equal(t.code, 0, t.stderr);
  const grid = ['--run', std, '--sites', 'h1,logits', '--dims', '1,4', '--variables', 'WX', '--steps', '150'];
  const localStore = path.join(tmp, 'search-local');
  const l = cli(['search', das, ...grid, '--backend', 'wasm', '--jobs', '1', '--store', localStore, '--json']);
  assert.equal(l.code, 0, l.stderr);
  type Search = { cells: { site: string; dims: number; iia?: number; reused?: boolean; skipped?: string }[] };
  const local = JSON.parse(l.stdout) as Search;

  const store = path.join(tmp, 'search-swept');
  const r = cli(['sweep', das, '--slurm', '--search', ...grid, '--backend', 'wasm', '--store', store, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const sub = JSON.parse(r.stdout) as { cells: { id: string; toRun: boolean }[] };
  // logits has 2 neurons: k 4 there is no cell, as in the local search.
  assert.deepEqual(
    sub.cells.map((c) => [c.id, c.toRun]),
    [
      ['WX-h1-k1', true],
      ['WX-h1-k4', true],
      ['WX-logits-k1', true],
    ],
  );
  const s = await waitFor(store, 'finished search sweep', settled);
  assert.deepEqual(
    s.cells.map((c) => c.state),
    ['finished', 'finished', 'finished'],
    JSON.stringify(s.cells),
  );
  const g = cli(['search', das, ...grid, '--store', store, '--json']);
  assert.equal(g.code, 0, g.stderr);
  const gathered = JSON.parse(g.stdout) as Search;
  assert.deepEqual(
    gathered.cells.filter((c) => !c.skipped).map((c) => c.reused),
    [true, true, true],
    'the gathered search trains nothing',
  );
  assert.deepEqual(
    gathered.cells.map((c) => [c.site, c.dims, c.iia]),
    local.cells.map((c) => [c.site, c.dims, c.iia]),
  );
});

test('without Slurm on the machine, sweep --slurm exits 2 with one line saying what is missing', () => {
  const empty = mkdtempSync(path.join(tmp, 'no-slurm-'));
  const r = cli(['sweep', file, '--slurm', '--store', path.join(tmp, 'none')], { ...process.env, PATH: empty });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^iit-studio: .*sbatch, squeue, scancel are not on PATH/);
  assert.match(r.stderr, /slurm-client/);
  assert.ok(!existsSync(path.join(tmp, 'none')));
});
