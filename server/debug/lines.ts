/**
 * Where the debugger's stack frames point: the line of each variable's
 * equation in the file that declares the causal model, the line of each
 * alignment entry (of the chosen configuration) and the `experiment(` call.
 * The engine records the declaring calls (source-mapped); the TypeScript AST
 * finds the exact properties (SourceIndex, shared with the language server).
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import type { Experiment } from '../engine/experiment';
import { SourceIndex } from '../lsp/ranges';

/** A line of a file, and the lines a breakpoint may be set on to mean it (a whole declaration). */
export interface SourceLine {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, inclusive: the declaration's extent. */
  first: number;
  last: number;
}

export interface ExperimentLines {
  experiment: SourceLine;
  model: SourceLine;
  /** Per non-input variable: its equation `f` (or its declaration when f sits elsewhere). */
  equations: Map<string, SourceLine>;
  /** Per aligned variable: its entry in the alignment the configuration uses. */
  alignment: Map<string, SourceLine>;
}

function index(file: string): SourceIndex {
  return new SourceIndex(readFileSync(file, 'utf8'), file);
}

function lineOf(ix: SourceIndex, file: string, node: ts.Node, at: ts.Node = node): SourceLine {
  const r = ix.range(node);
  return { file, line: ix.range(at).start.line + 1, first: r.start.line + 1, last: r.end.line + 1 };
}

function propName(p: ts.ObjectLiteralElementLike): string | undefined {
  const n = p.name;
  return n && (ts.isIdentifier(n) || ts.isStringLiteral(n)) ? n.text : undefined;
}

function objectIn(p: ts.ObjectLiteralElementLike | undefined): ts.ObjectLiteralExpression | undefined {
  let e = p && ts.isPropertyAssignment(p) ? p.initializer : undefined;
  while (e && (ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isParenthesizedExpression(e)))
    e = e.expression;
  return e && ts.isObjectLiteralExpression(e) ? e : undefined;
}

const fallback = (file: string, line: number): SourceLine => ({ file, line, first: line, last: line });

export function experimentLines(exp: Experiment, config: string): ExperimentLines {
  const expFile = exp.file ?? exp.location?.file ?? '';
  const ex = index(expFile);
  const expLine = (ex.experimentLine() ?? (exp.location?.line ?? 1) - 1) + 1;

  // The model may live in another file (Figure 1's sample imports it).
  const modelLoc = exp.model.location ?? { file: expFile, line: expLine, column: 1 };
  const mx = modelLoc.file === expFile ? ex : index(modelLoc.file);
  const models = mx.models;
  const model = models.find((m) => mx.range(m).start.line + 1 >= modelLoc.line) ?? models[models.length - 1];
  const equations = new Map<string, SourceLine>();
  for (const p of model?.properties ?? []) {
    const name = propName(p);
    if (!name || !exp.model.names.includes(name) || exp.model.inputs.includes(name)) continue;
    const f = objectIn(p)?.properties.find((q) => propName(q) === 'f');
    equations.set(name, lineOf(mx, modelLoc.file, p, f ?? p));
  }

  // The alignment of the chosen configuration when it declares one, else the experiment's.
  const alignment = new Map<string, SourceLine>();
  const top = ex.experiments[0];
  const prop = (o: ts.ObjectLiteralExpression | undefined, n: string) => o?.properties.find((p) => propName(p) === n);
  const own = objectIn(prop(objectIn(prop(objectIn(prop(top, 'configs')), config)), 'alignment'));
  for (const p of (own ?? objectIn(prop(top, 'alignment')))?.properties ?? []) {
    const name = propName(p);
    if (name) alignment.set(name, lineOf(ex, expFile, p));
  }
  return {
    experiment: fallback(expFile, expLine),
    model: model ? lineOf(mx, modelLoc.file, model, model) : fallback(modelLoc.file, modelLoc.line),
    equations,
    alignment,
  };
}
