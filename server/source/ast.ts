/**
 * The TypeScript-AST helpers every reader of experiment files shares: parsing,
 * property lookup in object literals, and finding the `experiment({...})` and
 * `causalModel({...})` calls. The source index (ranges, lines) and the
 * extension's source edits both go through these, so they agree on which
 * object is "the experiment" and which is "the causal model".
 */
import ts from 'typescript';

export function parse(fileName: string, text: string): ts.SourceFile {
  return ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

/** A property's key as written (`A`, `'NO TYPING'`, `0`); undefined for computed keys and spreads. */
export function propName(p: ts.ObjectLiteralElementLike): string | undefined {
  const n = p.name;
  if (!n) return undefined;
  if (ts.isIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n)) return n.text;
  return undefined;
}

/** The element of an object literal with key `name`, of any kind (`a: 1`, shorthand `a`, method `a() {}`). */
export function member(obj: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralElementLike | undefined {
  return obj.properties.find((p) => propName(p) === name);
}

/** The `name: value` assignment of an object literal (what edits replace or insert beside). */
export function property(obj: ts.ObjectLiteralExpression, name: string): ts.PropertyAssignment | undefined {
  return obj.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && propName(p) === name);
}

/** An element's value expression: the initializer, or the name of a shorthand `{ model }`. */
export function valueOf(p: ts.ObjectLiteralElementLike | undefined): ts.Expression | undefined {
  if (!p) return undefined;
  if (ts.isPropertyAssignment(p)) return p.initializer;
  if (ts.isShorthandPropertyAssignment(p)) return p.name;
  return undefined;
}

/** `e` without `as T`, `satisfies T` and parentheses around it. */
export function unwrap(e: ts.Expression): ts.Expression {
  while (ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isParenthesizedExpression(e)) e = e.expression;
  return e;
}

/** The initializer of the same-file `const name = ...` (any scope), if there is one. */
function declared(sf: ts.SourceFile, name: string): ts.Expression | undefined {
  let found: ts.Expression | undefined;
  const visit = (n: ts.Node) => {
    if (found) return;
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name && n.initializer)
      found = n.initializer;
    else ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

/** An expression's object literal, following a same-file `const x = {...}` and `as`/`satisfies`. */
export function objectOf(e: ts.Expression | undefined, sf: ts.SourceFile): ts.ObjectLiteralExpression | undefined {
  if (!e) return undefined;
  e = unwrap(e);
  if (ts.isObjectLiteralExpression(e)) return e;
  if (ts.isIdentifier(e)) {
    const init = declared(sf, e.text);
    // A self-referencing declaration (`const a = a`) is not an object.
    return init && init !== e ? objectOf(init, sf) : undefined;
  }
  return undefined;
}

/** The object literal that `obj.name` holds, when written out in the file. */
export function objectAt(
  obj: ts.ObjectLiteralExpression | undefined,
  name: string,
  sf: ts.SourceFile,
): ts.ObjectLiteralExpression | undefined {
  return obj ? objectOf(valueOf(member(obj, name)), sf) : undefined;
}

/** The called function's name: `experiment(...)` and `iit.experiment(...)` are both 'experiment'. */
export function calleeName(c: ts.CallExpression): string | undefined {
  const e = c.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

/** Every call of `callee` in the file, in source order. */
export function callsOf(sf: ts.SourceFile, callee: string): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isCallExpression(n) && calleeName(n) === callee) out.push(n);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The call `e` is, or holds through a same-file `const`, when it calls `callee`. */
function callIn(
  e: ts.Expression,
  sf: ts.SourceFile,
  callee: string,
  seen = new Set<string>(),
): ts.CallExpression | undefined {
  e = unwrap(e);
  if (ts.isCallExpression(e)) return calleeName(e) === callee ? e : undefined;
  if (ts.isIdentifier(e) && !seen.has(e.text)) {
    seen.add(e.text);
    const init = declared(sf, e.text);
    return init ? callIn(init, sf, callee, seen) : undefined;
  }
  return undefined;
}

/**
 * The `experiment(...)` call the file default-exports: `export default experiment({...})`,
 * `export default exp` or `export { exp as default }` with `const exp = experiment({...})`.
 * This is what the loader runs, so it is the file's experiment.
 */
export function defaultExperimentCall(sf: ts.SourceFile): ts.CallExpression | undefined {
  for (const st of sf.statements) {
    if (ts.isExportAssignment(st) && !st.isExportEquals) {
      const c = callIn(st.expression, sf, 'experiment');
      if (c) return c;
    }
    if (ts.isExportDeclaration(st) && !st.moduleSpecifier && st.exportClause && ts.isNamedExports(st.exportClause)) {
      for (const el of st.exportClause.elements) {
        if (el.name.text !== 'default') continue;
        const c = callIn(el.propertyName ?? el.name, sf, 'experiment');
        if (c) return c;
      }
    }
  }
  return undefined;
}

/** The file's experiment call: the default-exported one, else the first `experiment(` in the file. */
export function experimentCall(sf: ts.SourceFile): ts.CallExpression | undefined {
  return defaultExperimentCall(sf) ?? callsOf(sf, 'experiment')[0];
}

/** The object passed to the file's `experiment(...)`. */
export function experimentObject(sf: ts.SourceFile): ts.ObjectLiteralExpression | undefined {
  const c = experimentCall(sf);
  return c ? objectOf(c.arguments[0], sf) : undefined;
}

/** The objects passed to `causalModel(...)`, in source order. */
export function causalModelObjects(sf: ts.SourceFile): ts.ObjectLiteralExpression[] {
  return callsOf(sf, 'causalModel').flatMap((c) => objectOf(c.arguments[0], sf) ?? []);
}

/** The file's (first) causal model declaration. */
export function causalModelObject(sf: ts.SourceFile): ts.ObjectLiteralExpression | undefined {
  return causalModelObjects(sf)[0];
}
