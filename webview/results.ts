/**
 * Turns runs into what the results and comparison views draw: heatmap specs
 * (variable × split, typed source × target, sweep variable × layer, base ×
 * source grids), training curves, the Table 1 comparison, and CSV. Pure
 * functions over the protocol types, shared by the webview and the tests.
 */
import type { IiaMetrics, Metrics, SplitMetrics } from '../server/protocol/results';
import type { RunView } from '../server/protocol/webview';
import type { HeatmapSpec, LineChartSpec } from './charts';

/** The metrics to show: the final report's, else the latest evaluation. */
export function latestMetrics(run: RunView): Metrics | undefined {
  return run.report?.metrics ?? run.history[run.history.length - 1]?.metrics;
}

/**
 * The (base, source) pair a click on an aggregate cell (variable × split, typed source × target) opens in the
 * debugger: the first mismatching pair of the grid when the split has one, else the first pair of distinct inputs.
 */
export function pairFor(m: Metrics | undefined, split: string, key: string): { base: number; source: number } {
  const grid = m?.[split]?.iia.grid?.[key];
  const n = grid ? Math.round(Math.sqrt(grid.length)) : 0;
  const miss = grid ? grid.findIndex((v) => v === 0) : -1;
  return miss >= 0 ? { base: Math.floor(miss / n), source: miss % n } : { base: 0, source: 1 };
}

function variablesOf(m: Metrics): string[] {
  const seen = new Set<string>();
  for (const s of Object.values(m)) for (const v of Object.keys(s.iia.byVariable)) seen.add(v);
  return [...seen];
}

/** Per-variable IIA, variables × splits. */
export function splitHeatmap(run: RunView): HeatmapSpec | undefined {
  const m = latestMetrics(run);
  if (!m) return undefined;
  const splits = Object.keys(m);
  const vars = variablesOf(m);
  return {
    kind: 'split',
    title: `IIA per variable — ${run.experiment} (${run.config})`,
    rowTitle: 'variable',
    colTitle: 'split',
    rows: [...vars, 'overall'],
    cols: splits,
    values: [
      ...vars.map((v) => splits.map((s) => m[s]!.iia.byVariable[v] ?? null)),
      splits.map((s) => m[s]!.iia.overall),
    ],
    // Variable cells open a pair of that variable in the debugger; the overall row has no single variable.
    cellData: (i, j) =>
      i < vars.length
        ? { variable: vars[i]!, split: splits[j]!, run: run.id, ...pairFor(m, splits[j]!, vars[i]!) }
        : undefined,
  };
}

/** Parses a typed swap key: 'V' (V→V) or 'V→W'; null for multi-swap keys. */
export function parseSwapKey(key: string): [string, string] | null {
  if (key.includes('+')) return null;
  const parts = key.split('→');
  if (parts.length === 1) return [parts[0]!, parts[0]!];
  return parts.length === 2 ? [parts[0]!, parts[1]!] : null;
}

/** For typed variables: IIA of swapping source variable V into target W. */
export function typedHeatmap(
  iia: IiaMetrics,
  split: string,
  title = 'Typed interchange',
  runId?: string,
): HeatmapSpec | undefined {
  if (!iia.typed) return undefined;
  const cells = Object.entries(iia.typed)
    .map(([k, v]) => [parseSwapKey(k), v] as const)
    .filter((e): e is readonly [[string, string], number] => e[0] !== null);
  if (!cells.length) return undefined;
  const names = [...new Set(cells.flatMap(([[a, b]]) => [a, b]))];
  const at = new Map(cells.map(([[a, b], v]) => [`${a}\u0000${b}`, v]));
  return {
    kind: 'typed',
    title: `${title} — ${split}`,
    rowTitle: 'source variable',
    colTitle: 'target variable',
    rows: names,
    cols: names,
    values: names.map((src) => names.map((dst) => at.get(`${src}\u0000${dst}`) ?? null)),
    cellData: (i, j) => {
      if (runId === undefined || !at.has(`${names[i]}\u0000${names[j]}`)) return undefined;
      const key = i === j ? names[i]! : `${names[i]}→${names[j]}`;
      return {
        variable: key,
        split,
        run: runId,
        ...pairFor({ [split]: { behavioral: 0, examples: 0, iia } }, split, key),
      };
    },
  };
}

/** Base × source match grid of one variable (Figure 1's 4×4 grids), mismatches marked. */
export function gridHeatmap(
  run: RunView,
  split: string,
  variable: string,
  metrics = latestMetrics(run),
): HeatmapSpec | undefined {
  const grid = metrics?.[split]?.iia.grid?.[variable];
  if (!grid) return undefined;
  const n = Math.round(Math.sqrt(grid.length));
  if (n * n !== grid.length) return undefined;
  const labels =
    run.inputLabels?.[split]?.length === n ? run.inputLabels[split]! : Array.from({ length: n }, (_, i) => `#${i}`);
  const values = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => grid[i * n + j]!));
  return {
    kind: 'grid',
    title: `${variable}: base × source (${split})`,
    rowTitle: 'base',
    colTitle: 'source',
    rows: labels,
    cols: labels,
    values,
    marks: values.map((row) => row.map((v) => v === 0)),
    format: 'match',
    cellData: (i, j) => ({ variable, split, base: i, source: j, run: run.id }),
  };
}

/** Every grid heatmap a run has: one per split × intervention. */
export function gridHeatmaps(run: RunView, metrics = latestMetrics(run)): HeatmapSpec[] {
  if (!metrics) return [];
  const out: HeatmapSpec[] = [];
  for (const [split, s] of Object.entries(metrics)) {
    for (const v of Object.keys(s.iia.grid ?? {})) {
      const h = gridHeatmap(run, split, v, metrics);
      if (h) out.push(h);
    }
  }
  return out;
}

/** A sweep: runs of one experiment that align the variables to different sites (Figure 4's layers). */
export function isSweep(runs: RunView[]): boolean {
  if (runs.length < 2 || new Set(runs.map((r) => r.experiment)).size !== 1) return false;
  return new Set(runs.map((r) => sweepLabel(r))).size === runs.length;
}

function sweepLabel(r: RunView): string {
  const sites = Object.values(r.sites ?? {});
  const uniq = [...new Set(sites)];
  return uniq.length ? `${uniq.join('/')} (${r.config})` : r.config;
}

/** Variable × layer (site) IIA over a sweep, on one split. */
export function sweepHeatmap(runs: RunView[], split = 'test'): HeatmapSpec | undefined {
  const withMetrics = runs.map((r) => [r, latestMetrics(r)] as const).filter(([, m]) => m);
  if (withMetrics.length < 2) return undefined;
  const useSplit = withMetrics.every(([, m]) => m![split]) ? split : Object.keys(withMetrics[0]![1]!)[0]!;
  const vars = [...new Set(withMetrics.flatMap(([, m]) => variablesOf(m!)))];
  return {
    kind: 'sweep',
    title: `Alignment sweep — IIA on ${useSplit}`,
    rowTitle: 'variable',
    colTitle: 'layer / site',
    rows: vars,
    cols: withMetrics.map(([r]) => sweepLabel(r)),
    values: vars.map((v) => withMetrics.map(([, m]) => m![useSplit]?.iia.byVariable[v] ?? null)),
  };
}

/** A run's configuration without its ` @ site` (a layer sweep's name, `IIT @ layer4` → `IIT`). */
function sweptConfig(r: RunView): string {
  return r.config.replace(/ @ \S+$/, '');
}

/** The layer of a site, for the x axis: its trailing number (`layer4` → 4), else undefined. */
function siteLayer(site: string): number | undefined {
  const m = /(\d+)$/.exec(site);
  return m ? Number(m[1]) : undefined;
}

/**
 * Figure 4's two panels over a sweep: behaviour and IIA on one split against the layer the variables are aligned at,
 * a line per configuration (`STANDARD @ layer0`, `STANDARD @ layer2`… make one line). Undefined unless the runs span
 * two or more sites.
 */
export function sweepLines(runs: RunView[], split = 'test'): LineChartSpec[] | undefined {
  const rows = runs
    .map((r) => ({ r, m: latestMetrics(r), site: [...new Set(Object.values(r.sites ?? {}))].join('/') }))
    .filter((x) => x.m?.[split] && x.site);
  const sites = [...new Set(rows.map((x) => x.site))];
  if (sites.length < 2) return undefined;
  // Sites without a number take their place in order of first appearance.
  const xOf = (site: string) =>
    sites.every((s) => siteLayer(s) !== undefined) ? siteLayer(site)! : sites.indexOf(site);
  const configs = [...new Set(rows.map((x) => sweptConfig(x.r)))];
  const panel = (title: string, pick: (m: SplitMetrics) => number): LineChartSpec => ({
    kind: 'sweep-lines',
    title: `${title} on ${split} by layer`,
    xLabel: 'layer',
    yLabel: title,
    yRange: [0, 1],
    yFormat: 'percent',
    series: configs.map((c) => ({
      name: c,
      points: rows
        .filter((x) => sweptConfig(x.r) === c)
        .map((x): [number, number] => [xOf(x.site), pick(x.m![split]!)])
        .sort((a, b) => a[0] - b[0]),
    })),
  });
  return [panel('behaviour', (m) => m.behavioral), panel('IIA', (m) => m.iia.overall)];
}

/** IIA and behavioural accuracy per split over the training steps. */
export function accuracyCurves(run: RunView): LineChartSpec {
  // The evaluation before training (report.before) is the curve's step 0.
  const before = run.report?.before;
  const history =
    before && !run.history.some((h) => h.step === 0) ? [{ step: 0, metrics: before }, ...run.history] : run.history;
  run = { ...run, history };
  const splits = [...new Set(run.history.flatMap((h) => Object.keys(h.metrics)))];
  const series = splits.flatMap((s) => [
    {
      name: `IIA ${s}`,
      points: run.history
        .filter((h) => h.metrics[s])
        .map((h) => [h.step, h.metrics[s]!.iia.overall] as [number, number]),
    },
    {
      name: `behaviour ${s}`,
      points: run.history
        .filter((h) => h.metrics[s])
        .map((h) => [h.step, h.metrics[s]!.behavioral] as [number, number]),
    },
  ]);
  return {
    kind: 'accuracy',
    title: 'Accuracy during training',
    xLabel: 'step',
    yLabel: 'accuracy',
    series,
    yRange: [0, 1],
    yFormat: 'percent',
  };
}

/** Loss per objective over the training steps. */
export function lossCurves(run: RunView): LineChartSpec {
  const names = [...new Set(run.losses.flatMap((l) => Object.keys(l.losses)))];
  return {
    kind: 'loss',
    title: 'Loss per objective',
    xLabel: 'step',
    yLabel: 'loss',
    series: names.map((n) => ({
      name: n,
      points: run.losses
        .filter((l) => Number.isFinite(l.losses[n]))
        .map((l) => [l.step, l.losses[n]!] as [number, number]),
    })),
    yFormat: 'number',
  };
}

/** Table 1 of the paper: behavioural and IIA accuracy on train and test, one row per run. */
export interface ComparisonRow {
  run: string;
  config: string;
  backend: string;
  cells: (number | null)[];
}

export function comparisonTable(runs: RunView[]): { columns: string[]; rows: ComparisonRow[] } {
  const splits = [...new Set(runs.flatMap((r) => Object.keys(latestMetrics(r) ?? {})))];
  // Table 1 orders train before test; other splits follow in name order.
  const order = (s: string) => (s === 'train' ? 0 : s === 'test' ? 1 : 2);
  splits.sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const columns = [...splits.map((s) => `behaviour ${s}`), ...splits.map((s) => `IIA ${s}`)];
  const rows = runs.map((r) => {
    const m = latestMetrics(r) ?? {};
    return {
      run: `${r.experiment} ${r.config} #${r.seed}`,
      config: r.config,
      backend: r.backend,
      cells: [...splits.map((s) => m[s]?.behavioral ?? null), ...splits.map((s) => m[s]?.iia.overall ?? null)],
    };
  });
  return { columns, rows };
}

/** RFC 4180 CSV: fields with commas, quotes or line breaks are quoted. */
export function toCsv(rows: (string | number | null | undefined)[][]): string {
  const field = (v: string | number | null | undefined) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

/** Every heatmap as long-format CSV: one row per cell. */
export function heatmapsCsv(specs: HeatmapSpec[]): string {
  const rows: (string | number | null)[][] = [
    ['heatmap', 'title', 'row_kind', 'row', 'column_kind', 'column', 'value'],
  ];
  for (const h of specs) {
    h.rows.forEach((r, i) =>
      h.cols.forEach((c, j) => rows.push([h.kind, h.title, h.rowTitle, r, h.colTitle, c, h.values[i]?.[j] ?? null])),
    );
  }
  return toCsv(rows);
}

export function comparisonCsv(runs: RunView[]): string {
  const t = comparisonTable(runs);
  return toCsv([
    ['run', 'config', 'backend', ...t.columns],
    ...t.rows.map((r) => [r.run, r.config, r.backend, ...r.cells]),
  ]);
}

/** All heatmaps of a run's results view, in display order. */
export function runHeatmaps(run: RunView): HeatmapSpec[] {
  const m = latestMetrics(run);
  const out: HeatmapSpec[] = [];
  const split = splitHeatmap(run);
  if (split) out.push(split);
  for (const [s, sm] of Object.entries(m ?? {})) {
    const t = typedHeatmap(sm.iia, s, undefined, run.id);
    if (t) out.push(t);
  }
  out.push(...gridHeatmaps(run, m));
  return out;
}

/** A table cell: a percentage with two decimals as in Table 1, or a dash. */
export function formatCell(v: number | null): string {
  return v === null ? '–' : `${(v * 100).toFixed(2)}`;
}
