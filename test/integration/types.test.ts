/**
 * Types outside the repository: in a user's folder with iit-studio installed (node_modules/iit-studio linked to
 * this checkout), plain `tsc` resolves 'iit-studio' and 'iit-studio/pvr' through package.json's exports /
 * typesVersions / types, with no `paths`; and `iit-studio check FILE` reports type errors as file:line:col.
 * Needs the build (dist/types, dist/cli.js) that `npm test` runs first.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-types-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A user's folder: package.json, node_modules/iit-studio → this repository, figure1 (+ its model) and pvr quick. */
function userFolder(name: string, withPackage = true): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `user-${name}`, private: true }));
  if (withPackage) {
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(root, path.join(dir, 'node_modules/iit-studio'), process.platform === 'win32' ? 'junction' : 'dir');
  }
  copyFileSync(path.join(root, 'samples/conjunction/figure1.ts'), path.join(dir, 'figure1.ts'));
  copyFileSync(path.join(root, 'samples/conjunction/model.ts'), path.join(dir, 'model.ts'));
  copyFileSync(path.join(root, 'samples/pvr/quick.ts'), path.join(dir, 'quick.ts'));
  return dir;
}

function tsconfig(dir: string, module: string, moduleResolution: string): void {
  const compilerOptions = {
    strict: true,
    noEmit: true,
    target: 'es2022',
    module,
    moduleResolution,
    skipLibCheck: true,
  };
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }));
}

function run(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr, stdout: r.stdout, stderr: r.stderr };
}

/** Turns figure1's `name: 'figure1'` into a number; returns the 1-based line it is on. */
function breakFigure1(dir: string): number {
  const file = path.join(dir, 'figure1.ts');
  const lines = readFileSync(file, 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes("name: 'figure1'"));
  assert.ok(i >= 0, 'figure1.ts has its name line');
  lines[i] = lines[i]!.replace("name: 'figure1'", 'name: 42');
  writeFileSync(file, lines.join('\n'));
  return i + 1;
}

const resolutions: [string, string][] = [
  ['esnext', 'bundler'],
  ['node16', 'node16'],
  ['commonjs', 'node10'],
];

for (const [module, moduleResolution] of resolutions) {
  test(`tsc in a user's folder (moduleResolution ${moduleResolution}): iit-studio and iit-studio/pvr resolve without paths`, () => {
    const dir = userFolder(moduleResolution);
    tsconfig(dir, module, moduleResolution);
    const ok = run(dir, tsc, '-p', '.');
    assert.equal(ok.code, 0, ok.out);
    const line = breakFigure1(dir);
    const bad = run(dir, tsc, '-p', '.');
    assert.notEqual(bad.code, 0, 'a wrong type for name fails tsc');
    assert.match(bad.out, new RegExp(`figure1\\.ts\\(${line},\\d+\\): error TS2322`), bad.out);
    assert.doesNotMatch(bad.out, /TS2307/, 'no module left unresolved');
  });
}

test('iit-studio check: 0 and one line on good files, 2 and file:line:col per error on a broken copy', () => {
  const dir = userFolder('check');
  for (const f of ['figure1.ts', 'quick.ts']) {
    const r = run(dir, path.join(root, 'bin/iit-studio.js'), 'check', f);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.stdout, `${f}: no type errors\n`);
    assert.equal(r.stderr, '');
  }
  const line = breakFigure1(dir);
  // A second error on a line of its own: an unknown export of 'iit-studio'.
  writeFileSync(
    path.join(dir, 'figure1.ts'),
    readFileSync(path.join(dir, 'figure1.ts'), 'utf8') + '\nimport { nope } from "iit-studio";\nvoid nope;\n',
  );
  const lines = readFileSync(path.join(dir, 'figure1.ts'), 'utf8').split('\n');
  const nopeLine = lines.findIndex((l) => l.includes('nope }')) + 1;
  const r = run(dir, path.join(root, 'bin/iit-studio.js'), 'check', 'figure1.ts');
  assert.equal(r.code, 2, r.out);
  const errors = r.stderr.split('\n').filter((l) => /^[^:]+:\d+:\d+: /.test(l));
  assert.equal(errors.length, 2, r.stderr);
  assert.match(errors[0]!, new RegExp(`^figure1\\.ts:${line}:\\d+: Type 'number' is not assignable to type 'string'`));
  assert.match(errors[1]!, new RegExp(`^figure1\\.ts:${nopeLine}:\\d+: .*nope`));
  assert.match(r.stderr, /2 type errors/);
});

test('iit-studio check: a file in a folder without iit-studio installed resolves it to the package', () => {
  const dir = userFolder('bare', false);
  const r = run(dir, path.join(root, 'bin/iit-studio.js'), 'check', 'quick.ts');
  assert.equal(r.code, 0, r.out);
  const line = breakFigure1(dir);
  const bad = run(dir, path.join(root, 'bin/iit-studio.js'), 'check', path.join(dir, 'figure1.ts'));
  assert.equal(bad.code, 2, bad.out);
  assert.match(bad.stderr, new RegExp(`^figure1\\.ts:${line}:\\d+: `, 'm'));
});

test('iit-studio check: no file is a usage error', () => {
  const r = run(tmp, path.join(root, 'bin/iit-studio.js'), 'check');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /check needs an experiment file/);
});
