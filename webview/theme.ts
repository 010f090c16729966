/**
 * Chart colours. The webview resolves them from VS Code's theme CSS variables
 * at render time and writes them into the SVG as plain colours, so the same
 * SVG reads in light, dark and high-contrast themes and stays self-contained
 * when exported.
 */
export interface Theme {
  background: string;
  foreground: string;
  muted: string;
  /** Colour of a perfect (100%) heatmap cell. */
  accent: string;
  /** Marks mismatching cells. */
  error: string;
  /** Cell borders; set in high-contrast themes. */
  border?: string;
  fontFamily: string;
  fontSize: number;
  series: string[];
}

/** Used for exports outside VS Code and in Node tests. */
export const DEFAULT_THEME: Theme = {
  background: '#ffffff',
  foreground: '#1f1f1f',
  muted: '#6e6e6e',
  accent: '#1a85ff',
  error: '#e51400',
  fontFamily: 'sans-serif',
  fontSize: 12,
  series: ['#1a85ff', '#388a34', '#bf8803', '#e51400', '#652d90', '#d18616'],
};

/** The theme variables each colour comes from, first non-empty wins. */
export const THEME_VARIABLES: Record<'background' | 'foreground' | 'muted' | 'accent' | 'error' | 'border', string[]> =
  {
    background: ['--vscode-editor-background'],
    foreground: ['--vscode-editor-foreground', '--vscode-foreground'],
    muted: ['--vscode-descriptionForeground'],
    accent: ['--vscode-charts-blue', '--vscode-focusBorder'],
    error: ['--vscode-charts-red', '--vscode-errorForeground'],
    border: ['--vscode-contrastBorder'],
  };

export const SERIES_VARIABLES = [
  '--vscode-charts-blue',
  '--vscode-charts-green',
  '--vscode-charts-yellow',
  '--vscode-charts-red',
  '--vscode-charts-purple',
  '--vscode-charts-orange',
];

/** Builds a theme from a CSS variable reader (getComputedStyle in the webview). */
export function themeFrom(read: (name: string) => string, fontFamily?: string, fontSize?: number): Theme {
  const pick = (names: string[], fallback: string) =>
    names.map((n) => read(n).trim()).find((v) => v.length > 0) ?? fallback;
  const border = pick(THEME_VARIABLES.border, '');
  return {
    background: pick(THEME_VARIABLES.background, DEFAULT_THEME.background),
    foreground: pick(THEME_VARIABLES.foreground, DEFAULT_THEME.foreground),
    muted: pick(THEME_VARIABLES.muted, DEFAULT_THEME.muted),
    accent: pick(THEME_VARIABLES.accent, DEFAULT_THEME.accent),
    error: pick(THEME_VARIABLES.error, DEFAULT_THEME.error),
    ...(border ? { border } : {}),
    fontFamily: fontFamily || DEFAULT_THEME.fontFamily,
    fontSize: fontSize || DEFAULT_THEME.fontSize,
    series: SERIES_VARIABLES.map((n, i) => read(n).trim() || DEFAULT_THEME.series[i]!),
  };
}

type Rgba = [number, number, number, number];

/** Parses #rgb, #rgba, #rrggbb, #rrggbbaa, rgb() and rgba(); null if unknown. */
export function parseColor(c: string): Rgba | null {
  const s = c.trim().toLowerCase();
  let m = /^#([0-9a-f]{3,8})$/.exec(s);
  if (m) {
    let h = m[1]!;
    if (h.length === 3 || h.length === 4) h = [...h].map((x) => x + x).join('');
    if (h.length !== 6 && h.length !== 8) return null;
    const n = (i: number) => parseInt(h.slice(i, i + 2), 16);
    return [n(0), n(2), n(4), h.length === 8 ? n(6) / 255 : 1];
  }
  m = /^rgba?\(([^)]+)\)$/.exec(s);
  if (m) {
    const parts = m[1]!
      .split(/[\s,/]+/)
      .filter(Boolean)
      .map(Number);
    if (parts.length < 3 || parts.some((x) => !Number.isFinite(x))) return null;
    return [parts[0]!, parts[1]!, parts[2]!, parts[3] ?? 1];
  }
  return null;
}

const hex2 = (x: number) =>
  Math.round(Math.min(255, Math.max(0, x)))
    .toString(16)
    .padStart(2, '0');

/** Linear mix of two colours (t = 0 gives a, 1 gives b), as opaque #rrggbb over `a`. */
export function mix(a: string, b: string, t: number): string {
  const ca = parseColor(a) ?? [255, 255, 255, 1];
  const cb = parseColor(b) ?? [0, 0, 0, 1];
  // Translucent theme colours are composited over the background first.
  const over = (c: Rgba, under: Rgba): Rgba => [
    c[0] * c[3] + under[0] * (1 - c[3]),
    c[1] * c[3] + under[1] * (1 - c[3]),
    c[2] * c[3] + under[2] * (1 - c[3]),
    1,
  ];
  const A = over(ca, [255, 255, 255, 1]);
  const B = over(cb, A);
  const u = Math.min(1, Math.max(0, t));
  return `#${hex2(A[0] + (B[0] - A[0]) * u)}${hex2(A[1] + (B[1] - A[1]) * u)}${hex2(A[2] + (B[2] - A[2]) * u)}`;
}

/** Relative luminance (WCAG) of a colour, 0..1. */
export function luminance(c: string): number {
  const [r, g, b] = parseColor(c) ?? [0, 0, 0, 1];
  const lin = (x: number) => {
    const v = x / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Whichever of two text colours contrasts more with the fill. */
export function textOn(fill: string, light: string, dark: string): string {
  const lf = luminance(fill);
  const ratio = (x: string) => {
    const l = luminance(x);
    return (Math.max(l, lf) + 0.05) / (Math.min(l, lf) + 0.05);
  };
  return ratio(light) >= ratio(dark) ? light : dark;
}
