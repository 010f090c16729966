/**
 * Text edits that add variables, alignment entries and configurations to an
 * experiment's TypeScript source (the extension's Add Variable, Align
 * Variable…, Add Configuration). The file stays the single source of truth:
 * we locate the object literals with the TypeScript parser (the helpers the
 * source index uses) and insert a property indented like its siblings. Pure
 * (no vscode), so tests run in Node.
 */
import path from 'node:path';
import ts from 'typescript';
import { causalModelObject, experimentObject, member, parse, property, propName, valueOf } from './ast';

export interface TextEdit {
  /** Replace [start, end) with text. */
  start: number;
  end: number;
  text: string;
}

function lineIndent(text: string, pos: number): string {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** A key as written in source: bare identifier when possible. */
export function keyText(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Inserts `key: value` into an object literal, after `after` (a property name)
 * or at the end, indented like the other properties (or one step deeper than
 * the object when it is empty or on one line).
 */
export function addProperty(
  text: string,
  obj: ts.ObjectLiteralExpression,
  key: string,
  value: string,
  opts: { before?: string } = {},
): TextEdit {
  const props = obj.properties;
  const sf = obj.getSourceFile();
  const objIndent = lineIndent(text, obj.getStart(sf));
  const multiline = props.length > 0 && text.slice(obj.getStart(sf), props[0]!.getStart(sf)).includes('\n');
  const entry = `${keyText(key)}: ${value}`;
  if (!props.length || !multiline) {
    // Rewrite the literal as a multi-line block with the existing properties kept as written.
    const inner = objIndent + '  ';
    const items = [...props.map((p) => p.getText(sf)), entry];
    return {
      start: obj.getStart(sf),
      end: obj.getEnd(),
      text: `{\n${items.map((i) => `${inner}${i},`).join('\n')}\n${objIndent}}`,
    };
  }
  const indent = lineIndent(text, props[0]!.getStart(sf));
  const beforeIdx = opts.before !== undefined ? props.findIndex((p) => propName(p) === opts.before) : -1;
  if (beforeIdx >= 0) {
    const at = props[beforeIdx]!.getStart(sf);
    return { start: at, end: at, text: `${entry},\n${indent}` };
  }
  const last = props[props.length - 1]!;
  const end = last.getEnd();
  const hasComma = props.hasTrailingComma;
  const insertAt = hasComma ? text.indexOf(',', end) + 1 : end;
  return { start: insertAt, end: insertAt, text: `${hasComma ? '' : ','}\n${indent}${entry}${hasComma ? ',' : ''}` };
}

/** Sets `key: value`, replacing an existing property's initializer. */
export function setProperty(text: string, obj: ts.ObjectLiteralExpression, key: string, value: string): TextEdit {
  const p = property(obj, key);
  if (p) {
    const sf = obj.getSourceFile();
    return { start: p.initializer.getStart(sf), end: p.initializer.getEnd(), text: value };
  }
  return addProperty(text, obj, key, value);
}

export function applyEdit(text: string, e: TextEdit): string {
  return text.slice(0, e.start) + e.text + text.slice(e.end);
}

export class EditError extends Error {}

/** Where the causal model is declared: this file, or the module `model:` is imported from. */
export function locateModel(file: string, text: string): { file: string; local: boolean } {
  const sf = parse(file, text);
  if (causalModelObject(sf)) return { file, local: true };
  const exp = experimentObject(sf);
  // `model: conjunction`, `model: lib.conjunction` or the shorthand `model`.
  const m = exp && valueOf(member(exp, 'model'));
  const id =
    m && ts.isIdentifier(m)
      ? m.text
      : m && ts.isPropertyAccessExpression(m) && ts.isIdentifier(m.expression)
        ? m.expression.text
        : undefined;
  if (!id)
    throw new EditError('cannot find the causal model: give experiment() a `model:` declared with causalModel({...})');
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    const names = st.importClause?.namedBindings;
    const has =
      (names && ts.isNamedImports(names) && names.elements.some((e) => e.name.text === id)) ||
      st.importClause?.name?.text === id ||
      (names && ts.isNamespaceImport(names) && names.name.text === id);
    if (!has) continue;
    const spec = st.moduleSpecifier.text;
    if (!spec.startsWith('.')) throw new EditError(`the causal model comes from the package '${spec}'; edit it there`);
    const base = path.resolve(path.dirname(file), spec);
    return { file: /\.[cm]?[tj]s$/.test(base) ? base.replace(/\.[cm]?js$/, '.ts') : `${base}.ts`, local: false };
  }
  throw new EditError(`cannot find where '${id}' is declared`);
}

export interface NewVariable {
  name: string;
  /** Value-set expression, e.g. `bool`, `range(10)`. */
  values: string;
  parents: string[];
  /** Body of f as an expression over the parents; default: the first parent. */
  body?: string;
}

export function addVariableEdit(file: string, text: string, v: NewVariable): TextEdit {
  const obj = causalModelObject(parse(file, text));
  if (!obj) throw new EditError(`no causalModel({...}) in ${path.basename(file)}`);
  if (property(obj, v.name)) throw new EditError(`the causal model already has a variable '${v.name}'`);
  const parts = [`values: ${v.values}`];
  if (v.parents.length) {
    parts.push(`parents: [${v.parents.map((p) => `'${p}'`).join(', ')}]`);
    parts.push(`f: ({ ${v.parents.join(', ')} }) => ${v.body?.trim() || v.parents[0]}`);
  }
  // Variables are declared in causal order: insert before the last one (the output) when it depends on others.
  const props = obj.properties;
  const last = props[props.length - 1];
  const lastIsSink =
    last &&
    ts.isPropertyAssignment(last) &&
    ts.isObjectLiteralExpression(last.initializer) &&
    !!property(last.initializer, 'parents');
  const lastName = last ? propName(last) : undefined;
  const before = lastIsSink && lastName && !v.parents.includes(lastName) ? lastName : undefined;
  return addProperty(text, obj, v.name, `{ ${parts.join(', ')} }`, before ? { before } : {});
}

export function alignVariableEdit(
  file: string,
  text: string,
  variable: string,
  site: string,
  slice?: [number, number][],
): TextEdit {
  const exp = experimentObject(parse(file, text));
  if (!exp) throw new EditError(`${path.basename(file)} has no \`export default experiment({...})\``);
  const entry = `{ site: '${site}'${slice?.length ? `, slice: [${slice.map(([a, b]) => `[${a}, ${b}]`).join(', ')}]` : ''} }`;
  const align = property(exp, 'alignment');
  if (!align) return addProperty(text, exp, 'alignment', `{ ${keyText(variable)}: ${entry} }`);
  if (!ts.isObjectLiteralExpression(align.initializer))
    throw new EditError('the alignment is not an object literal; edit it by hand');
  return setProperty(text, align.initializer, variable, entry);
}

export interface NewConfig {
  name: string;
  description?: string;
  objectives?: Record<string, number>;
}

export function addConfigurationEdit(file: string, text: string, c: NewConfig): TextEdit {
  const exp = experimentObject(parse(file, text));
  if (!exp) throw new EditError(`${path.basename(file)} has no \`export default experiment({...})\``);
  const parts: string[] = [];
  if (c.description) parts.push(`description: '${c.description.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
  if (c.objectives)
    parts.push(
      `objectives: { ${Object.entries(c.objectives)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')} }`,
    );
  const value = parts.length ? `{ ${parts.join(', ')} }` : '{}';
  const configs = property(exp, 'configs');
  if (!configs) return addProperty(text, exp, 'configs', `{ ${keyText(c.name)}: ${value} }`);
  if (!ts.isObjectLiteralExpression(configs.initializer))
    throw new EditError('configs is not an object literal; edit it by hand');
  if (property(configs.initializer, c.name)) throw new EditError(`a configuration '${c.name}' already exists`);
  return addProperty(text, configs.initializer, c.name, value);
}

/** Neurons of a site not used by any variable aligned to it (flattened per-example indices). */
export function freeNeurons(shape: number[], used: [number, number][][]): number {
  const total = shape.reduce((a, b) => a * b, 1);
  const taken = used.reduce((s, ranges) => s + ranges.reduce((p, [a, b]) => p * (b - a), 1), 0);
  return Math.max(0, total - taken);
}

/** Parses "0:4" or "0:4, 2:3" (one range per axis) against a site's shape. */
export function parseSlice(input: string, shape: number[]): [number, number][] {
  const parts = input
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!parts.length) return [];
  if (parts.length > shape.length)
    throw new EditError(
      `the site has ${shape.length} ax${shape.length === 1 ? 'is' : 'es'}; give at most that many ranges`,
    );
  return parts.map((p, i) => {
    const m = /^(\d+)\s*:\s*(\d+)$/.exec(p);
    if (!m) throw new EditError(`'${p}' is not a range start:end`);
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (!(a < b && b <= shape[i]!))
      throw new EditError(`range ${a}:${b} must satisfy start < end ≤ ${shape[i]} on axis ${i}`);
    return [a, b];
  });
}
