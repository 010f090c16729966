/**
 * `iit-studio table`'s output: Table 1's layout as text or Markdown, the paper's numbers beside ours for an experiment
 * the paper measured (MNIST-PVR).
 */
import type { Stat, TableResult } from '../app/table';

const f2 = (x: number) => x.toFixed(2);
const withStd = (s: Stat, seeds: number) => (seeds > 1 ? `${f2(s.mean)} ± ${f2(s.std)}` : f2(s.mean));

function cells(t: TableResult): { name: string; ours: string[]; paper?: string[] }[] {
  return Object.entries(t.rows).map(([name, r]) => {
    const p = t.paper[name];
    return {
      name,
      ours: [
        withStd(r.train.behavioral, r.seeds),
        withStd(r.test.behavioral, r.seeds),
        withStd(r.train.iia, r.seeds),
        withStd(r.test.iia, r.seeds),
      ],
      paper: p ? [p.train.behavioral, p.test.behavioral, p.train.iia, p.test.iia].map(f2) : undefined,
    };
  });
}

/** The data line: the data set's name and source when the experiment declares them, and the digest. */
function dataLine(t: TableResult): string {
  const d = t.data;
  const what = d.name ? `${d.name}${d.source ? ` from ${d.source}` : ''}; ` : '';
  return `data: ${what}digest ${d.digest}`;
}

/** Whether any row has the paper's numbers (only an experiment the paper measured has them, see `runTable`). */
const hasPaper = (t: TableResult) => Object.keys(t.paper).length > 0;

/** Table 1's layout as text: our numbers, and the paper's beneath each row when the experiment has them. */
export function formatTable(t: TableResult): string {
  const seeds = Object.values(t.rows)[0]?.seeds ?? 0;
  const head = ['', 'behaviour train', 'behaviour test', 'IIA train', 'IIA test'];
  const rows: string[][] = [head];
  for (const c of cells(t)) {
    rows.push([c.name, ...c.ours]);
    if (c.paper) rows.push(['  paper', ...c.paper]);
  }
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('   '));
  return [
    `${t.experiment}${t.data.name ? ` on ${t.data.name}` : ''}: accuracy in %, ${seeds} seed${seeds === 1 ? '' : 's'}${seeds > 1 ? ' (mean ± std)' : ''}${hasPaper(t) ? '; paper: Table 1 (ResNet-18, MNIST-PVR)' : ''}`,
    ...lines,
    dataLine(t),
    `wall time ${t.wallSeconds.toFixed(0)} s`,
  ].join('\n');
}

/** The same as a Markdown table, after a line naming the data. */
export function markdownTable(t: TableResult): string {
  const paper = hasPaper(t);
  const out = [
    `${dataLine(t).replace(/^data/, 'Data')}`,
    '',
    `| configuration | behaviour train | behaviour test | IIA train | IIA test |${paper ? ' paper (Table 1) |' : ''}`,
    `| --- | ---: | ---: | ---: | ---: |${paper ? ' --- |' : ''}`,
  ];
  for (const c of cells(t))
    out.push(`| ${c.name} | ${c.ours.join(' | ')} |${paper ? ` ${c.paper ? c.paper.join(' / ') : '—'} |` : ''}`);
  return out.join('\n');
}
