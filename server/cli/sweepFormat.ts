/** A sweep as text: what a submission sends, and each cell's state. */
import path from 'node:path';
import type { SweepSubmitted } from '../app/sweep';
import type { SweepCellStatus, SweepStatus } from '../protocol/results';

/** Paths inside the working folder read relative, others absolute. */
const shown = (p: string) => {
  const r = path.relative(process.cwd(), p);
  return r.startsWith('..') || path.isAbsolute(r) ? p : r || p;
};

export function formatSubmitted(r: SweepSubmitted, dryRun: boolean): string {
  const toRun = r.cells.filter((c) => c.toRun);
  const cells = r.cells.map(
    (c) =>
      `  ${String(c.index).padStart(3)}  ${c.id.padEnd(24)} ${c.toRun ? 'to train' : c.queued ? `in the queue as ${c.queued}` : 'finished in the store'}`,
  );
  const head = `${r.experiment}: ${r.cells.length} cell${r.cells.length === 1 ? '' : 's'}, ${toRun.length} to train (store ${shown(r.store)})`;
  if (dryRun) return [r.script.trimEnd(), '', head, ...cells].join('\n');
  if (!r.jobId)
    return [
      head,
      ...cells,
      '',
      r.cells.some((c) => c.queued)
        ? `nothing new to submit: iit-studio sweep status --store ${shown(r.store)} follows the queued cells`
        : `every cell is finished: iit-studio table --store ${shown(r.store)} gathers the table`,
    ].join('\n');
  return [
    head,
    ...cells,
    '',
    `submitted job array ${r.jobId} (${shown(r.scriptFile!)})`,
    `follow it with: iit-studio sweep status --store ${shown(r.store)}`,
  ].join('\n');
}

function detail(c: SweepCellStatus): string {
  const parts: string[] = [];
  if (c.step !== undefined) parts.push(`step ${c.step}${c.steps !== undefined ? `/${c.steps}` : ''}`);
  if (c.job) parts.push(c.node ? `${c.job} on ${c.node}` : c.job);
  if (c.reason) parts.push(`(${c.reason})`);
  if (c.error) parts.push(c.error);
  return parts.join('  ');
}

export function formatSweepStatus(s: SweepStatus): string {
  const counts = new Map<string, number>();
  for (const c of s.cells) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  const width = Math.max(...s.cells.map((c) => c.id.length), 4);
  return [
    `${s.experiment} (${shown(s.file)}): ${s.cells.length} cells in ${shown(s.store)}; job${s.jobs.length === 1 ? '' : 's'} ${s.jobs.join(', ') || '—'}`,
    ...s.cells.map((c) => `  ${c.id.padEnd(width)}  ${c.state.padEnd(13)} ${detail(c)}`.trimEnd()),
    [...counts].map(([k, n]) => `${n} ${k}`).join(', '),
    ...(s.queueProblem ? [`(the queue could not be read: ${s.queueProblem}; states are the store's)`] : []),
  ].join('\n');
}
