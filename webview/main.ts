/**
 * The results webview (browser side): draws a run's heatmaps and curves, or a
 * comparison of runs, from messages of the typed protocol; live while the run
 * trains. Controls are @vscode-elements/elements web components.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import './styles.css';
import type { ExportFormat, FromWebview, RunView, ToWebview, WebviewState } from '../server/protocol/webview';
import { heatmapSvg, lineChartSvg, stackSvgs, type HeatmapSpec } from './charts';
import {
  accuracyCurves,
  comparisonCsv,
  comparisonTable,
  formatCell,
  gridHeatmaps,
  heatmapsCsv,
  isSweep,
  lossCurves,
  runHeatmaps,
  sweepHeatmap,
} from './results';
import { themeFrom, type Theme } from './theme';

interface VsCodeApi {
  postMessage(m: FromWebview): void;
  getState(): WebviewState | undefined;
  setState(s: WebviewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;

let mode: 'results' | 'compare' | undefined;
let runs: RunView[] = [];

function post(m: FromWebview): void {
  vscode.postMessage(m);
}

function currentTheme(): Theme {
  const cs = getComputedStyle(document.documentElement);
  const size = parseFloat(cs.getPropertyValue('--vscode-font-size')) || 12;
  return themeFrom(
    (n) => cs.getPropertyValue(n),
    cs.getPropertyValue('--vscode-font-family').trim() || 'sans-serif',
    size,
  );
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function custom(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function chart(svg: string): HTMLElement {
  const d = el('div', { class: 'chart' });
  // The SVG strings are built by our own escaping builders, never from raw user HTML.
  d.innerHTML = svg;
  return d;
}

/** The charts currently drawn, for exports. */
let drawn: { heatmaps: HeatmapSpec[]; svgs: string[] } = { heatmaps: [], svgs: [] };

function toolbar(): HTMLElement {
  const bar = el('div', { class: 'toolbar' });
  for (const f of ['svg', 'png', 'csv'] as ExportFormat[]) {
    const b = custom(
      'vscode-button',
      { secondary: '', 'data-export': f, title: `Export as ${f.toUpperCase()}` },
      `Export ${f.toUpperCase()}`,
    );
    b.addEventListener('click', () => void doExport(f));
    bar.append(b);
  }
  return bar;
}

function statusLine(r: RunView): HTMLElement {
  const p = el('div', { class: 'status' });
  p.append(
    custom(
      'vscode-badge',
      { variant: r.status === 'failed' ? 'counter' : 'default', 'data-status': r.status },
      r.status,
    ),
  );
  const step = r.totalSteps ? ` · step ${r.step ?? 0} / ${r.totalSteps}` : r.report ? ` · ${r.report.steps} steps` : '';
  p.append(
    document.createTextNode(
      ` ${r.backend} · seed ${r.seed} · started ${new Date(r.startedAt).toLocaleString()}${step}`,
    ),
  );
  if (r.error) p.append(el('div', { class: 'error' }, r.error));
  return p;
}

function renderResults(r: RunView): void {
  const theme = currentTheme();
  const heatmaps = runHeatmaps(r);
  const before = r.report?.before
    ? gridHeatmaps(r, r.report.before).map((h) => ({ ...h, title: `before training — ${h.title}` }))
    : [];
  const curves = [accuracyCurves(r), lossCurves(r)];
  const svgs: string[] = [];
  root.replaceChildren();
  root.append(el('h1', {}, `${r.experiment} — ${r.config}`), statusLine(r), toolbar());
  const sec = (title: string, specs: HeatmapSpec[]) => {
    if (!specs.length) return;
    const s = el('section', {});
    s.append(el('h2', {}, title));
    const wrap = el('div', { class: 'charts' });
    for (const h of specs) {
      const svg = heatmapSvg(h, theme);
      svgs.push(svg);
      wrap.append(chart(svg));
    }
    s.append(wrap);
    root.append(s);
  };
  if (!heatmaps.length && r.status === 'running')
    root.append(el('p', { class: 'muted' }, 'Waiting for the first evaluation…'));
  sec(
    'Interchange intervention accuracy',
    heatmaps.filter((h) => h.kind !== 'grid'),
  );
  sec(
    'Interventions: base × source',
    heatmaps.filter((h) => h.kind === 'grid'),
  );
  sec('Before training', before);
  const cs = el('section', {});
  cs.append(el('h2', {}, 'Training curves'));
  const wrap = el('div', { class: 'charts' });
  for (const c of curves) {
    const svg = lineChartSvg(c, theme);
    svgs.push(svg);
    wrap.append(chart(svg));
  }
  cs.append(wrap);
  root.append(cs);
  drawn = { heatmaps: [...heatmaps, ...before], svgs };
}

function renderCompare(rs: RunView[]): void {
  const theme = currentTheme();
  const svgs: string[] = [];
  const heatmaps: HeatmapSpec[] = [];
  root.replaceChildren();
  root.append(el('h1', {}, `Compare ${rs.length} runs`), toolbar());
  const t = comparisonTable(rs);
  const table = el('table', { class: 'table1' });
  const head = el('tr');
  for (const c of ['run', 'backend', ...t.columns]) head.append(el('th', {}, c));
  table.append(head);
  t.rows.forEach((row, i) => {
    const tr = el('tr');
    const name = el('td', {});
    const a = el('a', { href: '#' }, row.run);
    a.addEventListener('click', (e) => {
      e.preventDefault();
      post({ type: 'openRun', runId: rs[i]!.id });
    });
    name.append(a);
    tr.append(name, el('td', {}, row.backend));
    for (const c of row.cells) tr.append(el('td', { class: 'num' }, formatCell(c)));
    table.append(tr);
  });
  root.append(el('h2', {}, 'Behavioural and IIA accuracy (as in Table 1)'), table);
  if (isSweep(rs)) {
    const h = sweepHeatmap(rs);
    if (h) {
      heatmaps.push(h);
      const svg = heatmapSvg(h, theme);
      svgs.push(svg);
      root.append(el('h2', {}, 'Alignment sweep'), chart(svg));
    }
  }
  drawn = { heatmaps, svgs };
}

function render(): void {
  if (mode === 'results' && runs[0]) renderResults(runs[0]);
  else if (mode === 'compare') renderCompare(runs);
}

async function svgToPng(svg: string): Promise<string> {
  const w = Number(/width="([\d.]+)"/.exec(svg)?.[1] ?? 600);
  const h = Number(/height="([\d.]+)"/.exec(svg)?.[1] ?? 400);
  const img = new Image();
  const url = `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svg)))}`;
  await new Promise<void>((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new Error('the SVG could not be rasterised'));
    img.src = url;
  });
  const scale = 2;
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(w * scale);
  canvas.height = Math.ceil(h * scale);
  const ctx = canvas.getContext('2d')!;
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0);
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}

async function doExport(format: ExportFormat, requestId?: number): Promise<void> {
  try {
    const base =
      mode === 'compare'
        ? 'comparison'
        : `${runs[0]?.experiment ?? 'run'}-${runs[0]?.config ?? ''}`.replace(/[^\w.-]+/g, '_');
    const theme = currentTheme();
    if (format === 'csv') {
      const data =
        mode === 'compare'
          ? comparisonCsv(runs) + (drawn.heatmaps.length ? '\r\n' + heatmapsCsv(drawn.heatmaps) : '')
          : heatmapsCsv(drawn.heatmaps);
      post({
        type: 'exported',
        format,
        name: `${base}.csv`,
        data,
        encoding: 'utf8',
        ...(requestId !== undefined ? { requestId } : {}),
      });
      return;
    }
    const svg = drawn.svgs.length
      ? stackSvgs(drawn.svgs, theme)
      : stackSvgs(
          [lineChartSvg({ kind: 'empty', title: 'no results', xLabel: '', yLabel: '', series: [] }, theme)],
          theme,
        );
    if (format === 'svg')
      post({
        type: 'exported',
        format,
        name: `${base}.svg`,
        data: `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`,
        encoding: 'utf8',
        ...(requestId !== undefined ? { requestId } : {}),
      });
    else
      post({
        type: 'exported',
        format,
        name: `${base}.png`,
        data: await svgToPng(svg),
        encoding: 'base64',
        ...(requestId !== undefined ? { requestId } : {}),
      });
  } catch (e) {
    post({ type: 'error', message: `export failed: ${(e as Error).message}` });
  }
}

// Heatmap cells that stand for one (base, source) pair open it in the debugger.
root.addEventListener('click', (e) => {
  const g = (e.target as Element).closest?.('g.cell');
  if (!g) return;
  const d = (k: string) => g.getAttribute(`data-${k}`);
  const run = d('run');
  if (run === null || d('base') === null) return;
  post({
    type: 'openPair',
    pair: {
      runId: run,
      variable: d('variable')!,
      split: d('split')!,
      base: Number(d('base')),
      source: Number(d('source')),
    },
  });
});

window.addEventListener('message', (ev: MessageEvent<ToWebview>) => {
  const m = ev.data;
  switch (m.type) {
    case 'results':
      mode = 'results';
      runs = [m.run];
      break;
    case 'compare':
      mode = 'compare';
      runs = m.runs;
      break;
    case 'finished':
      runs = runs.map((r) => (r.id === m.run.id || (mode === 'results' && runs.length === 1) ? m.run : r));
      break;
    case 'progress': {
      const r = runs.find((x) => x.id === m.runId);
      if (!r) return;
      r.step = m.step;
      r.totalSteps = m.totalSteps;
      r.losses.push({ step: m.step, losses: m.losses });
      break;
    }
    case 'eval': {
      const r = runs.find((x) => x.id === m.runId);
      if (!r) return;
      r.history.push(m.point);
      break;
    }
    case 'export':
      void doExport(m.format, m.requestId);
      return;
  }
  vscode.setState({ mode: mode ?? 'results', runDirs: runs.map((r) => r.runDir).filter((d): d is string => !!d) });
  scheduleRender();
});

// Progress arrives every step; redraw at most once per animation frame.
let pending = false;
function scheduleRender(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    render();
  });
}

// Theme switches change the CSS variables and the body's class: redraw with the new colours.
new MutationObserver(() => scheduleRender()).observe(document.body, { attributes: true, attributeFilter: ['class'] });

post({ type: 'ready' });
