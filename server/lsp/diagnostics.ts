/** Diagnostics of an experiment file: a check's error on the declaration it is about, and the last run's IIA. */
import path from 'node:path';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import type { SourceIndex, Range } from '../source/index';
import type { WorkerError } from './jobs';
import type { LastReport } from './lastReports';

/** Line `line` (1-based) from `column` to its last non-blank character. */
export function lineRange(text: string, line: number, column = 1): Range {
  const l = text.split('\n')[line - 1] ?? '';
  const start = Math.max(0, Math.min(column - 1, l.length));
  return {
    start: { line: Math.max(0, line - 1), character: start },
    end: { line: Math.max(0, line - 1), character: Math.max(start, l.trimEnd().length) },
  };
}

/** The error as a diagnostic on its declaration in the document (whose text was loaded from `loaded`). */
export function errorDiagnostic(text: string, index: SourceIndex, loaded: string, e: WorkerError): Diagnostic {
  const here = !e.location || path.resolve(e.location.file) === loaded;
  let range: Range | undefined;
  let where = '';
  if (here)
    range =
      index.rangeFor({ ...e, location: e.location }) ??
      (e.location ? lineRange(text, e.location.line, e.location.column) : undefined);
  else {
    // Declared in an imported file: point at the import of that file.
    where = ` (in ${path.basename(e.location!.file)}:${e.location!.line})`;
    const base = path.basename(e.location!.file).replace(/\.[cm]?[jt]s$/, '');
    const line = text.split('\n').findIndex((l) => /^\s*import\b/.test(l) && l.includes(base));
    if (line >= 0) range = lineRange(text, line + 1);
  }
  if (e.code === 'timeout') {
    const l = index.experimentLine();
    if (l !== undefined) range = lineRange(text, l + 1);
  }
  return {
    range: range ?? lineRange(text, 1),
    severity: DiagnosticSeverity.Error,
    source: 'iit',
    code: e.code,
    message: `${e.message}${e.fix ? ` — ${e.fix}` : ''}${where}`,
  };
}

/** One information diagnostic per aligned variable: its IIA on the first split of the last run. */
export function iiaDiagnostics(index: SourceIndex, last: LastReport | undefined): Diagnostic[] {
  if (!last) return [];
  const [split, m] = Object.entries(last.report.metrics)[0] ?? [];
  if (!m) return [];
  const out: Diagnostic[] = [];
  for (const [v, iia] of Object.entries(m.iia.byVariable)) {
    const decl = index.alignmentDecls().find((d) => d.name === v);
    if (!decl) continue;
    out.push({
      range: index.range(decl.node),
      severity: DiagnosticSeverity.Information,
      source: 'iit',
      code: 'iia',
      message: `IIA ${v}: ${(100 * iia).toFixed(2)}% on ${split} over ${m.iia.pairs} pairs (run ${last.runId}, config ${last.report.config}, seed ${last.report.seed})`,
    });
  }
  return out;
}
