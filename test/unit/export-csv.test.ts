import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunView } from '../../server/protocol/webview';
import { comparisonCsv, heatmapsCsv, toCsv } from '../../webview/results';
import { parseCsv } from './export-csv-reader';

test('toCsv round-trips commas, quotes and line breaks', () => {
  const rows = [
    ['a', 'b,c', 'say "hi"', 'two\nlines', ''],
    [1, 0.5, null, undefined, 'x'],
  ];
  const back = parseCsv(toCsv(rows));
  assert.deepEqual(back, [
    ['a', 'b,c', 'say "hi"', 'two\nlines', ''],
    ['1', '0.5', '', '', 'x'],
  ]);
});

test('heatmap CSV has one row per cell with a header', () => {
  const csv = heatmapsCsv([
    {
      kind: 'grid',
      title: 'V1, base × source',
      rowTitle: 'base',
      colTitle: 'source',
      rows: ['(F,F)', '(F,T)'],
      cols: ['(F,F)', '(F,T)'],
      values: [
        [1, 0],
        [1, 1],
      ],
    },
  ]);
  const rows = parseCsv(csv);
  assert.deepEqual(rows[0], ['heatmap', 'title', 'row_kind', 'row', 'column_kind', 'column', 'value']);
  assert.equal(rows.length, 5);
  assert.deepEqual(rows[2], ['grid', 'V1, base × source', 'base', '(F,F)', 'source', '(F,T)', '0']);
  assert.ok(rows.every((r) => r.length === 7));
});

test('comparison CSV lays runs out as Table 1', () => {
  const m = (b: number, i: number) => ({
    behavioral: b,
    examples: 10,
    iia: { overall: i, byVariable: {}, pairs: 10, exact: true },
  });
  const run = (config: string, train: [number, number], testM: [number, number]): RunView => ({
    id: config,
    experiment: 'pvr',
    config,
    backend: 'cpu',
    seed: 0,
    status: 'finished',
    startedAt: '2026-01-01T00:00:00Z',
    history: [{ step: 1, metrics: { train: m(...train), test: m(...testM) } }],
    losses: [],
  });
  const rows = parseCsv(
    comparisonCsv([run('standard', [0.991, 0.888], [0, 0.206]), run('iit', [0.996, 0.99], [0.9393, 0.9485])]),
  );
  assert.deepEqual(rows[0], ['run', 'config', 'backend', 'behaviour train', 'behaviour test', 'IIA train', 'IIA test']);
  assert.deepEqual(rows[2], ['pvr iit #0', 'iit', 'cpu', '0.996', '0.9393', '0.99', '0.9485']);
});
