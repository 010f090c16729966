/**
 * What the results and comparison views draw, and what their exports hold,
 * as pure functions: the webview renders these specs and the tests check the
 * same SVG and CSV the user saves. PNG is this SVG rasterised in the webview.
 */
import type { ExportFormat, RunView } from '../server/protocol/webview';
import { heatmapSvg, lineChartSvg, stackSvgs, type HeatmapSpec, type LineChartSpec } from './charts';
import {
  accuracyCurves,
  comparisonCsv,
  gridHeatmaps,
  heatmapsCsv,
  isSweep,
  lossCurves,
  runHeatmaps,
  sweepHeatmap,
  sweepLines,
} from './results';
import type { Theme } from './theme';

export interface ChartSection {
  title: string;
  heatmaps: HeatmapSpec[];
  curves: LineChartSpec[];
}

/** A run's results view: IIA heatmaps, base × source grids (after, then before training), training curves. */
export function runSections(r: RunView): ChartSection[] {
  const heatmaps = runHeatmaps(r);
  const before = r.report?.before
    ? gridHeatmaps(r, r.report.before).map((h) => ({ ...h, title: `before training — ${h.title}` }))
    : [];
  return [
    { title: 'Interchange intervention accuracy', heatmaps: heatmaps.filter((h) => h.kind !== 'grid'), curves: [] },
    { title: 'Interventions: base × source', heatmaps: heatmaps.filter((h) => h.kind === 'grid'), curves: [] },
    { title: 'Before training', heatmaps: before, curves: [] },
    { title: 'Training curves', heatmaps: [], curves: [accuracyCurves(r), lossCurves(r)] },
  ].filter((s) => s.heatmaps.length || s.curves.length);
}

/** A comparison view's charts besides the Table 1 table: the alignment sweep when the runs form one. */
export function compareSections(runs: RunView[]): ChartSection[] {
  const h = isSweep(runs) ? sweepHeatmap(runs) : undefined;
  const lines = isSweep(runs) ? sweepLines(runs) : undefined;
  return h ? [{ title: 'Alignment sweep (variable × layer)', heatmaps: [h], curves: lines ?? [] }] : [];
}

export function sectionSvgs(sections: ChartSection[], theme: Theme): string[] {
  return sections.flatMap((s) => [
    ...s.heatmaps.map((h) => heatmapSvg(h, theme)),
    ...s.curves.map((c) => lineChartSvg(c, theme)),
  ]);
}

/** The export's file name (no extension): the experiment and configuration, or "comparison". */
export function exportBaseName(mode: 'results' | 'compare', runs: RunView[]): string {
  return mode === 'compare'
    ? 'comparison'
    : `${runs[0]?.experiment ?? 'run'}-${runs[0]?.config ?? ''}`.replace(/[^\w.-]+/g, '_');
}

/** Every chart of the view stacked in one standalone SVG document. */
export function exportSvg(svgs: string[], theme: Theme): string {
  const svg = svgs.length
    ? stackSvgs(svgs, theme)
    : stackSvgs(
        [lineChartSvg({ kind: 'empty', title: 'no results', xLabel: '', yLabel: '', series: [] }, theme)],
        theme,
      );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`;
}

/** CSV: one row per heatmap cell; a comparison starts with its Table 1 rows. */
export function exportCsv(mode: 'results' | 'compare', runs: RunView[], sections: ChartSection[]): string {
  const heatmaps = sections.flatMap((s) => s.heatmaps);
  if (mode === 'compare') return comparisonCsv(runs) + (heatmaps.length ? '\r\n' + heatmapsCsv(heatmaps) : '');
  return heatmapsCsv(heatmaps);
}

export const EXPORT_FORMATS: ExportFormat[] = ['svg', 'png', 'csv'];
