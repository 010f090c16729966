/**
 * Every heatmap type of the results views, from real training runs of a typed
 * fixture (test/fixtures/ext/typed.ts: A and B share a type, four inputs,
 * train and test splits, configurations aligned to h1 and to h2): variable ×
 * split, typed source × target, base × source grids with mismatches marked,
 * the alignment sweep variable × layer, training curves per objective, Table 1,
 * and the SVG and CSV exports built from them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Session, tf } from 'iit-studio';
import { describeExperiment } from '../../server/app/describe';
import { loadExperiment } from '../../server/app/open';
import type { LossPoint, Report } from '../../server/protocol/results';
import type { RunView } from '../../server/protocol/webview';
import { trainRun } from '../../server/app/train';
import { readRunView } from '../../server/runs/view';
import { heatmapSvg } from '../../webview/charts';
import { compareSections, exportCsv, exportSvg, runSections, sectionSvgs } from '../../webview/exports';
import { comparisonTable, isSweep, lossCurves, sweepHeatmap } from '../../webview/results';
import { DEFAULT_THEME } from '../../webview/theme';
import { parseCsv } from './export-csv-reader';
import { findAll, parseXml, textOf, type XmlElement } from './webview-xml';

const root = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(root, 'test/fixtures/ext/typed.ts');
let tmp: string;
const runs: Record<string, RunView> = {};
const reports: Record<string, Report> = {};
let labels: Record<string, string[]>;

/** Trains one configuration as the server does: the run directory records its losses and input labels itself. */
async function trainConfig(config: string): Promise<void> {
  const losses: LossPoint[] = [];
  const out = path.join(tmp, config);
  const { report } = await trainRun({
    file: FIXTURE,
    config,
    backend: 'cpu',
    out,
    hooks: { onStep: (p) => losses.push({ step: p.step, losses: { ...p.losses } }) },
  });
  reports[config] = report;
  runs[config] = readRunView(out)!;
  assert.deepEqual(runs[config].losses, losses, "the run directory holds every step's losses");
  assert.deepEqual(runs[config].inputLabels, labels, "the run directory holds the grids' input labels");
}

const cells = (svg: XmlElement) => findAll(svg, (e) => /^cell( |$)/.test(e.attrs.class ?? ''));
const cellText = (c: XmlElement) => textOf(findAll(c, (e) => e.name === 'text')[0]!);
const pct = (v: number) =>
  `${Number.isInteger(Math.round(v * 10000) / 100) ? Math.round(v * 100) : (v * 100).toFixed(2)}%`;

before(async () => {
  await tf.setBackend('cpu');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-heatmaps-'));
  const exp = await loadExperiment(FIXTURE);
  const session = new Session(exp, exp.resolve('h1'), 0);
  labels = describeExperiment(exp, session).inputLabels!;
  session.dispose();
  await trainConfig('h1');
  await trainConfig('h2');
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('the server describes small splits with input labels in the grids’ order', () => {
  assert.deepEqual(labels, { train: ['(F,F)', '(F,T)', '(T,F)', '(T,T)'], test: ['(F,F)', '(F,T)', '(T,F)', '(T,T)'] });
});

test('variable × split heatmap: one cell per variable and split, reading the report’s IIA', () => {
  const r = runs.h1!;
  const spec = runSections(r)[0]!.heatmaps.find((h) => h.kind === 'split')!;
  assert.deepEqual(spec.rows, ['A', 'B', 'overall']);
  assert.deepEqual(spec.cols, ['train', 'test']);
  const svg = parseXml(heatmapSvg(spec, DEFAULT_THEME));
  const m = reports.h1!.metrics;
  const expected = ['A', 'B'].flatMap((v) => ['train', 'test'].map((s) => pct(m[s]!.iia.byVariable[v]!)));
  expected.push(...['train', 'test'].map((s) => pct(m[s]!.iia.overall)));
  assert.deepEqual(cells(svg).map(cellText), expected);
  // A variable's cell opens a pair of that variable in the debugger; the overall row has no single variable.
  const a = cells(svg)[0]!;
  assert.equal(a.attrs['data-variable'], 'A');
  assert.equal(a.attrs['data-split'], 'train');
  assert.equal(a.attrs['data-run'], r.id);
  assert.equal(cells(svg)[4]!.attrs['data-variable'], undefined);
});

test('typed variables: the source × target matrix holds every typed swap’s IIA', () => {
  for (const config of ['h1', 'h2']) {
    const typed = runSections(runs[config]!)[0]!.heatmaps.filter((h) => h.kind === 'typed');
    assert.deepEqual(
      typed.map((h) => h.title),
      ['Typed interchange — train', 'Typed interchange — test'],
    );
    for (const [i, split] of ['train', 'test'].entries()) {
      const t = reports[config]!.metrics[split]!.iia.typed!;
      assert.deepEqual(typed[i]!.rows, ['A', 'B']);
      assert.deepEqual(typed[i]!.cols, ['A', 'B']);
      assert.deepEqual(typed[i]!.values, [
        [t.A, t['A→B']],
        [t['B→A'], t.B],
      ]);
      const svg = parseXml(heatmapSvg(typed[i]!, DEFAULT_THEME));
      assert.equal(svg.attrs['data-kind'], 'typed');
      const c = cells(svg);
      assert.equal(c.length, 4);
      assert.deepEqual(
        c.map((x) => x.attrs['data-variable']),
        ['A', 'A→B', 'B→A', 'B'],
      );
    }
  }
});

test('base × source grids: one per intervention and split, labelled by input, mismatches marked', () => {
  const r = runs.h2!;
  const sections = runSections(r);
  const grids = sections.find((s) => s.title === 'Interventions: base × source')!.heatmaps;
  // A, B and the typed swaps A→B, B→A, on train and test.
  assert.equal(grids.length, 8);
  const before = sections.find((s) => s.title === 'Before training')!.heatmaps;
  assert.equal(before.length, 8);
  for (const [metrics, specs] of [
    [reports.h2!.metrics, grids],
    [reports.h2!.before!, before],
  ] as const) {
    for (const g of specs) {
      const variable = /^(?:before training — )?(.+): base × source \((\w+)\)$/.exec(g.title)!;
      const grid = metrics[variable[2]!]!.iia.grid![variable[1]!]!;
      assert.deepEqual(g.rows, labels.train);
      const svg = parseXml(heatmapSvg(g, DEFAULT_THEME));
      const cs = cells(svg);
      assert.equal(cs.length, 16);
      // Each cell is ✓ or ✗ as the grid says, marked when it mismatches, and names its pair for the debugger.
      cs.forEach((c, k) => {
        assert.equal(cellText(c), grid[k] ? '✓' : '✗');
        assert.equal(c.attrs.class, grid[k] ? 'cell' : 'cell mismatch');
        assert.equal(c.attrs['data-base'], String(Math.floor(k / 4)));
        assert.equal(c.attrs['data-source'], String(k % 4));
        assert.equal(c.attrs['data-variable'], variable[1]);
      });
    }
  }
  // Before training the untrained network mismatches somewhere; the grids show exactly those cells.
  const mismatchesBefore = before.flatMap((g) =>
    findAll(parseXml(heatmapSvg(g, DEFAULT_THEME)), (e) => e.attrs.class === 'cell mismatch'),
  );
  const zeros = Object.values(reports.h2!.before!)
    .flatMap((s) => Object.values(s.iia.grid!).flat())
    .filter((v) => v === 0);
  assert.ok(zeros.length > 0);
  assert.equal(mismatchesBefore.length, zeros.length);
});

test('alignment sweep: runs aligned to h1 and to h2 compare as a variable × layer heatmap', () => {
  const rs = [runs.h1!, runs.h2!];
  assert.deepEqual(
    rs.map((r) => r.sites),
    [
      { A: 'h1', B: 'h1' },
      { A: 'h2', B: 'h2' },
    ],
  );
  assert.ok(isSweep(rs));
  const h = sweepHeatmap(rs)!;
  assert.equal(h.kind, 'sweep');
  assert.deepEqual(h.rows, ['A', 'B']);
  assert.deepEqual(h.cols, ['h1 (h1)', 'h2 (h2)']);
  assert.deepEqual(
    h.values,
    ['A', 'B'].map((v) => ['h1', 'h2'].map((c) => reports[c]!.metrics.test!.iia.byVariable[v])),
  );
  const sections = compareSections(rs);
  assert.equal(sections.length, 1);
  const svg = parseXml(heatmapSvg(sections[0]!.heatmaps[0]!, DEFAULT_THEME));
  assert.equal(svg.attrs['data-kind'], 'sweep');
  assert.equal(cells(svg).length, 4);
  // One run alone, or runs of different experiments, are no sweep.
  assert.deepEqual(compareSections([runs.h1!]), []);
});

test('Table 1: behaviour and IIA on train and test, one row per run', () => {
  const t = comparisonTable([runs.h1!, runs.h2!]);
  assert.deepEqual(t.columns, ['behaviour train', 'behaviour test', 'IIA train', 'IIA test']);
  for (const [i, c] of ['h1', 'h2'].entries()) {
    const m = reports[c]!.metrics;
    assert.deepEqual(t.rows[i]!.cells, [
      m.train!.behavioral,
      m.test!.behavioral,
      m.train!.iia.overall,
      m.test!.iia.overall,
    ]);
    assert.equal(t.rows[i]!.config, c);
  }
});

test('training curves: accuracy from before training through each evaluation, loss per objective', () => {
  const r = runs.h1!;
  const curves = runSections(r).find((s) => s.title === 'Training curves')!.curves;
  const acc = curves.find((c) => c.kind === 'accuracy')!;
  const iiaTest = acc.series.find((s) => s.name === 'IIA test')!;
  assert.deepEqual(
    iiaTest.points.map((p) => p[0]),
    [0, 40, 80, 120],
  );
  assert.equal(iiaTest.points[0]![1], reports.h1!.before!.test!.iia.overall);
  assert.equal(iiaTest.points.at(-1)![1], reports.h1!.metrics.test!.iia.overall);
  const loss = lossCurves(r);
  assert.deepEqual(loss.series.map((s) => s.name).sort(), ['iit', 'task', 'total', 'typedIit']);
  for (const s of loss.series) {
    assert.equal(s.points.length, 120);
    assert.ok(s.points.every(([, y]) => Number.isFinite(y) && y >= 0));
  }
});

test('SVG export: a standalone document with every heatmap and curve of the view', () => {
  const r = runs.h1!;
  const sections = runSections(r);
  const doc = parseXml(exportSvg(sectionSvgs(sections, DEFAULT_THEME), DEFAULT_THEME));
  assert.equal(doc.name, 'svg');
  assert.equal(doc.attrs.xmlns, 'http://www.w3.org/2000/svg');
  const heatmaps = findAll(doc, (e) => e.name === 'svg' && e.attrs.class === 'heatmap');
  const kinds = heatmaps.map((h) => h.attrs['data-kind']);
  assert.equal(kinds.filter((k) => k === 'split').length, 1);
  assert.equal(kinds.filter((k) => k === 'typed').length, 2);
  assert.equal(kinds.filter((k) => k === 'grid').length, 16);
  assert.deepEqual(
    findAll(doc, (e) => e.name === 'svg' && e.attrs.class === 'linechart').map((e) => e.attrs['data-kind']),
    ['accuracy', 'loss'],
  );
  // Nested charts are stacked without overlapping and the document is tall enough for all of them.
  let y = 0;
  for (const c of doc.children.filter((e) => e.name === 'svg')) {
    assert.ok(Number(c.attrs.y) >= y);
    y = Number(c.attrs.y) + Number(c.attrs.height);
  }
  assert.ok(Number(doc.attrs.height) >= y);
});

test('CSV export: one row per heatmap cell with the drawn value; a comparison starts with Table 1', () => {
  const r = runs.h1!;
  const sections = runSections(r);
  const rows = parseCsv(exportCsv('results', [r], sections));
  const heatmaps = sections.flatMap((s) => s.heatmaps);
  assert.deepEqual(rows[0], ['heatmap', 'title', 'row_kind', 'row', 'column_kind', 'column', 'value']);
  assert.equal(
    rows.length - 1,
    heatmaps.reduce((n, h) => n + h.rows.length * h.cols.length, 0),
  );
  const typedTest = rows.filter((x) => x[0] === 'typed' && x[1] === 'Typed interchange — test');
  assert.deepEqual(
    typedTest.map((x) => [x[3], x[5], Number(x[6])]),
    [
      ['A', 'A', reports.h1!.metrics.test!.iia.typed!.A],
      ['A', 'B', reports.h1!.metrics.test!.iia.typed!['A→B']],
      ['B', 'A', reports.h1!.metrics.test!.iia.typed!['B→A']],
      ['B', 'B', reports.h1!.metrics.test!.iia.typed!.B],
    ],
  );
  const cmp = parseCsv(exportCsv('compare', [runs.h1!, runs.h2!], compareSections([runs.h1!, runs.h2!])));
  assert.deepEqual(cmp[0], ['run', 'config', 'backend', 'behaviour train', 'behaviour test', 'IIA train', 'IIA test']);
  assert.deepEqual(cmp[2]!.slice(1, 3), ['h2', 'cpu']);
  assert.equal(Number(cmp[2]![6]), reports.h2!.metrics.test!.iia.overall);
  // Then a blank record and the sweep's cells.
  assert.deepEqual(cmp[3], ['']);
  assert.equal(cmp.filter((x) => x[0] === 'sweep').length, 4);
});
