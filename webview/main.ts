/**
 * The results webview (browser side): draws a run's heatmaps and curves, or a
 * comparison of runs, from messages of the typed protocol; live while the run
 * trains. Controls are @vscode-elements/elements web components.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import './styles.css';
import type { ExportFormat, FromWebview, RunView, ToWebview, WebviewState } from '../server/protocol/webview';
import { heatmapSvg, lineChartSvg } from './charts';
import {
  compareSections,
  EXPORT_FORMATS,
  exportBaseName,
  exportCsv,
  exportSvg,
  runSections,
  type ChartSection,
} from './exports';
import { comparisonTable, formatCell } from './results';
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
let drawn: { sections: ChartSection[]; svgs: string[] } = { sections: [], svgs: [] };

function toolbar(): HTMLElement {
  const bar = el('div', { class: 'toolbar' });
  for (const f of EXPORT_FORMATS) {
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

/** Draws sections of charts; returns the SVG strings in display order (what the SVG/PNG exports stack). */
function drawSections(sections: ChartSection[], theme: Theme): string[] {
  const svgs: string[] = [];
  for (const sec of sections) {
    const s = el('section', {});
    s.append(el('h2', {}, sec.title));
    const wrap = el('div', { class: 'charts' });
    for (const svg of [
      ...sec.heatmaps.map((h) => heatmapSvg(h, theme)),
      ...sec.curves.map((c) => lineChartSvg(c, theme)),
    ]) {
      svgs.push(svg);
      wrap.append(chart(svg));
    }
    s.append(wrap);
    root.append(s);
  }
  return svgs;
}

function renderResults(r: RunView): void {
  const theme = currentTheme();
  const sections = runSections(r);
  root.replaceChildren();
  root.append(el('h1', {}, `${r.experiment} — ${r.config}`), statusLine(r), toolbar());
  if (!sections.some((s) => s.heatmaps.length) && (r.status === 'running' || r.status === 'queued'))
    root.append(
      el(
        'p',
        { class: 'muted' },
        r.status === 'queued' ? 'Queued: waiting for a free slot…' : 'Waiting for the first evaluation…',
      ),
    );
  drawn = { sections, svgs: drawSections(sections, theme) };
}

function renderCompare(rs: RunView[]): void {
  const theme = currentTheme();
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
  root.append(el('h2', {}, 'Behavioural and IIA accuracy (%, as in Table 1)'), table);
  const sections = compareSections(rs);
  drawn = { sections, svgs: drawSections(sections, theme) };
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
    const m = mode ?? 'results';
    const name = `${exportBaseName(m, runs)}.${format}`;
    const echo = requestId !== undefined ? { requestId } : {};
    if (format === 'csv') {
      post({ type: 'exported', format, name, data: exportCsv(m, runs, drawn.sections), encoding: 'utf8', ...echo });
      return;
    }
    const svg = exportSvg(drawn.svgs, currentTheme());
    if (format === 'svg') post({ type: 'exported', format, name, data: svg, encoding: 'utf8', ...echo });
    else post({ type: 'exported', format, name, data: await svgToPng(svg), encoding: 'base64', ...echo });
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
      r.losses.push(...m.points);
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
