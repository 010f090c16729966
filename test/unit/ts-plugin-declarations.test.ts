/**
 * The TypeScript server plugin's resolution rules (ts-plugin/declarations.ts) without a tsserver: where it finds
 * the declarations, which names it answers for, and which of the project's own resolutions it leaves alone.
 * Needs the build's dist/types (npm test builds first).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import ts from 'typescript';
import { Declarations, findPackageRoot, PROVIDED, resolvedWithTypes } from '../../ts-plugin/declarations';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-tsplugin-unit-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('findPackageRoot walks up to the package named iit-studio that holds dist/types', () => {
  assert.equal(findPackageRoot(path.join(root, 'ts-plugin', 'dist')), root);
  assert.equal(findPackageRoot(path.join(root, 'node_modules', 'iit-studio-ts-plugin', 'dist')), root);
  assert.equal(findPackageRoot(tmp), undefined);
  // A folder with dist/types but another package name is not ours.
  const other = path.join(tmp, 'other');
  mkdirSync(path.join(other, 'dist', 'types', 'engine'), { recursive: true });
  writeFileSync(path.join(other, 'dist', 'types', 'engine', 'index.d.ts'), 'export {};\n');
  writeFileSync(path.join(other, 'package.json'), JSON.stringify({ name: 'not-iit-studio' }));
  assert.equal(findPackageRoot(path.join(other, 'dist')), undefined);
});

test('the loader-provided names resolve to dist/types from anywhere; other names outside the package do not', () => {
  const decls = new Declarations(ts, root, ts.sys);
  const user = path.join(tmp, 'exp.ts');
  for (const [name, file] of Object.entries(PROVIDED)) {
    const r = decls.resolve(name, user);
    assert.deepEqual(r, {
      resolvedFileName: `${root}/dist/types/${file}`,
      extension: ts.Extension.Dts,
      isExternalLibraryImport: true,
    });
  }
  assert.equal(decls.resolve('lodash', user), undefined);
  assert.equal(decls.resolve('./model', user), undefined);
  // TensorFlow.js (which the loader maps to the engine's instance) resolves to the declarations' own tfjs.
  const tf = decls.resolve('@tensorflow/tfjs', user);
  assert.equal(tf?.resolvedFileName, `${root}/node_modules/@tensorflow/tfjs/dist/index.d.ts`);
  assert.equal(tf?.isExternalLibraryImport, true);
  // Inside the package, any name resolves as Node resolves it from there.
  const layers = decls.resolve('@tensorflow/tfjs-layers', `${root}/node_modules/@tensorflow/tfjs/dist/index.d.ts`);
  assert.equal(layers?.resolvedFileName, `${root}/node_modules/@tensorflow/tfjs-layers/dist/index.d.ts`);
  assert.equal(decls.resolve('no-such-package-anywhere', `${root}/dist/types/engine/tf.d.ts`), undefined);
});

test("the project's own resolution stands when it found TypeScript or declarations, not plain JavaScript", () => {
  const at = (extension: string) => ({ resolvedFileName: `x${extension}`, extension });
  for (const e of ['.ts', '.d.ts', '.tsx', '.d.mts', '.d.cts', '.mts']) assert.ok(resolvedWithTypes(at(e)), e);
  for (const e of ['.js', '.mjs', '.cjs', '.jsx']) assert.ok(!resolvedWithTypes(at(e)), e);
  assert.ok(!resolvedWithTypes(undefined));
});
