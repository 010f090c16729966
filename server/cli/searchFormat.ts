/** The alignment search as text: per variable a site × k grid of held-out IIA, then the best cell of each. */
import type { SearchCell, SearchResult } from '../app/search';

const pct = (c: SearchCell | undefined) => (c?.iia === undefined ? '—' : `${(100 * c.iia).toFixed(1)}%`);

export function formatSearch(r: SearchResult): string {
  const out = [`${r.experiment}: alignment search (${r.config}) on ${r.run}; IIA on '${r.split}' pairs, per variable`];
  for (const v of r.variables) {
    const head = ['site', ...r.dims.map((k) => `k=${k}`)];
    const rows = [
      head,
      ...r.sites.map((s) => [
        s,
        ...r.dims.map((k) => pct(r.cells.find((c) => c.variable === v && c.site === s && c.dims === k))),
      ]),
    ];
    const widths = head.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    out.push('', v);
    for (const row of rows)
      out.push(row.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  '));
  }
  out.push('');
  for (const v of r.variables) {
    const b = r.best[v];
    out.push(b ? `best ${v}: ${b.site}, k=${b.dims} (${pct(b)}) — ${b.runDir}` : `best ${v}: none (no cell ran)`);
  }
  const skipped = r.cells.filter((c) => c.skipped).length;
  if (skipped) out.push(`— : not run (k larger than the site), ${skipped} cell${skipped === 1 ? '' : 's'}`);
  out.push(`wall time ${r.wallSeconds.toFixed(0)} s`);
  return out.join('\n');
}
