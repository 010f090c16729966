/**
 * The bundled CLI as the extension runs it (extension/cli.ts, built by
 * `npm test` first): the out-of-process debug adapter VS Code starts for an
 * `iit` session serves Figure 1c's pair, and `inspect --json` (the
 * experiment-info fallback) describes the experiment with its presets.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { test } from 'node:test';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { cliCommand, inspectWithCli } from '../../extension/cli';

const root = path.resolve(import.meta.dirname, '../..');

/** DebugClient spawns `runtime executable`; the extension's command has more arguments, so the test spawns it. */
class SpawnedClient extends DebugClient {
  attach(child: ChildProcess): void {
    this.connect(child.stdout!, child.stdin!);
  }
}
const figure1 = path.join(root, 'samples/conjunction/figure1.ts');

test('the debug adapter command (node, iitStudio.server.nodeArgs, bin/iit-studio.js debug-adapter) serves a session', async () => {
  const cmd = cliCommand(root, ['debug-adapter'], ['--max-old-space-size=2048']);
  assert.equal(cmd.command, process.execPath);
  assert.deepEqual(cmd.args, ['--max-old-space-size=2048', path.join(root, 'bin', 'iit-studio.js'), 'debug-adapter']);
  // VS Code's Electron runs it as plain Node.
  assert.equal(cmd.env.ELECTRON_RUN_AS_NODE, '1');

  const child = spawn(cmd.command, cmd.args, { cwd: root, env: cmd.env, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const dc = new SpawnedClient('', '', 'iit');
  dc.defaultTimeout = 60_000;
  dc.attach(child);
  const [, , stopped] = await Promise.all([
    dc.configurationSequence(),
    dc.launch({ experiment: figure1, variable: 'V1', base: 1, source: 2, stopOnEntry: true, cwd: root }),
    dc.waitForEvent('stopped'),
  ]);
  assert.equal(stopped.body.reason, 'entry');
  assert.equal((await dc.disconnectRequest({})).success, true);
  // VS Code ends the adapter's process after `disconnect`, as here.
  child.kill();
  await exited;
});

test('inspect --json, the experiment-info fallback, describes the experiment as the server does', async () => {
  const info = await inspectWithCli(root, figure1, root);
  assert.equal(info.experiment, 'figure1');
  assert.deepEqual(
    info.alignment.map((a) => [a.variable, a.site]),
    [
      ['V1', 'h1'],
      ['V2', 'h2'],
    ],
  );
  // "Add Configuration" offers Table 1's presets from here.
  assert.deepEqual(info.presets?.IIT, { task: 1, typedIit: 1 });
});
