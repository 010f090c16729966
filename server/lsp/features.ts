/** Hovers, CodeLens and symbols of an experiment file: its syntax index, its last check and its last run. */
import { fileURLToPath } from 'node:url';
import { SymbolKind, type CodeLens, type DocumentSymbol, type Hover, type Position } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { AlignmentInfo, ExperimentInfo } from '../protocol/results';
import type { SourceIndex } from '../source/index';
import type { LastReport } from './lastReports';

/** A variable's role, values, type group and neurons, and its IIA on each split of the last run. */
export function hover(
  doc: TextDocument,
  index: SourceIndex,
  info: ExperimentInfo,
  at: Position,
  last: LastReport | undefined,
): Hover | null {
  let name = index.declAt(at)?.name;
  if (!name) {
    const line = doc.getText().split('\n')[at.line] ?? '';
    name = [...line.matchAll(/[A-Za-z_$][\w$]*/g)].find(
      (m) => m.index! <= at.character && at.character <= m.index! + m[0].length,
    )?.[0];
  }
  const v = info.variables.find((x) => x.name === name);
  if (!name || !v) return null;
  const a = info.alignment.find((x) => x.variable === name);
  const group = info.variables.filter((x) => x.type === v.type).map((x) => x.name);
  const parts = [
    `**${v.name}** — ${v.role} variable`,
    `values: ${v.values} (${v.size} value${v.size === 1 ? '' : 's'})${v.parents.length ? ` · parents: ${v.parents.join(', ')}` : ''}`,
    `type group: ${v.type}${group.length > 1 ? ` (${group.join(', ')})` : ''}`,
  ];
  if (a) parts.push(alignmentLine(a));
  else if (v.role === 'intermediate') parts.push('not aligned');
  if (last && a) {
    for (const [split, m] of Object.entries(last.report.metrics)) {
      const x = m.iia.byVariable[name];
      if (x === undefined) continue;
      const ci = m.iia.interval
        ? `, 95% CI [${(100 * m.iia.interval[0]).toFixed(1)}, ${(100 * m.iia.interval[1]).toFixed(1)}]`
        : m.iia.exact
          ? ' (all pairs)'
          : '';
      parts.push(`last IIA (${split}): ${(100 * x).toFixed(2)}% over ${m.iia.pairs} pairs${ci} — run ${last.runId}`);
    }
  }
  return { contents: { kind: 'markdown', value: parts.join('\n\n') } };
}

/** Where a variable is aligned: its neuron block, or its coordinates of a learned basis (DAS). */
export function alignmentLine(a: AlignmentInfo): string {
  const site = `site \`${a.site}\``;
  const [s, e] = a.coords ?? [0, 0];
  switch (a.kind) {
    case 'rotated':
      return `rotation (DAS): k = ${e - s} coordinates [${s}:${e}] of a learned rotation of ${site} (${a.neurons} neurons)`;
    case 'lowRank':
      return `low-rank (DAS): k = ${e - s} coordinates [${s}:${e}] of a learned orthonormal basis of ${site} (${a.neurons} neurons)`;
    case 'boundless':
      return `boundless DAS: a learned rotation of ${site} (${a.neurons} neurons); the range starts at [${s}:${e}], its ends are learned (the run's weights, \`boundless.${a.site}.bounds\`)`;
    case 'mask':
      return `mask: a learned sigmoid mask over the ${a.neurons} neurons of ${site}`;
    default:
      return `neurons: ${site} ${a.ranges.map(([x, y]) => `[${x}:${y}]`).join('')} — ${a.neurons} neuron${a.neurons === 1 ? '' : 's'}`;
  }
}

/** Train, Evaluate and Debug intervention above `experiment({`; Run on Slurm where Slurm's sbatch is on PATH. */
export function codeLenses(uri: string, index: SourceIndex, slurm = false): CodeLens[] {
  const line = index.experimentLine();
  if (line === undefined) return [];
  const range = { start: { line, character: 0 }, end: { line, character: 0 } };
  return [
    { range, command: { title: '$(play) Train', command: 'iit.train', arguments: [uri] } },
    { range, command: { title: 'Evaluate', command: 'iit.evaluate', arguments: [uri] } },
    ...(slurm ? [{ range, command: { title: 'Run on Slurm', command: 'iit.runOnSlurm', arguments: [uri] } }] : []),
    {
      range,
      command: {
        title: 'Debug intervention',
        command: 'iit.debugIntervention',
        arguments: [{ experiment: fileURLToPath(uri) }],
      },
    },
  ];
}

/** Variables and alignment entries, from the syntax tree (so before, or without, a trusted check). */
export function symbols(index: SourceIndex, info: ExperimentInfo | undefined): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const d of index.variableDecls()) {
    const v = info?.variables.find((x) => x.name === d.name);
    out.push({
      name: d.name,
      detail: v ? `${v.role} · ${v.values}` : 'variable',
      kind: SymbolKind.Variable,
      range: index.range(d.node),
      selectionRange: index.range(d.node.name!),
    });
  }
  for (const d of index.alignmentDecls()) {
    const a = info?.alignment.find((x) => x.variable === d.name);
    out.push({
      name: a ? `${d.name} ↔ ${a.site}` : d.name,
      detail: a ? `${a.neurons} neurons` : 'alignment',
      kind: SymbolKind.Field,
      range: index.range(d.node),
      selectionRange: index.range(d.node.name!),
    });
  }
  return out;
}
