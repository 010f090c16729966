import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { tf } from 'iit-studio';
import { trainRun } from '../../server/app/train';
import type { Report } from '../../server/protocol/results';
import type { RunView } from '../../server/protocol/webview';
import { heatmapSvg, lineChartSvg, stackSvgs } from '../../webview/charts';
import {
  accuracyCurves,
  comparisonTable,
  gridHeatmaps,
  isSweep,
  runHeatmaps,
  splitHeatmap,
  sweepHeatmap,
  sweepLines,
  typedHeatmap,
} from '../../webview/results';
import { compareSections } from '../../webview/exports';
import { DEFAULT_THEME, mix, parseColor, textOn, themeFrom } from '../../webview/theme';
import { findAll, parseXml, textOf } from './webview-xml';

const root = path.resolve(import.meta.dirname, '../..');
let tmp: string;
let report: Report;

function view(r: Report, extra: Partial<RunView> = {}): RunView {
  return {
    id: 'r1',
    experiment: r.experiment,
    config: r.config,
    backend: r.backend,
    seed: r.seed,
    status: 'finished',
    startedAt: '2026-01-01T00:00:00Z',
    report: r,
    history: [],
    losses: [],
    ...extra,
  };
}

before(async () => {
  await tf.setBackend('cpu');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-webview-'));
  report = (await trainRun({ file: path.join(root, 'samples/conjunction/figure1.ts'), out: path.join(tmp, 'run') }))
    .report;
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('variable × split heatmap of Figure 1 reads 100% for V1, V2 and overall', () => {
  const h = splitHeatmap(view(report))!;
  assert.deepEqual(h.rows, ['V1', 'V2', 'overall']);
  assert.deepEqual(h.cols, ['train']);
  const svg = parseXml(heatmapSvg(h, DEFAULT_THEME));
  assert.equal(svg.name, 'svg');
  assert.equal(svg.attrs['data-kind'], 'split');
  const cells = findAll(svg, (e) => e.attrs.class?.startsWith('cell') ?? false);
  assert.equal(cells.length, 3);
  assert.deepEqual(
    cells.map((c) => textOf(findAll(c, (e) => e.name === 'text')[0]!)),
    ['100%', '100%', '100%'],
  );
});

test('Figure 1 before training: base × source grids mark exactly the 6 mismatching interventions', () => {
  const labels = ['(F,F)', '(F,T)', '(T,F)', '(T,T)'];
  const grids = gridHeatmaps(view(report, { inputLabels: { train: labels } }), report.before);
  assert.equal(grids.length, 2);
  const marked = grids.flatMap((g) =>
    findAll(parseXml(heatmapSvg(g, DEFAULT_THEME)), (e) => e.attrs.class === 'cell mismatch'),
  );
  assert.equal(marked.length, 6);
  // Figure 1c: base (F,T), source (T,F) for V1 is one of them, and carries its pair for the debugger.
  const v1 = marked.filter((c) => c.attrs['data-variable'] === 'V1');
  assert.ok(
    v1.some(
      (c) =>
        c.attrs['data-base'] === '1' &&
        c.attrs['data-source'] === '2' &&
        c.attrs['data-row'] === '(F,T)' &&
        c.attrs['data-col'] === '(T,F)',
    ),
  );
  // After the IIT step none mismatch.
  const afterGrids = gridHeatmaps(view(report));
  assert.equal(
    afterGrids.flatMap((g) => findAll(parseXml(heatmapSvg(g, DEFAULT_THEME)), (e) => e.attrs.class === 'cell mismatch'))
      .length,
    0,
  );
  assert.equal(runHeatmaps(view(report)).length, 3);
});

test('typed heatmap: source × target matrix from the typed swap keys', () => {
  const h = typedHeatmap(
    { overall: 0.5, byVariable: {}, pairs: 4, exact: true, typed: { A: 1, B: 0.75, 'A→B': 0.5, 'B→A': 0.25 } },
    'test',
  )!;
  assert.deepEqual(h.rows, ['A', 'B']);
  assert.deepEqual(h.values, [
    [1, 0.5],
    [0.25, 0.75],
  ]);
  const texts = findAll(parseXml(heatmapSvg(h, DEFAULT_THEME)), (e) => e.attrs.class === 'cell').map((c) =>
    textOf(findAll(c, (e) => e.name === 'text')[0]!),
  );
  assert.deepEqual(texts, ['100%', '50%', '25%', '75%']);
  assert.equal(typedHeatmap({ overall: 1, byVariable: {}, pairs: 1, exact: true }, 'x'), undefined);
});

test('sweep heatmap: variable × layer over runs of one experiment aligned to different sites', () => {
  const mk = (site: string, v: number): RunView => ({
    ...view(report),
    id: site,
    config: `layer-${site}`,
    sites: { QP: site },
    report: {
      ...report,
      metrics: {
        test: { behavioral: 1, examples: 1, iia: { overall: v, byVariable: { QP: v }, pairs: 1, exact: true } },
      },
    },
  });
  const runs = [mk('L0', 0.2), mk('L6', 1)];
  assert.ok(isSweep(runs));
  const h = sweepHeatmap(runs)!;
  assert.deepEqual(h.rows, ['QP']);
  assert.deepEqual(h.cols, ['L0 (layer-L0)', 'L6 (layer-L6)']);
  assert.deepEqual(h.values, [[0.2, 1]]);
  parseXml(heatmapSvg(h, DEFAULT_THEME));
  assert.ok(!isSweep([runs[0]!, { ...runs[1]!, experiment: 'other' }]));
});

test("Figure 4's panels: behaviour and IIA by layer, a line per configuration of a layer sweep", () => {
  const mk = (config: string, layer: number, b: number, v: number): RunView => ({
    ...view(report),
    id: `${config}-${layer}`,
    config: `${config} @ layer${layer}`,
    sites: { QP_obj: `layer${layer}` },
    report: {
      ...report,
      metrics: {
        test: { behavioral: b, examples: 1, iia: { overall: v, byVariable: { QP_obj: v }, pairs: 1, exact: true } },
      },
    },
  });
  const runs = [
    mk('IIT', 4, 0.9, 0.8),
    mk('STANDARD', 0, 0.5, 0.2),
    mk('IIT', 0, 0.6, 0.4),
    mk('STANDARD', 4, 0.5, 0.3),
  ];
  assert.ok(isSweep(runs));
  const [behaviour, iia] = sweepLines(runs)!;
  assert.equal(behaviour!.xLabel, 'layer');
  assert.deepEqual(
    behaviour!.series.map((s) => [s.name, s.points]),
    [
      [
        'IIT',
        [
          [0, 0.6],
          [4, 0.9],
        ],
      ],
      [
        'STANDARD',
        [
          [0, 0.5],
          [4, 0.5],
        ],
      ],
    ],
  );
  assert.deepEqual(iia!.series.find((s) => s.name === 'IIT')!.points, [
    [0, 0.4],
    [4, 0.8],
  ]);
  parseXml(lineChartSvg(iia!, DEFAULT_THEME));
  // The comparison view draws them under the sweep heatmap.
  const [section] = compareSections(runs);
  assert.deepEqual(
    section!.curves.map((c) => c.title),
    ['behaviour on test by layer', 'IIA on test by layer'],
  );
  // One site is no sweep of layers.
  assert.equal(sweepLines([runs[0]!, { ...runs[0]!, id: 'x', config: 'MULTI @ layer4' }]), undefined);
});

test('comparison table orders train before test, behaviour before IIA (Table 1)', () => {
  const m = (b: number, i: number) => ({
    behavioral: b,
    examples: 1,
    iia: { overall: i, byVariable: {}, pairs: 1, exact: true },
  });
  const r = view({ ...report, metrics: { test: m(0.9, 0.8), train: m(1, 0.99) } });
  const t = comparisonTable([r]);
  assert.deepEqual(t.columns, ['behaviour train', 'behaviour test', 'IIA train', 'IIA test']);
  assert.deepEqual(t.rows[0]!.cells, [1, 0.9, 0.99, 0.8]);
});

test('line charts and stacked exports are well-formed SVG with one path per series', () => {
  const r = view(report, {
    history: [
      { step: 0, metrics: report.before! },
      { step: 1, metrics: report.metrics },
    ],
  });
  const svg = lineChartSvg(accuracyCurves(r), DEFAULT_THEME);
  const doc = parseXml(svg);
  assert.equal(findAll(doc, (e) => e.name === 'path').length, 2);
  const stacked = parseXml(stackSvgs([svg, heatmapSvg(splitHeatmap(r)!, DEFAULT_THEME)], DEFAULT_THEME));
  assert.equal(stacked.attrs.xmlns, 'http://www.w3.org/2000/svg');
  assert.equal(findAll(stacked, (e) => e.name === 'svg').length, 3);
  assert.ok(Number(stacked.attrs.height) > 260);
});

test('labels with markup are escaped, and no style attributes are used (strict CSP)', () => {
  const svg = heatmapSvg(
    { kind: 'x', title: '<b>&"\'', rowTitle: 'r', colTitle: 'c', rows: ['a<b'], cols: ['c&d'], values: [[0.5]] },
    DEFAULT_THEME,
  );
  const doc = parseXml(svg);
  assert.equal(textOf(findAll(doc, (e) => e.name === 'title')[0]!), '<b>&"\'');
  assert.ok(!/\sstyle=/.test(svg));
});

test('theme: colours come from the CSS variables; cell text keeps contrast in dark and light themes', () => {
  const vars: Record<string, string> = {
    '--vscode-editor-background': '#1e1e1e',
    '--vscode-foreground': '#cccccc',
    '--vscode-charts-blue': 'rgba(55, 148, 255, 1)',
    '--vscode-contrastBorder': '#6fc3df',
  };
  const t = themeFrom((n) => vars[n] ?? '');
  assert.equal(t.background, '#1e1e1e');
  assert.equal(t.border, '#6fc3df');
  assert.deepEqual(parseColor('#abc'), [170, 187, 204, 1]);
  assert.equal(mix('#000000', '#ffffff', 0.5), '#808080');
  assert.equal(textOn('#000000', '#ffffff', '#111111'), '#ffffff');
  assert.equal(textOn('#ffffff', '#eeeeee', '#111111'), '#111111');
  const svg = heatmapSvg(splitHeatmap(view(report))!, t);
  assert.ok(svg.includes('stroke="#6fc3df"'), 'high-contrast border drawn');
});
