/**
 * Time from starting `iit-studio serve --stdio` to its answer to
 * `initialize`, the median of several starts, and the heavy packages the
 * server process loaded by then. `--cli PATH` measures another build's
 * bin/iit-studio.js (e.g. a checkout of an older commit) in the same run.
 *
 *   node --import ./scripts/register-ts.mjs bench/serverStartup.ts [--runs N] [--cli PATH] [--json]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const runs = Number(flag('--runs') ?? 7);
const clis = [path.join(root, 'bin/iit-studio.js'), ...(flag('--cli') ? [path.resolve(flag('--cli')!)] : [])];
const DEADLINE_MS = 60_000;

/** One start: milliseconds to the initialize answer, and the heavy packages the server process loaded. */
function startOnce(cli: string, loaded: string): Promise<{ ms: number; modules: string[] }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, ['-r', path.join(root, 'bench/loadedModules.cjs'), cli, 'serve', '--stdio'], {
      stdio: ['pipe', 'pipe', 'ignore'],
      env: { ...process.env, IIT_LOADED_MODULES_FILE: loaded },
    });
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${cli}: no answer to initialize within ${DEADLINE_MS / 1000} s`));
    }, DEADLINE_MS);
    const msg = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { processId: null, rootUri: null, capabilities: {} },
    });
    p.stdin.write(`Content-Length: ${Buffer.byteLength(msg)}\r\n\r\n${msg}`);
    p.stdout.once('data', () => {
      const ms = performance.now() - t0;
      clearTimeout(timer);
      let lines: string[] = [];
      try {
        lines = readFileSync(loaded, 'utf8').split('\n');
      } catch {
        // nothing heavy loaded
      }
      p.kill();
      resolve({ ms, modules: lines.filter((l) => l.startsWith(`${p.pid} `)).map((l) => l.split(' ')[1]!) });
    });
  });
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-startup-bench-'));
const results = [];
try {
  for (const cli of clis) {
    const times: number[] = [];
    let modules: string[] = [];
    for (let i = 0; i < runs; i++) {
      const loaded = path.join(tmp, `${results.length}-${i}.txt`);
      const r = await startOnce(cli, loaded);
      times.push(r.ms);
      modules = r.modules;
    }
    times.sort((a, b) => a - b);
    results.push({
      cli,
      runs,
      medianMs: Math.round(times[Math.floor(times.length / 2)]!),
      minMs: Math.round(times[0]!),
      modules,
    });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
else
  for (const r of results)
    console.log(
      `${path.relative(process.cwd(), r.cli) || r.cli}: initialize answered in ${r.medianMs} ms (median of ${r.runs}, min ${r.minMs}); loaded ${r.modules.join(', ') || 'nothing heavy'}`,
    );
