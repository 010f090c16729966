// server/source: the one AST index of experiment files (ranges, declarations, lines), the experiment-file test, and
// the helpers the source edits share with the index.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { IITError, loadExperiment } from 'iit-studio';
import {
  causalModelObject,
  causalModelObjects,
  defaultExperimentCall,
  experimentObject,
  member,
  objectAt,
  parse,
  property,
} from '../../server/source/ast';
import { addVariableEdit, alignVariableEdit, applyEdit, locateModel } from '../../server/source/edits';
import { isExperimentSource } from '../../server/source/experimentFile';
import { SourceIndex, type ErrorLike } from '../../server/source/index';

const root = path.resolve(import.meta.dirname, '../..');
const fixture = (name: string) => path.join(root, 'test/fixtures/lsp', `${name}.ts`);
const read = (file: string) => readFileSync(file, 'utf8');

/** 0-based position of `needle` in `text`, searching from line `from`. */
function find(text: string, needle: string, from = 0) {
  const lines = text.split('\n');
  for (let i = from; i < lines.length; i++) {
    const c = lines[i]!.indexOf(needle);
    if (c >= 0) return { line: i, character: c };
  }
  throw new Error(`${needle} not found`);
}

/** The range of the exact text `needle`. */
function exact(text: string, needle: string, from = 0) {
  const at = find(text, needle, from);
  return { start: at, end: { line: at.line, character: at.character + needle.length } };
}

/** The range of a one-line `name: { ... }` entry. */
function entry(text: string, needle: string, from = 0) {
  const at = find(text, needle, from);
  return { start: at, end: { line: at.line, character: text.split('\n')[at.line]!.lastIndexOf('}') + 1 } };
}

function rangeIn(name: string, e: ErrorLike) {
  const file = fixture(name);
  return new SourceIndex(read(file), file).rangeFor(e);
}

test('model errors from the engine land on the parents element that causes them', async () => {
  for (const [name, needle] of [
    ['unknown-parent', "'Z'"],
    ['cycle', "'B'"],
  ] as const) {
    // The engine's own error (message, subject, location), not a hand-written one.
    const err = await loadExperiment(fixture(name)).then(
      () => assert.fail(`${name} loads`),
      (e: unknown) => e as IITError,
    );
    assert.ok(err instanceof IITError, String(err));
    assert.equal(err.code, name);
    assert.deepEqual(rangeIn(name, err), exact(read(fixture(name)), needle));
  }
});

test('alignment errors land on the entry, its site or its slice', () => {
  const site = read(fixture('unknown-site'));
  assert.deepEqual(
    rangeIn('unknown-site', { code: 'unknown-site', message: "alignment: A is aligned to site 'h7'", subject: 'A' }),
    exact(site, "site: 'h7'"),
  );
  const slice = read(fixture('slice-out-of-range'));
  assert.deepEqual(
    rangeIn('slice-out-of-range', { code: 'slice-out-of-range', message: 'alignment: A: range', subject: 'A' }),
    exact(slice, 'slice: [[2, 9]]'),
  );
  const overlap = read(fixture('overlap'));
  assert.deepEqual(
    rangeIn('overlap', { code: 'overlap', message: 'alignment: B and A overlap at site h1', subject: 'B' }),
    entry(overlap, 'B: {', find(overlap, 'alignment: {').line),
  );
  // A subject the file does not declare has no range (the server falls back to the error's line).
  assert.equal(rangeIn('overlap', { code: 'overlap', message: 'alignment: C', subject: 'C' }), undefined);
});

test("a configuration's errors land inside that configuration", () => {
  const text = read(fixture('config-overlap'));
  assert.deepEqual(
    rangeIn('config-overlap', {
      code: 'overlap',
      message: 'configuration wide: alignment: B and A overlap at site h1',
      subject: 'B',
    }),
    entry(text, 'B: {', find(text, 'wide: {').line),
  );
  const objective = read(fixture('config-objective'));
  assert.deepEqual(
    rangeIn('config-objective', {
      code: 'bad-config',
      message: "configuration typo: unknown objective 'itt'",
      subject: 'objectives',
    }),
    exact(objective, 'objectives: { task: 1, itt: 1 }'),
  );
});

test('declarations: variables, alignment entries, the experiment line and the key under the cursor', () => {
  const file = fixture('config-overlap');
  const text = read(file);
  const ix = new SourceIndex(text, file);
  assert.deepEqual(
    ix.variableDecls().map((d) => d.name),
    ['X1', 'X2', 'A', 'B', 'O'],
  );
  // Every alignment in the file (the experiment's and wide's), for symbols and hovers.
  assert.deepEqual(
    ix.alignmentDecls().map((d) => d.name),
    ['A', 'B', 'A', 'B'],
  );
  assert.equal(ix.experimentLine(), find(text, 'export default experiment(').line);
  const a = find(text, 'A: { values');
  assert.deepEqual(ix.declAt({ line: a.line, character: a.character }), { name: 'A', kind: 'variable' });
  const b = find(text, 'B: { site');
  assert.deepEqual(ix.declAt({ line: b.line, character: b.character + 1 }), { name: 'B', kind: 'alignment' });
  assert.equal(ix.declAt({ line: 0, character: 3 }), undefined);
});

test("debugger lines: a configuration's own alignment, else the experiment's; equations; the model near a line", () => {
  const file = fixture('config-overlap');
  const text = read(file);
  const ix = new SourceIndex(text, file);
  const lines = (config: string) => ix.alignmentOf(config).map((d) => [d.name, ix.range(d.node).start.line]);
  const top = find(text, 'alignment: {').line;
  const wide = find(text, 'wide: {').line;
  assert.deepEqual(lines('wide'), [
    ['A', find(text, 'A: {', wide).line],
    ['B', find(text, 'B: {', wide).line],
  ]);
  // narrow declares no alignment and default is not written out: both run with the experiment's.
  for (const c of ['narrow', 'default'])
    assert.deepEqual(lines(c), [
      ['A', find(text, 'A: {', top).line],
      ['B', find(text, 'B: {', top).line],
    ]);
  const model = ix.modelAt(1)!;
  assert.equal(ix.range(model).start.line, find(text, 'causalModel({').line);
  const decl = ix.variableDecls(model).find((d) => d.name === 'A')!;
  assert.equal(ix.range(ix.equationOf(decl)!).start.character, find(text, 'f: ({ X1 }) => X1').character);
  assert.equal(ix.equationOf(ix.variableDecls(model).find((d) => d.name === 'X1')!), undefined);
});

test('isExperimentSource: a TypeScript file that default-exports experiment(...)', () => {
  assert.ok(isExperimentSource(read(fixture('clean')), fixture('clean')));
  const body = "import { experiment } from 'iit-studio';\n";
  const cases: [string, string, boolean][] = [
    ['export default experiment({ model });', 'a.ts', true],
    ['export default iit.experiment({ model });', 'a.mts', true],
    ['export default experiment<M>({ model }) satisfies unknown;', 'a.cts', true],
    ['const exp = experiment({ model });\nexport default exp;', 'a.ts', true],
    ['const exp = experiment({ model });\nexport { exp as default };', 'a.ts', true],
    ['export const exp: Experiment = experiment({ model });\nexport default exp satisfies Experiment;', 'a.ts', true],
    ['let exp;\nexport default exp;', 'a.ts', false],
    // A URI names the file as well as a path does.
    ['export default experiment({ model });', 'file:///w/a.ts', true],
    ['export default experiment({ model });', 'a.js', false],
    ['export default experiment({ model });', 'a.d.ts', false],
    // Both words, but the default export is something else.
    ['export const exp = experiment({ model });\nexport default 3;', 'a.ts', false],
    ['// export default experiment({})\nexport const x = 1;', 'a.ts', false],
    ["export default 'experiment(';", 'a.ts', false],
    ['export const e = experiment({ model });', 'a.ts', false],
  ];
  for (const [src, name, want] of cases) {
    assert.equal(isExperimentSource(body + src, name), want, `${name}: ${src}`);
    // The text test and the syntax tree agree on which call is the file's experiment.
    if (/\.[cm]?ts$/.test(name) && !name.endsWith('.d.ts'))
      assert.equal(defaultExperimentCall(parse(name, body + src)) !== undefined, want, `AST: ${src}`);
  }
});

test('shared helpers: the experiment and causal model objects, followed through consts', () => {
  const sf = parse(
    'e.ts',
    [
      'const base = causalModel({ X: { values: bool } });',
      'const other = lib.causalModel({ Y: { values: bool } });',
      "const align = { X: { site: 'h1' } };",
      'const spec = { model: base, alignment: align, configs: { c: { alignment: align } } } as const;',
      'export const unused = experiment({ model: other });',
      'export default experiment(spec);',
    ].join('\n'),
  );
  const exp = experimentObject(sf)!;
  // The default-exported call's object (through `spec`), not the first experiment( in the file.
  assert.ok(property(exp, 'alignment'));
  assert.deepEqual(
    objectAt(exp, 'alignment', sf)!.properties.map((p) => p.getText(sf)),
    ["X: { site: 'h1' }"],
  );
  assert.equal(
    objectAt(objectAt(objectAt(exp, 'configs', sf), 'c', sf), 'alignment', sf),
    objectAt(exp, 'alignment', sf),
  );
  assert.equal(causalModelObjects(sf).length, 2);
  assert.ok(member(causalModelObject(sf)!, 'X'));
  assert.equal(member(causalModelObject(sf)!, 'Y'), undefined);
});

test('edits go through the same helpers: shorthand `model`, an experiment bound to a const', () => {
  const file = path.join(root, 'samples/conjunction/train.ts');
  // `model` written as a shorthand property still leads to the imported module.
  const short = "import { model } from './model';\nexport default experiment({ model, alignment: {} });\n";
  assert.deepEqual(locateModel(file, short), { file: path.join(root, 'samples/conjunction/model.ts'), local: false });
  const bound = [
    'const model = causalModel({',
    '  X: { values: bool },',
    "  O: { values: bool, parents: ['X'], f: ({ X }) => X },",
    '});',
    "const exp = experiment({ model, alignment: { O: { site: 'h1' } } });",
    'export default exp;',
    '',
  ].join('\n');
  const aligned = applyEdit(bound, alignVariableEdit(file, bound, 'X', 'h2'));
  assert.match(aligned, /alignment: \{\n {2}O: \{ site: 'h1' \},\n {2}X: \{ site: 'h2' \},\n\}/);
  const added = applyEdit(bound, addVariableEdit(file, bound, { name: 'V', values: 'bool', parents: ['X'] }));
  assert.match(added, /V: \{ values: bool, parents: \['X'\], f: \(\{ X \}\) => X \},\n {2}O: /);
});
