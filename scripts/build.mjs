// Bundles the CLI, language server, worker, debug adapter, extension, webview and TypeScript plugin with esbuild,
// recording what went into each bundle (dist/meta).
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const external = ['@tensorflow/*', 'webgpu', 'esbuild', 'typescript', 'vscode'];
// Paths in the metafiles are relative to the repository root, wherever the build is started from.
const common = { absWorkingDir: root, metafile: true, logLevel: 'warning' };

/**
 * What went into each bundle: esbuild's metafile entry for `dist/<name>.js` (its `inputs`, and in `imports` the
 * external packages it requires), written to dist/meta/<name>.json. test/unit/bundles.test.ts checks that the
 * extension and the webview carry no engine code and that the language server carries no TensorFlow.js.
 */
function writeMeta(result, name = (out) => path.basename(out, '.js')) {
  mkdirSync(path.join(root, 'dist/meta'), { recursive: true });
  for (const [out, entry] of Object.entries(result.metafile.outputs)) {
    if (!out.endsWith('.js')) continue;
    writeFileSync(
      path.join(root, 'dist/meta', `${name(out)}.json`),
      JSON.stringify({ output: out, ...entry }, null, 1),
    );
  }
}

// Declarations of the public API for experiment files (dist/types), emitted by tsc beside the bundles: a cold build
// takes seconds, `-b` skips it when no source changed.
const tsc = createRequire(import.meta.url).resolve('typescript/lib/tsc.js');
// -b trusts its build info (dist/types.tsbuildinfo): with the declarations deleted, rebuild them anyway.
const typesMissing = ['engine', 'pvr', 'mqnli', 'reascan'].some(
  (m) => !existsSync(path.join(root, 'dist/types', m, 'index.d.ts')),
);
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

// Bundles that run in Node (the CLI and its processes, the extension host): CommonJS, source maps beside them.
const nodeBundle = {
  ...common,
  outdir: path.join(root, 'dist'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  external,
};

writeMeta(
  await build({
    ...nodeBundle,
    entryPoints: {
      // The iit-studio process: CLI, `serve` and `debug-adapter` (server/main.ts picks the front end).
      cli: path.join(root, 'server/main.ts'),
      server: path.join(root, 'server/lsp/main.ts'),
      worker: path.join(root, 'server/lsp/worker.ts'),
      // The debug adapter the extension runs inline (loaded on the first debug session).
      debug: path.join(root, 'server/debug/main.ts'),
    },
    alias: { 'iit-studio': path.join(root, 'server/engine/index.ts') },
  }),
);

// The VS Code extension (Node, CommonJS; vscode is provided by the host) and the results webview (browser IIFE + CSS).
writeMeta(
  await build({
    ...nodeBundle,
    entryPoints: { extension: path.join(root, 'extension/extension.ts') },
  }),
);
writeMeta(
  await build({
    ...common,
    entryPoints: { webview: path.join(root, 'webview/main.ts') },
    outdir: path.join(root, 'dist'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    sourcemap: false,
  }),
);

// The TypeScript server plugin (ts-plugin/): tsserver requires it by package name from node_modules and calls
// module.exports as the factory, hence the footer.
writeMeta(
  await build({
    ...common,
    entryPoints: { index: path.join(root, 'ts-plugin/index.ts') },
    outdir: path.join(root, 'ts-plugin/dist'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['typescript'],
    footer: { js: 'module.exports = module.exports.default;' },
  }),
  () => 'ts-plugin',
);
// npm links the plugin package (dependency "file:ts-plugin"); a node_modules installed before that dependency existed
// lacks the link, and vsce would then leave the plugin out of the .vsix.
const link = path.join(root, 'node_modules', 'iit-studio-ts-plugin');
if (existsSync(path.join(root, 'node_modules')) && !lstatSync(link, { throwIfNoEntry: false })) {
  symlinkSync(path.join('..', 'ts-plugin'), link, process.platform === 'win32' ? 'junction' : 'dir');
}

await declarations;
