/**
 * `iit-studio check <file>`: type-checks an experiment file with the TypeScript that iit-studio ships (a runtime
 * dependency), strict as the repository's own tsconfig. 'iit-studio' and 'iit-studio/pvr' resolve as tsc would from
 * the file's folder (a node_modules/iit-studio there); where they do not, to this package's declarations
 * (dist/types), so any file can be checked. Each error is one line `file:line:col: message`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface CheckResult {
  /** One line per error: `file:line:col: message` (file relative to cwd when inside it). */
  errors: string[];
}

/**
 * This package's root: the first folder up from this module (dist/ when bundled, server/cli/ from source; the working
 * directory where it runs as an ES module, in tests) whose package.json is iit-studio's.
 */
function packageRoot(): string {
  const start = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (let dir = start; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'iit-studio')
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`iit-studio's package.json is not above ${start}`);
  }
}

/** Declarations of a public module: dist/types from the build, else (a source checkout before a build) the source. */
function ownEntry(mod: 'engine' | 'pvr'): string {
  const root = packageRoot();
  const dts = path.join(root, 'dist/types', mod, 'index.d.ts');
  return existsSync(dts) ? dts : path.join(root, 'server', mod, 'index.ts');
}

const baseOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  strict: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  esModuleInterop: true,
  skipLibCheck: true,
  resolveJsonModule: true,
  isolatedModules: true,
  noEmit: true,
};

function relativeToCwd(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

export function checkTypes(file: string): CheckResult {
  const abs = path.resolve(file);
  const options: ts.CompilerOptions = { ...baseOptions };
  const resolves = (name: string) =>
    ts.resolveModuleName(name, abs, options, ts.sys).resolvedModule?.resolvedFileName !== undefined;
  if (!resolves('iit-studio') || !resolves('iit-studio/pvr')) {
    options.paths = { 'iit-studio': [ownEntry('engine')], 'iit-studio/pvr': [ownEntry('pvr')] };
  }
  const program = ts.createProgram({ rootNames: [abs], options });
  const errors: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ').replace(/\s*\n\s*/g, ' ');
    if (d.file && d.start !== undefined) {
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      errors.push(`${relativeToCwd(d.file.fileName)}:${line + 1}:${character + 1}: ${message}`);
    } else {
      errors.push(`${relativeToCwd(abs)}: ${message}`);
    }
  }
  return { errors };
}
