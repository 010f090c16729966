/**
 * What the shipped bundles contain, from the metafiles scripts/build.mjs writes (dist/meta/<bundle>.json: esbuild's
 * `inputs` of the bundle and the external packages it `imports`). The extension host and the webviews get no engine
 * code, and the language server's own process loads no TensorFlow.js (only its workers run experiments). Needs the
 * build (npm test builds first).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');

interface Bundle {
  inputs: string[];
  /** External packages the bundle requires at run time. */
  externals: string[];
}

function bundle(name: string): Bundle {
  const file = path.join(root, 'dist/meta', `${name}.json`);
  assert.ok(existsSync(file), `${file} is missing: run node scripts/build.mjs`);
  const meta = JSON.parse(readFileSync(file, 'utf8')) as {
    inputs: Record<string, unknown>;
    imports: { path: string; external?: boolean }[];
  };
  return {
    inputs: Object.keys(meta.inputs),
    externals: meta.imports.filter((i) => i.external).map((i) => i.path),
  };
}

const engineCode = /^server\/(engine|app|compute|data|pvr)\//;
const enginePackages = /^(@tensorflow\/|webgpu$|esbuild$)|node_modules\/(@tensorflow|webgpu|esbuild)\//;

function assertNone(name: string, list: string[], pattern: RegExp, what: string): void {
  const found = list.filter((p) => pattern.test(p));
  assert.deepEqual(found, [], `${name} contains ${what}`);
}

for (const name of ['extension', 'webview']) {
  test(`dist/${name}.js contains no engine code`, () => {
    const b = bundle(name);
    assert.ok(
      b.inputs.some((p) => p.startsWith(`${name}/`)),
      `the metafile lists ${name}'s own sources: ${b.inputs.join(', ')}`,
    );
    assertNone(name, b.inputs, engineCode, 'engine code');
    assertNone(name, b.inputs, /^server\/(lsp|cli|debug)\//, 'a server front end');
    assertNone(name, [...b.inputs, ...b.externals], enginePackages, 'TensorFlow.js or esbuild');
  });
}

test('dist/webview.js carries only webview code, the protocol and @vscode-elements', () => {
  const other = bundle('webview').inputs.filter(
    (p) => !/^(webview\/|server\/protocol\/|node_modules\/(@vscode-elements|lit|@lit|lit-html|lit-element)\/)/.test(p),
  );
  assert.deepEqual(other, []);
});

test("dist/server.js (the language server's process) loads no TensorFlow.js, esbuild or engine", () => {
  const b = bundle('server');
  assert.ok(b.inputs.includes('server/lsp/server.ts'), b.inputs.join(', '));
  assertNone('server', b.inputs, engineCode, 'engine code');
  assertNone('server', [...b.inputs, ...b.externals], enginePackages, 'TensorFlow.js or esbuild');
});

test('dist/worker.js, which runs experiments, does carry the engine (the check above is not vacuous)', () => {
  const b = bundle('worker');
  assert.ok(b.inputs.includes('server/engine/train.ts'));
  assert.ok(b.externals.some((p) => p.startsWith('@tensorflow/')));
});
