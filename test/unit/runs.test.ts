/**
 * server/runs, the one owner of the run directory: weights that TensorFlow.js
 * reads back, checkpoints that round-trip, a run's life (create, metrics and
 * losses, rewind for a resume, finish) as every reader sees it, deletion that
 * refuses anything but a run, and no other code naming the run's files.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { tf } from 'iit-studio';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointState } from '../../server/runs/checkpoint';
import type { RunConfig } from '../../server/runs/config';
import { RUN_FILES } from '../../server/runs/layout';
import { listRuns, readRun } from '../../server/runs/list';
import { deleteRun } from '../../server/runs/remove';
import { RunDir } from '../../server/runs/runDir';
import { bestIia, listRunViews, readRunView } from '../../server/runs/view';
import { readWeights, writeWeights } from '../../server/runs/weights';
import type { Metrics, Report } from '../../server/protocol/results';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-runs-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const config = (runId: string): RunConfig => ({
  runId,
  experiment: 'xor',
  file: path.join(root, 'test/fixtures/ext/xor.ts'),
  config: 'default',
  seed: 3,
  backend: 'cpu',
  checkpointEvery: 10,
  startTime: '2026-12-02T10:00:00.000Z',
  resolved: { alignment: { A: { site: 'h1' } } },
  data: '0123456789abcdef',
  inputLabels: { train: ['(F,F)', '(T,T)'] },
});

const metrics = (train: number, test?: number): Metrics => {
  const split = (iia: number) => ({
    behavioral: 1,
    examples: 4,
    iia: { overall: iia, byVariable: { A: iia }, pairs: 16, exact: true },
  });
  return { train: split(train), ...(test !== undefined ? { test: split(test) } : {}) };
};

test('weights: model.json + weights.bin that TensorFlow.js decodes to the same values', async () => {
  const dir = path.join(tmp, 'weights');
  mkdirSync(dir);
  const values = { W1: { shape: [2, 3], values: [0.5, -1, 2.25, 3, 1e-7, -0] }, b: { shape: [1], values: [-0.9488] } };
  writeWeights(dir, values);
  const manifest = JSON.parse(readFileSync(path.join(dir, RUN_FILES.model), 'utf8'));
  const buf = readFileSync(path.join(dir, RUN_FILES.weights));
  const decoded = tf.io.decodeWeights(
    buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
    manifest.weightsManifest[0].weights,
  );
  assert.deepEqual(Object.keys(decoded), ['W1', 'b']);
  assert.deepEqual(decoded.W1!.shape, [2, 3]);
  assert.deepEqual(Array.from(await decoded.W1!.data()), Array.from(Float32Array.from(values.W1.values)));
  assert.deepEqual(Array.from(await decoded.b!.data()), Array.from(Float32Array.from(values.b.values)));
  Object.values(decoded).forEach((t) => t.dispose());
  assert.deepEqual(readWeights(dir), {
    W1: { shape: [2, 3], values: Array.from(Float32Array.from(values.W1.values)) },
    b: { shape: [1], values: Array.from(Float32Array.from(values.b.values)) },
  });
});

test('checkpoint: weights, optimizer slots and the trainer state round-trip as float32', () => {
  const cp: CheckpointState = {
    step: 40,
    time: '2026-12-02T10:01:00.000Z',
    before: metrics(0.8125),
    weights: { W: { shape: [2], values: [0.25, -3] } },
    trainer: {
      step: 40,
      rng: 12345,
      cursor: 7,
      order: 'AAAA',
      optimizer: { step: 40, slots: { W: [{ shape: [2], values: [1, 2] }] } },
    },
  };
  assert.deepEqual(decodeCheckpoint(encodeCheckpoint(cp)), cp);
});

test('a run: config first, metrics and losses as they come, rewound for a resume, finished with weights and report', () => {
  const dir = path.join(tmp, 'runs', 'r1');
  const run = RunDir.create(dir, config('r1'));
  assert.throws(() => RunDir.create(dir, config('r1')), /already exists/);
  run.addLosses(1, { task: 0.7 });
  run.addLosses(2, { task: 0.6 });
  run.appendMetrics(2, metrics(0.5, 0.25));
  run.addLosses(3, { task: 0.5 });
  run.appendMetrics(4, metrics(0.75, 0.5));
  run.writeCheckpoint({
    step: 2,
    time: new Date().toISOString(),
    weights: { W: { shape: [1], values: [1] } },
    trainer: { step: 2, optimizer: { step: 2, slots: {} } },
  });
  run.writeStatus({ status: 'cancelled', step: 4 });
  const stopped = readRunView(dir)!;
  assert.equal(stopped.status, 'cancelled');
  assert.equal(stopped.step, 2, "an unfinished run's step is its checkpoint's");
  assert.equal(stopped.resumable, true);
  assert.deepEqual(
    stopped.losses.map((l) => l.step),
    [1, 2, 3],
  );
  assert.deepEqual(stopped.inputLabels, { train: ['(F,F)', '(T,T)'] });
  assert.deepEqual(stopped.sites, { A: 'h1' });
  assert.equal(stopped.startedAt, '2026-12-02T10:00:00.000Z');
  assert.equal(readRun(dir)!.status, 'cancelled');
  assert.equal(readRun(dir)!.bestIia, undefined, 'bestIia is for finished runs');

  const again = RunDir.open(dir);
  assert.equal(again.readCheckpoint()!.step, 2);
  again.rewindTo(2);
  const rewound = readRunView(dir)!;
  assert.deepEqual(
    rewound.history.map((h) => h.step),
    [2],
  );
  assert.deepEqual(
    rewound.losses.map((l) => l.step),
    [1, 2],
  );
  assert.equal(rewound.status, 'failed', 'no status and no report while it runs again: a kill reads as failed');

  again.addLosses(3, { task: 0.4 });
  const report: Report = {
    experiment: 'xor',
    config: 'default',
    backend: 'cpu',
    seed: 3,
    steps: 4,
    metrics: metrics(1, 0.75),
    timing: { trainSeconds: 1, examplesPerSecond: 10 },
  };
  again.finish(report, { W: { shape: [1], values: [2] } });
  assert.ok(!existsSync(path.join(dir, RUN_FILES.checkpoint)), 'a finished run needs no checkpoint');
  const done = readRunView(dir)!;
  assert.equal(done.status, 'finished');
  assert.equal(done.step, 4);
  assert.deepEqual(done.report, report);
  assert.equal(done.resumable, undefined);
  assert.deepEqual(
    done.losses.map((l) => l.step),
    [1, 2, 3],
  );
  // One rule for the best IIA: held-out splits over train, over every evaluation and the report.
  assert.equal(bestIia(done), 0.75);
  assert.equal(readRun(dir)!.bestIia, bestIia(done));
  assert.equal(bestIia({ history: [{ metrics: metrics(0.9) }] }), 0.9, 'train only: train counts');
});

test('listRuns: runs oldest first, hidden and non-run folders skipped; a torn metrics line is skipped', () => {
  const runs = path.join(tmp, 'list');
  const a = RunDir.create(path.join(runs, 'a'), config('a'));
  a.appendMetrics(1, metrics(0.5));
  writeFileSync(
    path.join(runs, 'a', RUN_FILES.metrics),
    readFileSync(path.join(runs, 'a', RUN_FILES.metrics), 'utf8') + '{"step": 2, "metr',
  );
  RunDir.create(path.join(runs, '.partial'), config('partial'));
  mkdirSync(path.join(runs, 'not-a-run'));
  const later = RunDir.create(path.join(runs, 'b'), config('b'));
  const t = statSync(path.join(runs, 'a', RUN_FILES.config)).mtime;
  const next = new Date(t.getTime() + 5000);
  utimesSync(path.join(later.dir, RUN_FILES.config), next, next);
  assert.deepEqual(
    listRuns(runs).map((r) => r.runId),
    ['a', 'b'],
  );
  assert.deepEqual(
    readRunView(path.join(runs, 'a'))!.history.map((h) => h.step),
    [1],
  );
  assert.equal(listRuns(path.join(tmp, 'none')).length, 0);
  // The results view's listing reads the same runs, each once.
  assert.deepEqual(
    listRunViews(runs)
      .map((v) => path.basename(v.id))
      .sort(),
    ['a', 'b'],
  );
  assert.deepEqual(listRunViews(path.join(tmp, 'none')), []);
});

test('leftovers of processes killed mid-write are swept when the run is next opened or listed; live ones stay', () => {
  const runs = path.join(tmp, 'sweep');
  const dir = path.join(runs, 'r');
  RunDir.create(dir, config('r'));
  // A pid that is not running: the highest pid the kernel could give, rarely in use; checked below.
  const dead = 4194303;
  assert.throws(() => process.kill(dead, 0));
  writeFileSync(path.join(dir, `checkpoint.json.tmp-${dead}`), 'torn');
  writeFileSync(path.join(dir, `model.json.tmp-${dead}`), 'torn');
  writeFileSync(path.join(dir, `status.json.tmp-${process.pid}`), 'being written');
  assert.equal(listRuns(runs).length, 1);
  assert.deepEqual(readdirSync(dir).sort(), ['config.json', `status.json.tmp-${process.pid}`]);
  writeFileSync(path.join(dir, `report.json.tmp-${dead}`), 'torn');
  RunDir.open(dir);
  assert.ok(!readdirSync(dir).some((f) => f.includes(`tmp-${dead}`)));
});

test('deleteRun removes a run of the runs directory and refuses anything else', () => {
  const runs = path.join(tmp, 'del');
  RunDir.create(path.join(runs, 'r'), config('r'));
  mkdirSync(path.join(runs, 'plain'));
  const outside = path.join(tmp, 'outside');
  RunDir.create(outside, config('outside'));
  assert.throws(() => deleteRun(outside, runs), /is not a run of/);
  assert.throws(() => deleteRun(runs, runs), /is not a run of/);
  assert.throws(() => deleteRun(path.join(runs, 'plain'), runs), /not a run directory/);
  assert.throws(() => deleteRun(path.join(runs, 'r', '..', '..', 'outside'), runs), /is not a run of/);
  assert.ok(existsSync(outside));
  deleteRun(path.join(runs, 'r'), runs);
  assert.ok(!existsSync(path.join(runs, 'r')));
});

/** Every file of the given folders, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** Other formats' own files that share a run file's name: a Hugging Face checkpoint folder has its config.json. */
const OTHER_FORMATS: Record<string, string[]> = {
  'server/data/bert.ts': ['config.json'],
  'server/data/safetensors.ts': ['config.json'],
};

test("the run directory's file names appear only in server/runs (tests aside)", () => {
  const names = [...Object.values(RUN_FILES), 'losses.json', 'ui.json'];
  const found: string[] = [];
  for (const folder of ['server', 'extension', 'webview', 'scripts', 'bench', 'bin', 'ts-plugin/index.ts'].map((f) =>
    path.join(root, f),
  )) {
    for (const f of statSync(folder).isDirectory() ? files(folder) : [folder]) {
      if (!/\.(ts|mjs|js)$/.test(f) || f.startsWith(path.join(root, 'server', 'runs') + path.sep)) continue;
      const text = readFileSync(f, 'utf8');
      const rel = path.relative(root, f);
      for (const n of names) if (text.includes(n) && !OTHER_FORMATS[rel]?.includes(n)) found.push(`${rel}: ${n}`);
    }
  }
  assert.deepEqual(found, []);
});
