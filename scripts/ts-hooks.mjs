// Module hooks that let Node run the TypeScript sources directly (tests, dev tools):
// resolve extensionless imports to .ts and transpile .ts with esbuild.
import { readFileSync, existsSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { transformSync } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const aliases = {
  'iit-studio': path.join(root, 'server/engine/index.ts'),
  'iit-studio/pvr': path.join(root, 'server/pvr/index.ts'),
  'iit-studio/mqnli': path.join(root, 'server/mqnli/index.ts'),
  'iit-studio/reascan': path.join(root, 'server/reascan/index.ts'),
};

function tryTs(file) {
  for (const cand of [file + '.ts', path.join(file, 'index.ts')]) {
    if (existsSync(cand) && statSync(cand).isFile()) return cand;
  }
  return undefined;
}

export async function resolve(specifier, context, next) {
  if (aliases[specifier]) return { url: pathToFileURL(aliases[specifier]).href, shortCircuit: true };
  if ((specifier.startsWith('.') || specifier.startsWith('/')) && context.parentURL?.startsWith('file:')) {
    const base = path.resolve(path.dirname(fileURLToPath(context.parentURL)), specifier);
    if (!existsSync(base) || statSync(base).isDirectory()) {
      const ts = tryTs(base);
      if (ts) return { url: pathToFileURL(ts).href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const file = fileURLToPath(url);
    const { code } = transformSync(readFileSync(file, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      sourcefile: file,
    });
    return { format: 'module', source: code, shortCircuit: true };
  }
  return next(url, context);
}
