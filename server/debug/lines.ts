/**
 * Where the debugger's stack frames point: the line of each variable's
 * equation in the file that declares the causal model, the line of each
 * alignment entry (of the chosen configuration) and the `experiment(` call.
 * The engine records the declaring calls (source-mapped); the source index
 * (server/source, shared with the language server) finds the exact properties.
 */
import { readFileSync } from 'node:fs';
import type ts from 'typescript';
import type { Experiment } from '../engine/experiment';
import { SourceIndex } from '../source/index';

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

const fallback = (file: string, line: number): SourceLine => ({ file, line, first: line, last: line });

export function experimentLines(exp: Experiment, config: string): ExperimentLines {
  const expFile = exp.file ?? exp.location?.file ?? '';
  const ex = index(expFile);
  const expLine = (ex.experimentLine() ?? (exp.location?.line ?? 1) - 1) + 1;

  // The model may live in another file (Figure 1's sample imports it).
  const modelLoc = exp.model.location ?? { file: expFile, line: expLine, column: 1 };
  const mx = modelLoc.file === expFile ? ex : index(modelLoc.file);
  const model = mx.modelAt(modelLoc.line);
  const equations = new Map<string, SourceLine>();
  for (const d of model ? mx.variableDecls(model) : []) {
    if (!exp.model.names.includes(d.name) || exp.model.inputs.includes(d.name)) continue;
    equations.set(d.name, lineOf(mx, modelLoc.file, d.node, mx.equationOf(d) ?? d.node));
  }

  const alignment = new Map<string, SourceLine>();
  for (const d of ex.alignmentOf(config)) alignment.set(d.name, lineOf(ex, expFile, d.node));
  return {
    experiment: fallback(expFile, expLine),
    model: model ? lineOf(mx, modelLoc.file, model, model) : fallback(modelLoc.file, modelLoc.line),
    equations,
    alignment,
  };
}
