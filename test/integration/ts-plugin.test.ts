/**
 * The TypeScript server plugin (ts-plugin/) in a real tsserver, loaded as VS Code loads an extension's
 * `typescriptServerPlugins` (by package name from this repository's node_modules, where the build links it).
 * Experiment files sit in temporary folders with no tsconfig `paths` and no node_modules/iit-studio: 'iit-studio'
 * and 'iit-studio/pvr' resolve to the declarations the build emits (dist/types), type errors are reported against
 * the API's types, hovers name them; a project with its own iit-studio keeps it; without the plugin the imports fail.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { positionOf, TsServer, type Diagnostic } from './tsserver';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-tsplugin-'));
const types = path.join(root, 'dist', 'types');

/** What VS Code 1.100's TypeScript extension sends for files outside any tsconfig (its implicit project). */
const inferredOptions = {
  module: 'Preserve',
  moduleResolution: 'Bundler',
  target: 'ES2022',
  jsx: 'react-jsx',
  allowImportingTsExtensions: true,
  strictNullChecks: true,
  strictFunctionTypes: true,
  allowJs: true,
  allowSyntheticDefaultImports: true,
  allowNonTsExtensions: true,
  resolveJsonModule: true,
};

const loose = path.join(tmp, 'loose'); // no tsconfig: an inferred project
const classic = path.join(tmp, 'classic'); // a tsconfig whose module setting implies classic resolution
const own = path.join(tmp, 'own'); // a project with its own node_modules/iit-studio

const figure1 = path.join(loose, 'conjunction', 'figure1.ts');
const quick = path.join(loose, 'pvr', 'quick.ts');
const wrong = path.join(loose, 'wrong.ts');
const tensors = path.join(classic, 'tensors.ts');
const theirs = path.join(own, 'theirs.ts');

const wrongText = readFileSync(path.join(root, 'samples/conjunction/figure1.ts'), 'utf8')
  .replace("from './model'", "from './conjunction/model'")
  .replace('steps: 1,', "steps: 'one',");
const tensorsText = `import { tf, experiment } from 'iit-studio';
import * as tfjs from '@tensorflow/tfjs';
import { pvrCausalModel } from 'iit-studio/pvr';

export const doubled = tf.mul(tfjs.tensor1d([1, 2]), 2);
export const model = pvrCausalModel([3, 1, 4, 1]);
export const layer = tfjs.layers.dense({ units: 1 });
export const declared = experiment;
`;
const theirsText = `import { theirs, experiment } from 'iit-studio';
export const x: number = theirs;
export const y = experiment;
`;

let server: TsServer;

const errors = (ds: Diagnostic[]) => ds.map((d) => `${d.start.line}:${d.start.offset} TS${d.code} ${d.text}`);

before(() => {
  for (const f of [path.join(types, 'engine/index.d.ts'), path.join(types, 'pvr/index.d.ts')])
    assert.ok(existsSync(f), `${f} is missing: run npm run build`);
  assert.ok(
    existsSync(path.join(root, 'node_modules/iit-studio-ts-plugin/dist/index.js')),
    'node_modules/iit-studio-ts-plugin is missing: run npm run build',
  );
  cpSync(path.join(root, 'samples/conjunction'), path.join(loose, 'conjunction'), { recursive: true });
  cpSync(path.join(root, 'samples/pvr'), path.join(loose, 'pvr'), { recursive: true });
  writeFileSync(wrong, wrongText);
  mkdirSync(classic);
  writeFileSync(
    path.join(classic, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'es2015', strict: true } }),
  );
  writeFileSync(tensors, tensorsText);
  mkdirSync(path.join(own, 'node_modules', 'iit-studio'), { recursive: true });
  writeFileSync(
    path.join(own, 'node_modules', 'iit-studio', 'package.json'),
    JSON.stringify({ name: 'iit-studio', version: '9.9.9', types: 'index.d.ts' }),
  );
  writeFileSync(path.join(own, 'node_modules', 'iit-studio', 'index.d.ts'), 'export declare const theirs: number;\n');
  writeFileSync(theirs, theirsText);

  server = new TsServer(path.join(tmp, 'tsserver.log'), {
    probeLocation: root,
    names: ['iit-studio-ts-plugin'],
  });
  server.notify('compilerOptionsForInferredProjects', { options: inferredOptions });
  for (const f of [figure1, quick, wrong, tensors, theirs]) server.open(f);
});

after(() => {
  server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('the samples (figure1.ts, pvr/quick.ts) type-check clean: iit-studio and iit-studio/pvr resolve', async () => {
  for (const f of [figure1, quick]) assert.deepEqual(errors(await server.diagnostics(f)), [], path.basename(f));
  const log = server.logTail();
  assert.doesNotMatch(log, /Couldn't find iit-studio-ts-plugin|Plugin activation failed/);
});

test('a deliberate type error in experiment({...}) is reported, and nothing else', async () => {
  const ds = errors(await server.diagnostics(wrong));
  const at = positionOf(wrongText, "steps: 'one'");
  assert.deepEqual(ds, [`${at.line}:${at.offset} TS2322 Type 'string' is not assignable to type 'number'.`]);
});

test('quick info on experiment names the API: its signature, its documentation, its declaration file', async () => {
  const text = readFileSync(figure1, 'utf8');
  const at = positionOf(text, 'experiment({', 1, 2);
  const info = await server.quickInfo(figure1, at);
  assert.equal(
    info.displayString,
    '(alias) experiment<{\n    X1: boolean;\n    X2: boolean;\n    V1: boolean;\n    V2: boolean;\n    O: boolean;\n}>(decl: ExperimentDecl<{\n    X1: boolean;\n    X2: boolean;\n    V1: boolean;\n    V2: boolean;\n    O: boolean;\n}>): Experiment\nimport experiment',
  );
  const [def] = await server.definition(figure1, at);
  assert.equal(def?.file, path.join(types, 'engine', 'experiment.d.ts'));
  // The option types carry their documentation from the engine's sources.
  const steps = await server.quickInfo(wrong, positionOf(wrongText, "steps: 'one'", 1, 1));
  assert.equal(steps.displayString, '(property) TrainingDecl<M = Record<string, Value>>.steps?: number | undefined');
  assert.match(JSON.stringify(steps.documentation), /Number of optimizer steps/);
});

test('TensorFlow.js is typed through the extension under any resolution mode (classic here)', async () => {
  assert.deepEqual(errors(await server.diagnostics(tensors)), []);
  const info = await server.quickInfo(tensors, positionOf(tensorsText, 'doubled', 1, 1));
  assert.equal(info.displayString, 'const doubled: tf.Tensor<tf.Rank>');
  const model = await server.quickInfo(tensors, positionOf(tensorsText, 'model =', 1, 1));
  assert.equal(model.displayString, 'const model: CausalModel<PvrValues>');
  // tfjs re-exports tfjs-layers: resolved from inside the extension's packages.
  const layer = await server.quickInfo(tensors, positionOf(tensorsText, 'layer =', 1, 1));
  assert.equal(layer.displayString, 'const layer: Dense');
});

test("a project with its own node_modules/iit-studio keeps it (the plugin's declarations do not mix in)", async () => {
  const ds = errors(await server.diagnostics(theirs));
  assert.equal(ds.length, 1, ds.join('\n'));
  assert.match(ds[0]!, /TS2305 Module '"iit-studio"' has no exported member 'experiment'/);
  const [def] = await server.definition(theirs, positionOf(theirsText, 'theirs', 2, 1));
  assert.equal(def?.file, path.join(own, 'node_modules', 'iit-studio', 'index.d.ts'));
});

test('control: tsserver without the plugin cannot find the modules', async () => {
  const plain = new TsServer(path.join(tmp, 'tsserver-plain.log'));
  try {
    plain.notify('compilerOptionsForInferredProjects', { options: inferredOptions });
    plain.open(figure1);
    const ds = errors(await plain.diagnostics(figure1));
    assert.ok(
      ds.some((d) => /TS2307 Cannot find module 'iit-studio'/.test(d)),
      ds.join('\n'),
    );
  } finally {
    plain.close();
  }
});
