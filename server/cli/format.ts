/** Human-readable tables for the CLI. */
import type { Metrics } from '../engine/metrics';
import type { Report } from '../engine/report';

const pct = (x: number | undefined) => (x === undefined ? '—' : `${(100 * x).toFixed(2)}%`);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '))
    .join('\n');
}

export function metricsTable(sets: [string, Metrics][]): string {
  const first = sets.find(([, m]) => m)?.[1];
  if (!first) return '';
  const splits = Object.keys(first);
  const vars = Object.keys(first[splits[0]!]!.iia.byVariable);
  // Probe accuracy per variable, when a configuration trains probes (MULTI, IIT+MULTI).
  const probed = Object.keys(first[splits[0]!]!.probe ?? {});
  const rows: string[][] = [
    ['', 'split', 'behaviour', 'IIA', ...vars.map((v) => `IIA ${v}`), ...probed.map((v) => `probe ${v}`), 'pairs'],
  ];
  for (const [label, m] of sets) {
    for (const s of splits) {
      const x = m[s];
      if (!x) continue;
      rows.push([
        label,
        s,
        pct(x.behavioral),
        pct(x.iia.overall),
        ...vars.map((v) => pct(x.iia.byVariable[v])),
        ...probed.map((v) => pct(x.probe?.[v])),
        `${x.iia.pairs}${x.iia.exact ? ' (all)' : ''}`,
      ]);
    }
  }
  return table(rows);
}

export function formatReport(r: Report): string {
  const head = `${r.experiment} · config ${r.config} · backend ${r.backend} · seed ${r.seed} · ${r.steps} step${r.steps === 1 ? '' : 's'} in ${r.timing.trainSeconds.toFixed(2)} s`;
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
