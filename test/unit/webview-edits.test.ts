// Source edits behind the sidebar's Add Variable / Align Variable… / Add Configuration.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import {
  addConfigurationEdit,
  addVariableEdit,
  alignVariableEdit,
  applyEdit,
  EditError,
  freeNeurons,
  locateModel,
  parseSlice,
} from '../../server/source/edits';
import { graphSvg, layoutGraph } from '../../webview/graph';
import { findAll, parseXml } from './webview-xml';

const root = path.resolve(import.meta.dirname, '../..');
const trainFile = path.join(root, 'samples/conjunction/train.ts');
const modelFile = path.join(root, 'samples/conjunction/model.ts');

function syntaxErrors(file: string, text: string): number {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS) as ts.SourceFile & {
    parseDiagnostics: unknown[];
  };
  return sf.parseDiagnostics.length;
}

test('Add Variable follows the model import and inserts before the output, indented like its siblings', () => {
  const exp = readFileSync(trainFile, 'utf8');
  const where = locateModel(trainFile, exp);
  assert.deepEqual(where, { file: modelFile, local: false });
  const model = readFileSync(modelFile, 'utf8');
  const out = applyEdit(
    model,
    addVariableEdit(modelFile, model, { name: 'V3', values: 'bool', parents: ['X1', 'X2'], body: 'X1 !== X2' }),
  );
  assert.equal(syntaxErrors(modelFile, out), 0);
  assert.match(
    out,
    /\n {2}V3: \{ values: bool, parents: \['X1', 'X2'\], f: \(\{ X1, X2 \}\) => X1 !== X2 \},\n {2}O: /,
  );
  assert.throws(() => addVariableEdit(modelFile, out, { name: 'V3', values: 'bool', parents: [] }), EditError);
});

test('Align Variable… replaces an existing entry and adds a new one with a slice', () => {
  const exp = readFileSync(trainFile, 'utf8');
  const moved = applyEdit(exp, alignVariableEdit(trainFile, exp, 'V1', 'h2', [[0, 1]]));
  assert.match(moved, /V1: \{ site: 'h2', slice: \[\[0, 1\]\] \},\n {4}V2: \{ site: 'h2' \}/);
  const added = applyEdit(exp, alignVariableEdit(trainFile, exp, 'V3', 'h1'));
  assert.match(added, /V2: \{ site: 'h2' \},\n {4}V3: \{ site: 'h1' \},\n {2}\}/);
  assert.equal(syntaxErrors(trainFile, added), 0);
});

test('Add Configuration creates configs when missing, then adds to it', () => {
  const exp = readFileSync(trainFile, 'utf8');
  const one = applyEdit(exp, addConfigurationEdit(trainFile, exp, { name: 'standard', objectives: { task: 1 } }));
  assert.match(one, /\n {2}configs: \{ standard: \{ objectives: \{ task: 1 \} \} \},\n\}\);/);
  const two = applyEdit(one, addConfigurationEdit(trainFile, one, { name: 'iit', objectives: { task: 1, iit: 1 } }));
  assert.match(
    two,
    /configs: \{\n {4}standard: \{ objectives: \{ task: 1 \} \},\n {4}iit: \{ objectives: \{ task: 1, iit: 1 \} \},\n {2}\}/,
  );
  assert.equal(syntaxErrors(trainFile, two), 0);
  assert.throws(() => addConfigurationEdit(trainFile, two, { name: 'iit' }), /already exists/);
});

test('slices are checked against the site shape; free neurons count what others use', () => {
  assert.deepEqual(parseSlice('0:4, 1:2', [8, 3]), [
    [0, 4],
    [1, 2],
  ]);
  assert.throws(() => parseSlice('0:9', [8]), /≤ 8/);
  assert.throws(() => parseSlice('0:1,0:1', [8]), /1 axis/);
  assert.equal(
    freeNeurons(
      [8, 3],
      [
        [
          [0, 4],
          [0, 3],
        ],
      ],
    ),
    12,
  );
});

test('causal graph: inputs at the bottom, the output on top, aligned sites shown', () => {
  const nodes = [
    { name: 'X1', role: 'input' as const, parents: [] },
    { name: 'X2', role: 'input' as const, parents: [] },
    { name: 'V1', role: 'intermediate' as const, parents: ['X1'], site: 'h1' },
    { name: 'V2', role: 'intermediate' as const, parents: ['X2'], site: 'h2' },
    { name: 'O', role: 'output' as const, parents: ['V1', 'V2'] },
  ];
  const g = layoutGraph(nodes);
  const y = (n: string) => g.nodes.find((x) => x.name === n)!.y;
  assert.ok(y('X1') > y('V1') && y('V1') > y('O'));
  const doc = parseXml(graphSvg(nodes));
  assert.equal(findAll(doc, (e) => e.name === 'line').length, 4);
  assert.deepEqual(
    findAll(doc, (e) => e.attrs.class === 'site').map((e) => e.text),
    ['↔ h1', '↔ h2'],
  );
  // The variable selected in the sidebar is the one node drawn highlighted.
  const picked = findAll(parseXml(graphSvg(nodes, 'V2')), (e) => /\bselected\b/.test(e.attrs.class ?? ''));
  assert.deepEqual(
    picked.map((e) => e.attrs['data-variable']),
    ['V2'],
  );
  assert.equal(findAll(doc, (e) => /\bselected\b/.test(e.attrs.class ?? '')).length, 0);
});
