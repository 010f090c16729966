/**
 * An experiment file that never finishes loading (an endless loop at its top level, or in an equation the causal
 * model runs) does not hang the CLI: at the load deadline (`IIT_LOAD_DEADLINE_S`, 2 s here) it exits 2 with one
 * line naming the file and the fix. Without the deadline the process answers nothing, not even Ctrl-C.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-deadline-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/iit-studio.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, IIT_LOAD_DEADLINE_S: '2' },
    // A safety net for the test itself: the deadline is 2 s, this only stops a regression from hanging the suite.
    timeout: 120_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, signal: r.signal, stderr: r.stderr };
}

for (const [what, file, message] of [
  ['its top level', 'test/fixtures/bad/loops.ts', /did not finish loading within 2 s: its top level/],
  ['an equation', 'test/fixtures/lsp/infinite-loop.ts', /did not finish loading within 2 s/],
] as const) {
  for (const command of ['train', 'eval', 'inspect']) {
    test(`${command}: a file whose ${what} loops forever ends at the deadline, exit 2, one line`, () => {
      const out = path.join(tmp, `${command}-${path.basename(file, '.ts')}`);
      const args = command === 'train' ? ['--out', out] : command === 'eval' ? ['--run', out] : [];
      if (command === 'eval') {
        // eval loads the file it is given: a run directory of a clean experiment, evaluated with the looping file.
        assert.equal(cli('train', 'test/fixtures/lsp/clean.ts', '--out', out, '--steps', '2').code, 0);
      }
      const r = cli(command, file, ...args);
      assert.equal(r.signal, null, 'the CLI ended by itself');
      assert.equal(r.code, 2, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, new RegExp(`^iit-studio: ${file.replaceAll('.', '\\.')}:\\d+:\\d+: `));
      assert.match(lines[0]!, message);
      assert.match(lines[0]!, /IIT_LOAD_DEADLINE_S=8/);
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
      if (command === 'train') assert.ok(!existsSync(out), 'a failed load leaves no run directory');
    });
  }
}
