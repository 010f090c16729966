// Bundles the CLI (and, as they land, the language server, extension and webviews) with esbuild.
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const external = ['@tensorflow/*', 'webgpu', 'esbuild', 'typescript', 'vscode'];

// Declarations of the public API for experiment files (dist/types), emitted by tsc beside the bundles: a cold build
// takes seconds, `-b` skips it when no source changed.
const tsc = createRequire(import.meta.url).resolve('typescript/lib/tsc.js');
// -b trusts its build info (dist/types.tsbuildinfo): with the declarations deleted, rebuild them anyway.
const typesMissing = ['engine', 'pvr'].some((m) => !existsSync(path.join(root, 'dist/types', m, 'index.d.ts')));
const declarations = new Promise((resolve, reject) => {
  const tscArgs = [tsc, '-b', path.join(root, 'scripts/tsconfig.types.json'), ...(typesMissing ? ['--force'] : [])];
  const child = spawn(process.execPath, tscArgs, {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('error', reject);
  child.on('exit', (code) =>
    code === 0 ? resolve() : reject(new Error(`declarations (dist/types): tsc exited ${code}`)),
  );
});

await build({
  entryPoints: {
    cli: path.join(root, 'server/cli/entry.ts'),
    server: path.join(root, 'server/lsp/main.ts'),
    worker: path.join(root, 'server/lsp/worker.ts'),
    // The debug adapter the extension runs inline (loaded on the first debug session).
    debug: path.join(root, 'server/debug/main.ts'),
  },
  outdir: path.join(root, 'dist'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  external,
  alias: { 'iit-studio': path.join(root, 'server/engine/index.ts') },
  logLevel: 'warning',
});

// The VS Code extension (Node, CommonJS; vscode is provided by the host) and the results webview (browser IIFE + CSS).
await build({
  entryPoints: { extension: path.join(root, 'extension/extension.ts') },
  outdir: path.join(root, 'dist'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  external,
  logLevel: 'warning',
});
await build({
  entryPoints: { webview: path.join(root, 'webview/main.ts') },
  outdir: path.join(root, 'dist'),
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
});

// The TypeScript server plugin (ts-plugin/): tsserver requires it by package name from node_modules and calls
// module.exports as the factory, hence the footer.
await build({
  entryPoints: { index: path.join(root, 'ts-plugin/index.ts') },
  outdir: path.join(root, 'ts-plugin/dist'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['typescript'],
  footer: { js: 'module.exports = module.exports.default;' },
  logLevel: 'warning',
});
// npm links the plugin package (dependency "file:ts-plugin"); a node_modules installed before that dependency existed
// lacks the link, and vsce would then leave the plugin out of the .vsix.
const link = path.join(root, 'node_modules', 'iit-studio-ts-plugin');
if (existsSync(path.join(root, 'node_modules')) && !lstatSync(link, { throwIfNoEntry: false })) {
  symlinkSync(path.join('..', 'ts-plugin'), link, process.platform === 'win32' ? 'junction' : 'dir');
}

await declarations;
