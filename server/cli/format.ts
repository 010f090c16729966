/** Human-readable tables for the CLI. */
import type { Metrics, SplitMetrics } from '../engine/metrics';
import type { Report } from '../engine/report';

const pct = (x: number | undefined) => (x === undefined ? '—' : `${(100 * x).toFixed(2)}%`);
/** A 95% Wilson interval in percent, e.g. `81.20–92.45%`. */
const interval = (i: [number, number] | undefined) =>
  i ? `${(100 * i[0]).toFixed(2)}–${(100 * i[1]).toFixed(2)}%` : '—';
/** Typed cross swaps S→T (the `typed` keys with an arrow; `V` alone is the same-variable swap). */
const crossSwaps = (x: SplitMetrics | undefined) => Object.keys(x?.iia.typed ?? {}).filter((k) => k.includes('→'));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '))
    .join('\n');
}

/**
 * Behaviour and IIA per (label, split): the IIA's 95% Wilson interval when pairs were sampled, IIA per variable, the
 * chance level (the IIA of a network that ignores the intervention), probe accuracy; then, when variables share a
 * type, the typed swaps S→T in a table of their own, since overall IIA does not count them.
 */
export function metricsTable(sets: [string, Metrics][]): string {
  const first = sets.find(([, m]) => m)?.[1];
  if (!first) return '';
  const splits = Object.keys(first);
  const vars = Object.keys(first[splits[0]!]!.iia.byVariable);
  // Probe accuracy per variable, when a configuration trains probes (MULTI, IIT+MULTI).
  const probed = Object.keys(first[splits[0]!]!.probe ?? {});
  const all = sets.flatMap(([, m]) => splits.map((s) => m[s]).filter((x): x is SplitMetrics => !!x));
  const withInterval = all.some((x) => x.iia.interval);
  const withChance = all.some((x) => x.iia.chance !== undefined);
  const cross = [...new Set(all.flatMap(crossSwaps))];
  const rows: string[][] = [
    [
      '',
      'split',
      'behaviour',
      'IIA',
      ...(withInterval ? ['IIA 95% CI'] : []),
      ...vars.map((v) => `IIA ${v}`),
      ...(withChance ? ['chance'] : []),
      ...probed.map((v) => `probe ${v}`),
      'pairs',
    ],
  ];
  const typedRows: string[][] = [['', 'split', ...cross.map((k) => `IIA ${k}`)]];
  for (const [label, m] of sets) {
    for (const s of splits) {
      const x = m[s];
      if (!x) continue;
      rows.push([
        label,
        s,
        pct(x.behavioral),
        pct(x.iia.overall),
        ...(withInterval ? [x.iia.exact ? 'exact' : interval(x.iia.interval)] : []),
        ...vars.map((v) => pct(x.iia.byVariable[v])),
        ...(withChance ? [pct(x.iia.chance)] : []),
        ...probed.map((v) => pct(x.probe?.[v])),
        `${x.iia.pairs}${x.iia.exact ? ' (all)' : ''}`,
      ]);
      if (cross.length) typedRows.push([label, s, ...cross.map((k) => pct(x.iia.typed?.[k]))]);
    }
  }
  const notes: string[] = [];
  if (withChance)
    notes.push(
      "chance: the IIA of a network that ignores the intervention (pairs whose counterfactual output is the base's own)",
    );
  let out = table(rows);
  if (cross.length) {
    notes.push(
      'IIA (overall) counts the same-variable swaps V→V only; the typed swaps S→T (onto another variable of the same type) are listed apart',
    );
    out += `\n\ntyped swaps (S→T), not in IIA:\n${table(typedRows)}`;
  }
  return notes.length ? `${out}\n${notes.join('\n')}` : out;
}

export function formatReport(r: Report): string {
  const speed = r.timing.examplesPerSecond > 0 ? ` · ${r.timing.examplesPerSecond.toFixed(0)} pairs/s` : '';
  const head = `${r.experiment} · config ${r.config} · backend ${r.backend} · seed ${r.seed} · ${r.steps} step${r.steps === 1 ? '' : 's'} in ${r.timing.trainSeconds.toFixed(2)} s${speed}`;
  const sets: [string, Metrics][] = [];
  if (r.before) sets.push(['before', r.before]);
  sets.push([r.before ? 'after' : 'result', r.metrics]);
  let out = `${head}\n${metricsTable(sets)}`;
  if (r.parameters) {
    const ps = Object.entries(r.parameters)
      .filter(([, v]) => v.length <= 8)
      .map(([k, v]) => `${k} = ${v.length === 1 ? v[0]!.toFixed(4) : `[${v.map((x) => x.toFixed(4)).join(', ')}]`}`);
    if (ps.length) out += `\nparameters: ${ps.join('  ')}`;
  }
  return out;
}
