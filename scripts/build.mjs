// Bundles the CLI (and, as they land, the language server, extension and webviews) with esbuild.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const external = ['@tensorflow/*', 'webgpu', 'esbuild', 'typescript', 'vscode'];

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
