/**
 * ReaSCAN end to end through the CLI (dist/cli.js) on test/fixtures/models/reascan-tiny.ts: `table` lays out Figure 3b
 * (exact match and IIA per held-out split for each configuration, the paper's numbers beside), runs report the pairs
 * they dropped, the results view and Compare Runs read the runs (sequence IIA per variable and held-out split), and a
 * generated Figure 3b data file passes `data reascan --check` at 100% and trains as `file:`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { readRunView } from '../../server/runs/view';
import { runSections } from '../../webview/exports';
import { comparisonTable } from '../../webview/results';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-reascan-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const file = 'test/fixtures/models/reascan-tiny.ts';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/iit-studio.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SPLITS = ['novel-color', 'novel-size', 'novel-direction', 'novel-length'];

test('table: Figure 3b per configuration and held-out split, beside the paper; runs count their dropped pairs', () => {
  const store = path.join(tmp, 'store');
  const r = cli('table', file, '--configs', 'STANDARD,IIT+MULTI', '--store', store, '--json');
  assert.equal(r.code, 0, r.stderr);
  const t = JSON.parse(r.stdout);
  const f = t.figure3b;
  assert.deepEqual(
    f.columns.map((c: { split: string }) => c.split),
    SPLITS,
  );
  assert.deepEqual(f.columns[0].variables, ['size', 'color', 'shape']);
  assert.deepEqual(f.columns[3].variables, ['rowDiff', 'colDiff']);
  for (const config of ['STANDARD', 'IIT+MULTI'])
    for (const s of SPLITS)
      for (const m of ['behavioral', 'iia']) {
        const v = f.rows[config][s][m];
        assert.ok(v.mean >= 0 && v.mean <= 100 && v.std === 0, `${config} ${s} ${m}: ${JSON.stringify(v)}`);
      }
  assert.deepEqual(f.paper['IIT+MULTI']['novel-color'], { behavioral: 80.37, iia: 70.73 });
  assert.deepEqual(f.paper.STANDARD['novel-length'], { behavioral: 5.72, iia: 0.3 });

  // Each split's IIA is the mean of its variables' IIAs in the run's own report.
  const report = JSON.parse(readFileSync(path.join(t.rows['IIT+MULTI'].runs[0].runDir, 'report.json'), 'utf8'));
  const byVar = report.metrics['novel-size'].iia.byVariable;
  const mean = (100 * (byVar.size + byVar.color + byVar.shape)) / 3;
  assert.ok(Math.abs(f.rows['IIT+MULTI']['novel-size'].iia.mean - mean) < 1e-9);
  // Pairs without a counterfactual (a description that picks out nothing, a moved push) were dropped and counted.
  assert.ok(report.droppedPairs > 0, `dropped ${report.droppedPairs}`);
  assert.ok(Object.values(report.metrics.train.iia.dropped as Record<string, number>).some((n) => n > 0));

  // The results view's variable × split heatmap and Compare Runs' table over the two runs, every split a column.
  const views = ['STANDARD', 'IIT+MULTI'].map((c) => readRunView(t.rows[c].runs[0].runDir)!);
  const split = runSections(views[1]!)
    .flatMap((x) => x.heatmaps)
    .find((h) => h.kind === 'split')!;
  assert.deepEqual(split.rows, ['size', 'color', 'shape', 'rowDiff', 'colDiff', 'overall']);
  assert.deepEqual(split.cols, ['train', 'test', 'dev', ...SPLITS]);
  const cmp = comparisonTable(views);
  for (const s of SPLITS) assert.ok(cmp.columns.includes(`IIA ${s}`) && cmp.columns.includes(`behaviour ${s}`), s);
  assert.deepEqual(
    cmp.rows.map((r) => r.config),
    ['STANDARD', 'IIT+MULTI'],
  );
  const at = cmp.columns.indexOf('IIA novel-size');
  assert.equal(cmp.rows[1]!.cells[at], report.metrics['novel-size'].iia.overall);

  const text = cli('table', file, '--configs', 'STANDARD,IIT+MULTI', '--store', store);
  assert.equal(text.code, 0, text.stderr);
  assert.doesNotMatch(text.stderr, /: training/);
  assert.match(text.stdout, /paper: Figure 3b/);
  assert.match(text.stdout, /^Figure 3b: exact match\s+novel-color\s+novel-size\s+novel-direction\s+novel-length$/m);
  assert.match(text.stdout, /^IIT\+MULTI \(paper\)\s+80\.37\s+74\.84\s+14\.72\s+25\.82$/m);
  assert.match(text.stdout, /^IIT\+MULTI \(paper\)\s+70\.73\s+75\.34\s+11\.79\s+8\.49$/m);
});

test('a generated Figure 3b file passes --check at 100% and trains as reascanData({ file })', () => {
  const data = path.join(tmp, 'figure3b.txt');
  const g = cli('data', 'reascan', '--generate', data, '--dataset', 'figure3b', '--worlds', '3', '--seed', '4');
  assert.equal(g.code, 0, g.stderr);
  const check = JSON.parse(cli('data', 'reascan', data, '--check', '--json').stdout);
  assert.ok(check.total > 200, `${check.total} examples`);
  assert.equal(check.agree, check.total);
  const json = JSON.parse(readFileSync(data, 'utf8'));
  assert.deepEqual(Object.keys(json.examples).sort(), [
    'dev',
    'new_action_length',
    'new_color',
    'new_size',
    'situational_1',
    'test',
    'train',
  ]);
  // The same experiment on the file: its held-out splits under Figure 3b's names.
  const exp = path.join(tmp, 'from-file.ts');
  writeFileSync(
    exp,
    readFileSync(path.join(root, file), 'utf8')
      .replace(/reascanData\(\{[^}]*\}\)/, `reascanData({ file: ${JSON.stringify(data)}, maxActions: 16 })`)
      .replace("name: 'reascan-tiny'", "name: 'reascan-file'"),
  );
  const ins = cli('inspect', exp, '--json');
  assert.equal(ins.code, 0, ins.stderr);
  const splits = JSON.parse(ins.stdout).splits as Record<string, number>;
  for (const s of ['train', 'test', ...SPLITS]) assert.ok(splits[s]! > 0, `${s}: ${splits[s]}`);
  const run = cli('train', exp, '--config', 'IIT', '--steps', '2', '--out', path.join(tmp, 'run'), '--json');
  assert.equal(run.code, 0, run.stderr);
});
