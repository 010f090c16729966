/**
 * `iit-studio align` (DAS's align mode) as a user runs it: a network trained on the task alone, then its rotation
 * learned on the frozen network (samples/das). The aligned run keeps the network bit for bit, carries the rotation
 * in its weights, and `eval` reproduces its report; bad requests are one line and leave nothing behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readWeights } from '../../server/runs/weights';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-align-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const sample = 'samples/das/experiment.ts';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/iit-studio.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const bits = (xs: number[]) => Buffer.from(Float32Array.from(xs).buffer).toString('base64');

test('align learns a rotation on a frozen network: weights unchanged, IIA up, eval reproduces it', () => {
  const std = path.join(tmp, 'std');
  const t = cli('train', sample, '--config', 'STANDARD', '--steps', '600', '--out', std, '--json');
  assert.equal(t.code, 0, t.stderr);
  const trained = JSON.parse(t.stdout);

  const das = path.join(tmp, 'das');
  const a = cli('align', sample, '--run', std, '--steps', '400', '--out', das, '--json');
  assert.equal(a.code, 0, a.stderr);
  const aligned = JSON.parse(a.stdout);
  assert.equal(aligned.config, 'DAS');

  // The network is the trained one, bit for bit; the rotation is new.
  const before = readWeights(std)!;
  const after = readWeights(das)!;
  const rotation = 'rotate.h1.householder';
  assert.ok(after[rotation], `the aligned run saves ${rotation}`);
  assert.ok(!before[rotation]);
  for (const [name, v] of Object.entries(before)) assert.equal(bits(after[name]!.values), bits(v.values), name);
  assert.equal(aligned.metrics.test.behavioral, trained.metrics.test.behavioral);

  // What the rotation finds: the neuron halves of h1 do not hold WX and YZ, a learned basis of h1 does.
  assert.ok(
    aligned.metrics.test.iia.overall > trained.metrics.test.iia.overall + 0.1,
    `DAS IIA ${aligned.metrics.test.iia.overall} vs neuron halves ${trained.metrics.test.iia.overall}`,
  );

  // The run says where it came from and that the network was frozen, so a resume does the same.
  const config = JSON.parse(readFileSync(path.join(das, 'config.json'), 'utf8'));
  assert.equal(config.from.runId, path.basename(std));
  assert.equal(config.overrides.freeze, 'network');
  assert.equal(config.resolved.training.freeze, 'network');

  const e = cli('eval', sample, '--run', das, '--json');
  assert.equal(e.code, 0, e.stderr);
  assert.deepEqual(JSON.parse(e.stdout).metrics, aligned.metrics);
});

test('align refuses a configuration with nothing to learn and a run that is not finished, leaving nothing', () => {
  const std = path.join(tmp, 'std2');
  assert.equal(cli('train', sample, '--config', 'STANDARD', '--steps', '50', '--out', std).code, 0);

  const out = path.join(tmp, 'refused');
  const noBasis = cli('align', sample, '--run', std, '--config', 'STANDARD', '--out', out);
  assert.equal(noBasis.code, 2);
  assert.match(noBasis.stderr, /experiment\.ts:\d+:\d+: align: configuration STANDARD aligns no variable with rotate/);
  assert.equal(noBasis.stderr.trim().split('\n').length, 1, noBasis.stderr);
  assert.ok(!existsSync(out));

  const noRun = cli('align', sample, '--out', out);
  assert.equal(noRun.code, 2);
  assert.match(noRun.stderr, /align needs --run DIR/);

  // A run stopped before its end has no final weights to align.
  rmSync(path.join(std, 'report.json'));
  const unfinished = cli('align', sample, '--run', std, '--out', out);
  assert.equal(unfinished.code, 2);
  assert.match(unfinished.stderr, /is not a finished run/);
  assert.ok(!existsSync(out));
});

test('search: a site × k grid per variable, side by side, the best cell, and a second search reuses every cell', () => {
  const std = path.join(tmp, 'std-search');
  assert.equal(cli('train', sample, '--config', 'STANDARD', '--steps', '600', '--out', std).code, 0);
  const store = path.join(tmp, 'search');
  const args = ['search', sample, '--run', std, '--sites', 'h1,logits', '--dims', '1,4', '--steps', '150'];
  const r = cli(...args, '--store', store, '--jobs', '2', '--json');
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.deepEqual(s.variables, ['WX', 'YZ']);
  assert.equal(s.split, 'test');
  assert.equal(s.cells.length, 8);
  // logits has 2 neurons: k = 4 does not fit there and is not run.
  const skipped = s.cells.filter((c: { skipped?: string }) => c.skipped);
  assert.deepEqual(
    skipped.map((c: { variable: string; site: string; dims: number }) => `${c.variable}-${c.site}-${c.dims}`),
    ['WX-logits-4', 'YZ-logits-4'],
  );
  for (const c of s.cells.filter((c: { skipped?: string }) => !c.skipped)) {
    assert.ok(c.iia >= 0 && c.iia <= 1, JSON.stringify(c));
    assert.ok(existsSync(path.join(c.runDir, 'report.json')), c.runDir);
  }
  // h1 holds both variables (the network computes them there); the output layer, after they are combined, does not.
  for (const v of ['WX', 'YZ']) {
    assert.equal(s.best[v].site, 'h1', JSON.stringify(s.best[v]));
    const at = (site: string, dims: number) =>
      s.cells.find(
        (c: { variable: string; site: string; dims: number }) => c.variable === v && c.site === site && c.dims === dims,
      );
    assert.ok(
      at('h1', 4).iia > at('logits', 1).iia + 0.2,
      `${v}: h1 ${at('h1', 4).iia} vs logits ${at('logits', 1).iia}`,
    );
  }

  const again = cli(...args, '--store', store);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /0 of 8 cells to train/);
  assert.match(again.stdout, /best WX: h1, k=\d/);

  const bad = cli('search', sample, '--run', std, '--sites', 'h7', '--dims', '2', '--store', store);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /search: the network has no site 'h7' — use some of h1, h2, logits/);
});
