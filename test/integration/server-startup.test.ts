/**
 * The language server's own process loads no TensorFlow.js and no esbuild:
 * it answers initialize, lists runs and publishes diagnostics while every
 * experiment is loaded in a forked worker (which does load them — the
 * preload sees the worker too, so the check is not blind).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Harness, root, uriOf, waitFor } from './server-harness';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-startup-'));
const loaded = path.join(tmp, 'loaded.txt');
const h = new Harness();
after(() => {
  h.stop();
  rmSync(tmp, { recursive: true, force: true });
  rmSync(h.runsDir, { recursive: true, force: true });
});

const modulesOf = (pid: number | undefined) => {
  let text = '';
  try {
    text = readFileSync(loaded, 'utf8');
  } catch {
    // nothing heavy loaded yet
  }
  const lines = text.split('\n').filter(Boolean);
  return {
    server: lines.filter((l) => l.startsWith(`${pid} `)).map((l) => l.split(' ')[1]!),
    others: lines.filter((l) => !l.startsWith(`${pid} `)).map((l) => l.split(' ')[1]!),
  };
};

test('the server answers and publishes diagnostics without loading TensorFlow.js or esbuild itself', async () => {
  await h.start({}, { IIT_LOADED_MODULES_FILE: loaded }, [
    '-r',
    path.join(root, 'bench/loadedModules.cjs'),
    path.join(root, 'bin/iit-studio.js'),
    'serve',
    '--stdio',
  ]);
  assert.deepEqual(await h.conn.sendRequest('iit/runs', {}), []);
  await h.open('test/fixtures/lsp/overlap.ts');
  const diags = await waitFor(() => h.diagnostics.get(uriOf('test/fixtures/lsp/overlap.ts')), 'diagnostics');
  assert.equal(diags.length, 1, JSON.stringify(diags));
  const m = modulesOf(h.server.pid);
  assert.ok(
    m.others.includes('@tensorflow/tfjs') && m.others.includes('esbuild'),
    `the worker loads them: ${m.others}`,
  );
  assert.deepEqual(
    m.server.filter((x) => x.startsWith('@tensorflow/') || x === 'esbuild' || x === 'webgpu'),
    [],
    `the server process loaded ${m.server.join(', ')}`,
  );
});
