/**
 * SVG chart builders: heatmaps and line charts as plain strings. No DOM, so
 * they run (and are tested) in Node; the webview inserts the strings and the
 * exports save them as they are. Only presentation attributes are used, never
 * `style`, so the strict webview CSP needs no 'unsafe-inline'.
 */
import { mix, textOn, type Theme } from './theme';

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export interface HeatmapSpec {
  /** Which heatmap this is ('split', 'typed', 'sweep', 'grid'); set as data-kind. */
  kind: string;
  title: string;
  rowTitle: string;
  colTitle: string;
  rows: string[];
  cols: string[];
  /** values[r][c] in 0..1, or null for no data. */
  values: (number | null)[][];
  /** Cells to mark (mismatching interventions). */
  marks?: boolean[][];
  /** How a value reads inside its cell. */
  format?: 'percent' | 'match';
  /** Extra data attributes per cell (e.g. the pair it stands for). */
  cellData?: (r: number, c: number) => Record<string, string | number> | undefined;
}

export function formatPercent(v: number): string {
  const p = v * 100;
  return Number.isInteger(Math.round(p * 100) / 100) ? `${Math.round(p)}%` : `${p.toFixed(2)}%`;
}

function textWidth(s: string, size: number): number {
  // A rough average glyph width; only used to size label gutters.
  return s.length * size * 0.6;
}

function cellText(v: number | null, format: HeatmapSpec['format']): string {
  if (v === null) return '–';
  if (format === 'match') return v >= 0.5 ? '✓' : '✗';
  return formatPercent(v);
}

export function heatmapSvg(spec: HeatmapSpec, theme: Theme): string {
  const fs = theme.fontSize;
  const cell = spec.format === 'match' ? Math.max(28, fs * 2.4) : Math.max(56, fs * 5);
  const cellH = spec.format === 'match' ? cell : Math.max(28, fs * 2.4);
  const left = Math.ceil(Math.max(textWidth(spec.rowTitle, fs), ...spec.rows.map((r) => textWidth(r, fs)))) + 16;
  const colLabelH = Math.ceil(Math.max(...spec.cols.map((c) => textWidth(c, fs)), fs));
  const rotate = spec.cols.some((c) => textWidth(c, fs) > cell - 4);
  const top = fs * 2 + 8 + (rotate ? colLabelH + 6 : fs + 8) + fs + 4;
  // Wide enough for the title too, so exports never clip it.
  const width = Math.ceil(Math.max(left + cell * spec.cols.length + 16, textWidth(spec.title, fs) * 1.1 + 24));
  const height = top + cellH * spec.rows.length + 12;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" data-kind="${escapeXml(spec.kind)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(theme.fontFamily)}" font-size="${fs}">`,
  );
  out.push(`<title>${escapeXml(spec.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="${theme.background}"/>`);
  out.push(`<text x="8" y="${fs + 6}" fill="${theme.foreground}" font-weight="bold">${escapeXml(spec.title)}</text>`);
  out.push(
    `<text x="${left + (cell * spec.cols.length) / 2}" y="${fs * 2 + 12}" fill="${theme.muted}" text-anchor="middle">${escapeXml(spec.colTitle)}</text>`,
  );
  out.push(`<text x="8" y="${top - 6}" fill="${theme.muted}">${escapeXml(spec.rowTitle)}</text>`);
  spec.cols.forEach((c, j) => {
    const x = left + cell * j + cell / 2;
    if (rotate) {
      const y = top - fs - 8;
      out.push(
        `<text x="${x}" y="${y}" fill="${theme.foreground}" transform="rotate(-45 ${x} ${y})">${escapeXml(c)}</text>`,
      );
    } else
      out.push(
        `<text x="${x}" y="${top - fs - 8}" fill="${theme.foreground}" text-anchor="middle">${escapeXml(c)}</text>`,
      );
  });
  spec.rows.forEach((r, i) => {
    const y = top + cellH * i;
    out.push(
      `<text x="${left - 8}" y="${y + cellH / 2 + fs / 3}" fill="${theme.foreground}" text-anchor="end">${escapeXml(r)}</text>`,
    );
    spec.cols.forEach((_, j) => {
      const v = spec.values[i]?.[j] ?? null;
      const x = left + cell * j;
      const fill = v === null ? theme.background : mix(theme.background, theme.accent, 0.12 + 0.88 * v);
      const mark = spec.marks?.[i]?.[j] ?? false;
      const data = spec.cellData?.(i, j) ?? {};
      const attrs = Object.entries({ row: r, col: spec.cols[j]!, value: v === null ? '' : v, ...data })
        .map(([k, val]) => ` data-${k}="${escapeXml(String(val))}"`)
        .join('');
      const stroke = mark ? theme.error : (theme.border ?? theme.background);
      const label = `${spec.rowTitle} ${r}, ${spec.colTitle} ${spec.cols[j]}: ${cellText(v, spec.format)}${mark ? ' (mismatch)' : ''}`;
      out.push(`<g class="cell${mark ? ' mismatch' : ''}"${attrs}>`);
      out.push(`<title>${escapeXml(label)}</title>`);
      out.push(
        `<rect x="${x + 1}" y="${y + 1}" width="${cell - 2}" height="${cellH - 2}" fill="${fill}" stroke="${stroke}" stroke-width="${mark ? 3 : 1}"/>`,
      );
      const tc = textOn(fill, theme.background, theme.foreground);
      out.push(
        `<text x="${x + cell / 2}" y="${y + cellH / 2 + fs / 3}" fill="${mark ? theme.error : tc}" text-anchor="middle" font-weight="${mark ? 'bold' : 'normal'}">${escapeXml(cellText(v, spec.format))}</text>`,
      );
      out.push('</g>');
    });
  });
  out.push('</svg>');
  return out.join('');
}

export interface Series {
  name: string;
  points: [number, number][];
}

export interface LineChartSpec {
  kind: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Fix the y range (IIA and accuracy are 0..1); default: the data's range. */
  yRange?: [number, number];
  yFormat?: 'percent' | 'number';
}

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

function fmtNum(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 0.01 ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}

export function lineChartSvg(spec: LineChartSpec, theme: Theme): string {
  const fs = theme.fontSize;
  const width = 480;
  const height = 260;
  const m = {
    left: 56,
    right: 16,
    top: fs * 2 + 12,
    bottom: fs * 2 + 16 + Math.ceil(spec.series.length / 3) * (fs + 6),
  };
  const all = spec.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]).filter((y) => Number.isFinite(y));
  const x0 = xs.length ? Math.min(...xs) : 0;
  const x1 = xs.length ? Math.max(...xs) : 1;
  let [y0, y1] = spec.yRange ?? [ys.length ? Math.min(...ys) : 0, ys.length ? Math.max(...ys) : 1];
  if (y1 <= y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const sx = (x: number) => m.left + (x1 > x0 ? ((x - x0) / (x1 - x0)) * pw : pw / 2);
  const sy = (y: number) => m.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const fy = (v: number) => (spec.yFormat === 'percent' ? formatPercent(v) : fmtNum(v));
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="linechart" data-kind="${escapeXml(spec.kind)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(theme.fontFamily)}" font-size="${fs}">`,
  );
  out.push(`<title>${escapeXml(spec.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="${theme.background}"/>`);
  out.push(`<text x="8" y="${fs + 6}" fill="${theme.foreground}" font-weight="bold">${escapeXml(spec.title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${sy(t)}" y2="${sy(t)}" stroke="${theme.muted}" stroke-opacity="0.25"/>`,
    );
    out.push(
      `<text x="${m.left - 6}" y="${sy(t) + fs / 3}" fill="${theme.muted}" text-anchor="end">${escapeXml(fy(t))}</text>`,
    );
  }
  for (const t of niceTicks(x0, x1)) {
    out.push(
      `<text x="${sx(t)}" y="${m.top + ph + fs + 4}" fill="${theme.muted}" text-anchor="middle">${escapeXml(fmtNum(t))}</text>`,
    );
  }
  out.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + ph}" stroke="${theme.foreground}"/>`);
  out.push(
    `<line x1="${m.left}" x2="${m.left + pw}" y1="${m.top + ph}" y2="${m.top + ph}" stroke="${theme.foreground}"/>`,
  );
  out.push(
    `<text x="${m.left + pw / 2}" y="${m.top + ph + fs * 2 + 8}" fill="${theme.muted}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
  );
  out.push(
    `<text x="12" y="${m.top + ph / 2}" fill="${theme.muted}" text-anchor="middle" transform="rotate(-90 12 ${m.top + ph / 2})">${escapeXml(spec.yLabel)}</text>`,
  );
  spec.series.forEach((s, i) => {
    const color = theme.series[i % theme.series.length]!;
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (pts.length > 1) {
      const d = pts.map((p, k) => `${k ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2" data-series="${escapeXml(s.name)}"/>`);
    }
    for (const p of pts.length <= 40 ? pts : [pts[pts.length - 1]!]) {
      out.push(
        `<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="2.5" fill="${color}"><title>${escapeXml(`${s.name} @ ${p[0]}: ${fy(p[1])}`)}</title></circle>`,
      );
    }
    const lx = m.left + (i % 3) * (pw / 3);
    const ly = height - 8 - (Math.ceil(spec.series.length / 3) - 1 - Math.floor(i / 3)) * (fs + 6);
    out.push(`<rect x="${lx}" y="${ly - fs + 2}" width="10" height="10" fill="${color}"/>`);
    out.push(`<text x="${lx + 14}" y="${ly}" fill="${theme.foreground}">${escapeXml(s.name)}</text>`);
  });
  if (!all.length)
    out.push(
      `<text x="${m.left + pw / 2}" y="${m.top + ph / 2}" fill="${theme.muted}" text-anchor="middle">no data</text>`,
    );
  out.push('</svg>');
  return out.join('');
}

/** Lays several SVG charts out in one SVG (for a single-file export). */
export function stackSvgs(svgs: string[], theme: Theme, gap = 12): string {
  let y = 0;
  let width = 0;
  const parts: string[] = [];
  for (const s of svgs) {
    const w = Number(/width="([\d.]+)"/.exec(s)?.[1] ?? 0);
    const h = Number(/height="([\d.]+)"/.exec(s)?.[1] ?? 0);
    // Nested <svg> elements keep their own coordinate systems; only position them.
    parts.push(s.replace('<svg ', `<svg x="0" y="${y}" `).replace(' xmlns="http://www.w3.org/2000/svg"', ''));
    y += h + gap;
    width = Math.max(width, w);
  }
  const height = Math.max(0, y - gap);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect x="0" y="0" width="${width}" height="${height}" fill="${theme.background}"/>${parts.join('')}</svg>`;
}
