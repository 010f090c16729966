/**
 * Exact source ranges for engine errors. The engine knows the declaring call
 * and the subject (a variable name); the TypeScript AST gives the property
 * that declares it: `V1: {...}` inside `causalModel({...})` for model errors,
 * inside an `alignment: {...}` for alignment errors, and a `parents` array
 * element for unknown parents and cycles.
 */
import ts from 'typescript';

export interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export interface ErrorLike {
  code: string;
  message: string;
  subject?: string;
  location?: { line: number; column: number };
}

const MODEL_CODES = new Set(['unknown-parent', 'cycle', 'bad-declaration', 'equation-throws', 'value-out-of-set']);
const ALIGNMENT_CODES = new Set([
  'unknown-variable',
  'unknown-site',
  'slice-out-of-range',
  'overlap',
  'type-shape-mismatch',
]);

function propName(p: ts.ObjectLiteralElementLike): string | undefined {
  const n = p.name;
  if (!n) return undefined;
  if (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n)) return n.text;
  return undefined;
}

function prop(obj: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralElementLike | undefined {
  return obj.properties.find((p) => propName(p) === name);
}

function calleeName(c: ts.CallExpression): string | undefined {
  const e = c.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

/** An expression's object literal, following a same-file `const x = {...}` and `as`/`satisfies`. */
function objectOf(e: ts.Expression | undefined, sf: ts.SourceFile): ts.ObjectLiteralExpression | undefined {
  while (e && (ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isParenthesizedExpression(e)))
    e = e.expression;
  if (!e) return undefined;
  if (ts.isObjectLiteralExpression(e)) return e;
  if (ts.isIdentifier(e)) {
    let found: ts.ObjectLiteralExpression | undefined;
    const visit = (n: ts.Node) => {
      if (!found && ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === e.text && n.initializer)
        found = objectOf(n.initializer, sf);
      else ts.forEachChild(n, visit);
    };
    visit(sf);
    return found;
  }
  return undefined;
}

function valueOf(p: ts.ObjectLiteralElementLike | undefined): ts.Expression | undefined {
  if (!p) return undefined;
  if (ts.isPropertyAssignment(p)) return p.initializer;
  if (ts.isShorthandPropertyAssignment(p)) return p.name;
  return undefined;
}

export class SourceIndex {
  readonly sf: ts.SourceFile;
  /** Object literals passed to causalModel(...). */
  readonly models: ts.ObjectLiteralExpression[] = [];
  /** Object literals passed to experiment(...). */
  readonly experiments: ts.ObjectLiteralExpression[] = [];

  constructor(
    readonly text: string,
    fileName = 'experiment.ts',
  ) {
    this.sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const visit = (n: ts.Node) => {
      if (ts.isCallExpression(n)) {
        const name = calleeName(n);
        const arg = n.arguments[0] ? objectOf(n.arguments[0], this.sf) : undefined;
        if (arg && name === 'causalModel') this.models.push(arg);
        if (arg && name === 'experiment') this.experiments.push(arg);
      }
      ts.forEachChild(n, visit);
    };
    visit(this.sf);
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
      const a = objectOf(valueOf(prop(exp, 'alignment')), this.sf);
      if (a) out.push(a);
      const configs = objectOf(valueOf(prop(exp, 'configs')), this.sf);
      for (const c of configs?.properties ?? []) {
        const ca = objectOf(
          valueOf(prop(objectOf(valueOf(c), this.sf) ?? ts.factory.createObjectLiteralExpression(), 'alignment')),
          this.sf,
        );
        if (ca) out.push(ca);
      }
    }
    return out;
  }

  /** `name: {...}` declarations of model variables. */
  variableDecls(): { name: string; node: ts.ObjectLiteralElementLike; model: ts.ObjectLiteralExpression }[] {
    return this.models.flatMap((m) =>
      m.properties.flatMap((p) => (propName(p) ? [{ name: propName(p)!, node: p, model: m }] : [])),
    );
  }

  /** A configuration's own object literal (`configs: { name: {...} }`), when written out in the file. */
  configDecl(name: string): ts.ObjectLiteralExpression | undefined {
    for (const exp of this.experiments) {
      const configs = objectOf(valueOf(prop(exp, 'configs')), this.sf);
      const c = configs ? objectOf(valueOf(prop(configs, name)), this.sf) : undefined;
      if (c) return c;
    }
    return undefined;
  }

  alignmentDecls(config?: ts.ObjectLiteralExpression): { name: string; node: ts.ObjectLiteralElementLike }[] {
    const own = config ? objectOf(valueOf(prop(config, 'alignment')), this.sf) : undefined;
    return (own ? [own] : this.alignments()).flatMap((a) =>
      a.properties.flatMap((p) => (propName(p) ? [{ name: propName(p)!, node: p }] : [])),
    );
  }

  /** The element naming `parent` in `variable`'s parents array. */
  private parentElement(variable: string, parent: string): ts.Node | undefined {
    for (const d of this.variableDecls().filter((x) => x.name === variable)) {
      const arr = valueOf(
        prop(objectOf(valueOf(d.node), this.sf) ?? ts.factory.createObjectLiteralExpression(), 'parents'),
      );
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
      const p = prop(config, e.subject);
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
          const site = prop(entry, 'site');
          if (site) return this.range(site);
        }
        if (entry && e.code === 'slice-out-of-range') {
          const slice = prop(entry, 'slice');
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
      const p = prop(exp, e.subject);
      if (p) return this.range(p);
    }
    return undefined;
  }

  /** The line of `experiment(` (0-based), for the CodeLens. */
  experimentLine(): number | undefined {
    let out: number | undefined;
    const visit = (n: ts.Node) => {
      if (out === undefined && ts.isCallExpression(n) && calleeName(n) === 'experiment') out = this.range(n).start.line;
      else ts.forEachChild(n, visit);
    };
    visit(this.sf);
    return out;
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
