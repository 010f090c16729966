/**
 * `iit-studio table`'s output: Table 1's layout as text or Markdown, the paper's numbers beside ours for an experiment
 * the paper measured (MNIST-PVR), Figure 4's panels (configuration × layer) for a layer sweep and Figure 3b's
 * (configuration × held-out split, beside the paper's) for ReaSCAN.
 */
import type { Stat, TableResult } from '../app/table';
import type { Figure3bNumbers } from '../app/table';

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

/** `<configuration> @ <site>`: a configuration of a layer sweep (e.g. MQNLI's `IIT @ layer4`, Figure 4). */
const SWEPT = /^(.+?) @ (\S+)$/;

interface Panels {
  configs: string[];
  sites: string[];
  /** [panel][config][site]: the test split's behaviour and IIA, or undefined where that cell was not run. */
  values: { title: string; at: (config: string, site: string) => string | undefined }[];
}

/**
 * Figure 4's two panels, when the rows are configurations swept over two or more sites: behaviour and IIA on the test
 * split, a row per configuration and a column per site.
 */
function sweepPanels(t: TableResult): Panels | undefined {
  const swept = Object.keys(t.rows).map((n) => SWEPT.exec(n));
  if (swept.some((m) => !m)) return undefined;
  const configs = [...new Set(swept.map((m) => m![1]!))];
  const sites = [...new Set(swept.map((m) => m![2]!))];
  if (sites.length < 2) return undefined;
  const seeds = Object.values(t.rows)[0]?.seeds ?? 0;
  const cell = (pick: 'behavioral' | 'iia') => (c: string, s: string) => {
    const r = t.rows[`${c} @ ${s}`];
    return r ? withStd(r.test[pick], seeds) : undefined;
  };
  return {
    configs,
    sites,
    values: [
      { title: 'behaviour (test)', at: cell('behavioral') },
      { title: 'IIA (test)', at: cell('iia') },
    ],
  };
}

/** Figure 3b's two panels: a row per configuration (the paper's beneath it), a column per held-out split. */
function figure3bPanels(t: TableResult): Panels | undefined {
  const f = t.figure3b;
  if (!f) return undefined;
  const seeds = Object.values(t.rows)[0]?.seeds ?? 0;
  const configs = Object.keys(f.rows).flatMap((c) => (f.paper[c] ? [c, `${c} (paper)`] : [c]));
  const cell = (pick: 'behavioral' | 'iia') => (c: string, split: string) => {
    const paper = /^(.+) \(paper\)$/.exec(c);
    if (paper) {
      const p = f.paper[paper[1]!]?.[split as keyof Figure3bNumbers];
      return p ? f2(p[pick]) : undefined;
    }
    const r = f.rows[c]?.[split];
    return r ? withStd(r[pick], seeds) : undefined;
  };
  return {
    configs,
    sites: f.columns.map((c) => c.split),
    values: [
      { title: 'Figure 3b: exact match', at: cell('behavioral') },
      { title: 'Figure 3b: IIA', at: cell('iia') },
    ],
  };
}

function panelText(p: Panels): string[] {
  const out: string[] = [];
  for (const v of p.values) {
    const rows = [[v.title, ...p.sites], ...p.configs.map((c) => [c, ...p.sites.map((s) => v.at(c, s) ?? '—')])];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    out.push(
      '',
      ...rows.map((r) => r.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('   ')),
    );
  }
  return out;
}

function panelMarkdown(p: Panels): string[] {
  const out: string[] = [];
  for (const v of p.values) {
    out.push('', `| ${v.title} | ${p.sites.join(' | ')} |`, `| --- |${p.sites.map(() => ' ---: |').join('')}`);
    for (const c of p.configs) out.push(`| ${c} | ${p.sites.map((s) => v.at(c, s) ?? '—').join(' | ')} |`);
  }
  return out;
}

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
  const panels = sweepPanels(t) ?? figure3bPanels(t);
  const lines = rows.map((r) => r.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('   '));
  return [
    `${t.experiment}${t.data.name ? ` on ${t.data.name}` : ''}: accuracy in %, ${seeds} seed${seeds === 1 ? '' : 's'}${seeds > 1 ? ' (mean ± std)' : ''}${hasPaper(t) ? '; paper: Table 1 (ResNet-18, MNIST-PVR)' : ''}${t.figure3b ? '; paper: Figure 3b (CNN-LSTM, ReaSCAN, 3 seeds)' : ''}`,
    ...lines,
    ...(panels ? panelText(panels) : []),
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
  const panels = sweepPanels(t) ?? figure3bPanels(t);
  if (panels) out.push(...panelMarkdown(panels));
  return out.join('\n');
}
