/**
 * The index of one experiment file's declarations: model variables, alignment
 * entries, configurations and the `experiment(` call, with their ranges. The
 * language server places diagnostics, hovers, symbols and the CodeLens with
 * it; the debugger takes its equation and alignment lines from it.
 *
 * Engine errors name the declaring call and a subject (a variable name); the
 * AST gives the property that declares it: `V1: {...}` inside
 * `causalModel({...})` for model errors, inside an `alignment: {...}` for
 * alignment errors, and a `parents` array element for unknown parents and
 * cycles.
 */
import ts from 'typescript';
import {
  causalModelObjects,
  callsOf,
  experimentCall,
  member,
  objectAt,
  objectOf,
  parse,
  propName,
  valueOf,
} from './ast';

export interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** What rangeFor reads of an engine error (IITError's fields; `location.line` is 1-based). */
export interface ErrorLike {
  code: string;
  message: string;
  subject?: string;
  location?: { line: number; column: number };
}

/** A named property of a model or an alignment: `A: {...}`. */
export interface Decl {
  name: string;
  node: ts.ObjectLiteralElementLike;
}

const MODEL_CODES = new Set(['unknown-parent', 'cycle', 'bad-declaration', 'equation-throws', 'value-out-of-set']);
const ALIGNMENT_CODES = new Set([
  'unknown-variable',
  'unknown-site',
  'slice-out-of-range',
  'overlap',
  'type-shape-mismatch',
]);

const EMPTY = ts.factory.createObjectLiteralExpression();

function declsOf(obj: ts.ObjectLiteralExpression | undefined): Decl[] {
  return (obj?.properties ?? []).flatMap((p) => {
    const name = propName(p);
    return name ? [{ name, node: p }] : [];
  });
}

export class SourceIndex {
  readonly sf: ts.SourceFile;
  /** Object literals passed to causalModel(...). */
  readonly models: ts.ObjectLiteralExpression[];
  /** Object literals passed to experiment(...). */
  readonly experiments: ts.ObjectLiteralExpression[];

  constructor(
    readonly text: string,
    fileName = 'experiment.ts',
  ) {
    this.sf = parse(fileName, text);
    this.models = causalModelObjects(this.sf);
    this.experiments = callsOf(this.sf, 'experiment').flatMap((c) => objectOf(c.arguments[0], this.sf) ?? []);
  }

  range(node: ts.Node): Range {
    const s = this.sf.getLineAndCharacterOfPosition(node.getStart(this.sf));
    const e = this.sf.getLineAndCharacterOfPosition(node.getEnd());
    return { start: s, end: e };
  }

  /** Alignment object literals: the experiment's and each configuration's. */
  alignments(): ts.ObjectLiteralExpression[] {
    const out: ts.ObjectLiteralExpression[] = [];
    for (const exp of this.experiments) {
      const a = objectAt(exp, 'alignment', this.sf);
      if (a) out.push(a);
      for (const c of objectAt(exp, 'configs', this.sf)?.properties ?? []) {
        const ca = objectAt(objectOf(valueOf(c), this.sf), 'alignment', this.sf);
        if (ca) out.push(ca);
      }
    }
    return out;
  }

  /** `name: {...}` declarations of model variables (of one model, or of every model in the file). */
  variableDecls(model?: ts.ObjectLiteralExpression): (Decl & { model: ts.ObjectLiteralExpression })[] {
    return (model ? [model] : this.models).flatMap((m) => declsOf(m).map((d) => ({ ...d, model: m })));
  }

  /** A variable declaration's equation `f`, when written inside it. */
  equationOf(d: Decl): ts.ObjectLiteralElementLike | undefined {
    const decl = objectOf(valueOf(d.node), this.sf);
    return decl && member(decl, 'f');
  }

  /** The causal model declared at or after a 1-based line (the engine records its call's line), else the last. */
  modelAt(line: number): ts.ObjectLiteralExpression | undefined {
    return this.models.find((m) => this.range(m).start.line + 1 >= line) ?? this.models[this.models.length - 1];
  }

  /** A configuration's own object literal (`configs: { name: {...} }`), when written out in the file. */
  configDecl(name: string): ts.ObjectLiteralExpression | undefined {
    for (const exp of this.experiments) {
      const c = objectAt(objectAt(exp, 'configs', this.sf), name, this.sf);
      if (c) return c;
    }
    return undefined;
  }

  /** Alignment entries: the configuration's own when given and declared, else every alignment in the file. */
  alignmentDecls(config?: ts.ObjectLiteralExpression): Decl[] {
    const own = objectAt(config, 'alignment', this.sf);
    return (own ? [own] : this.alignments()).flatMap(declsOf);
  }

  /** The alignment entries a configuration runs with: its own alignment if it declares one, else the experiment's. */
  alignmentOf(config: string): Decl[] {
    const exp = objectOf(experimentCall(this.sf)?.arguments[0], this.sf);
    return declsOf(
      objectAt(objectAt(objectAt(exp, 'configs', this.sf), config, this.sf), 'alignment', this.sf) ??
        objectAt(exp, 'alignment', this.sf),
    );
  }

  /** The element naming `parent` in `variable`'s parents array. */
  private parentElement(variable: string, parent: string): ts.Node | undefined {
    for (const d of this.variableDecls().filter((x) => x.name === variable)) {
      const arr = valueOf(member(objectOf(valueOf(d.node), this.sf) ?? EMPTY, 'parents'));
      if (arr && ts.isArrayLiteralExpression(arr)) {
        const el = arr.elements.find((x) => ts.isStringLiteralLike(x) && x.text === parent);
        if (el) return el;
      }
    }
    return undefined;
  }

  /** The node nearest the location's line among candidates (several models or alignments in one file). */
  private nearest<T extends { node: ts.Node }>(cands: T[], line?: number): T | undefined {
    if (cands.length <= 1 || line === undefined) return cands[0];
    const after = cands.filter((c) => this.range(c.node).start.line + 1 >= line);
    return after[0] ?? cands[cands.length - 1];
  }

  /** The range an engine error belongs on, or undefined when the file does not declare its subject. */
  rangeFor(e: ErrorLike): Range | undefined {
    const line = e.location?.line;
    if (!e.subject) return undefined;
    if (e.code === 'unknown-parent') {
      const parent = /unknown parent '([^']+)'/.exec(e.message)?.[1];
      const el = parent ? this.parentElement(e.subject, parent) : undefined;
      if (el) return this.range(el);
    }
    if (e.code === 'cycle') {
      // "cycle A → B → A": A lists B among its parents.
      const names = /cycle (.+)$/.exec(e.message)?.[1]?.split(' → ');
      if (names && names.length >= 2) {
        const el = this.parentElement(names[0]!, names[1]!);
        if (el) return this.range(el);
      }
    }
    // "configuration C: ..." — an error of configuration C: on its declaration when the file writes it out.
    const configName = /^configuration ([^:]+): /.exec(e.message)?.[1];
    const config = configName !== undefined ? this.configDecl(configName) : undefined;
    const isAlignment = ALIGNMENT_CODES.has(e.code) || /^(configuration [^:]+: )?alignment:/.test(e.message);
    if (config && !isAlignment) {
      const p = member(config, e.subject);
      return this.range(p ?? config.parent);
    }
    if (isAlignment) {
      const d = this.nearest(
        this.alignmentDecls(config).filter((x) => x.name === e.subject),
        line,
      );
      if (d) {
        const entry = objectOf(valueOf(d.node), this.sf);
        if (entry && e.code === 'unknown-site') {
          const site = member(entry, 'site');
          if (site) return this.range(site);
        }
        if (entry && e.code === 'slice-out-of-range') {
          const slice = member(entry, 'slice');
          if (slice) return this.range(slice);
        }
        return this.range(d.node);
      }
    }
    if (MODEL_CODES.has(e.code) || !isAlignment) {
      const d = this.nearest(
        this.variableDecls().filter((x) => x.name === e.subject),
        line,
      );
      if (d) return this.range(d.node);
    }
    // Experiment-level subjects (model, network, encode, output, training...).
    for (const exp of this.experiments) {
      const p = member(exp, e.subject);
      if (p) return this.range(p);
    }
    return undefined;
  }

  /** The line of the file's `experiment(` call (0-based), for the CodeLens and the debugger's first frame. */
  experimentLine(): number | undefined {
    const c = experimentCall(this.sf);
    return c ? this.range(c).start.line : undefined;
  }

  /** The word at a position and whether it is a model variable's or an alignment entry's key. */
  declAt(pos: { line: number; character: number }): { name: string; kind: 'variable' | 'alignment' } | undefined {
    const off = this.sf.getPositionOfLineAndCharacter(
      pos.line,
      Math.min(pos.character, (this.text.split('\n')[pos.line] ?? '').length),
    );
    const hit = (p: ts.ObjectLiteralElementLike) => p.name && p.name.getStart(this.sf) <= off && off <= p.name.getEnd();
    for (const d of this.alignmentDecls()) if (hit(d.node)) return { name: d.name, kind: 'alignment' };
    for (const d of this.variableDecls()) if (hit(d.node)) return { name: d.name, kind: 'variable' };
    return undefined;
  }
}
