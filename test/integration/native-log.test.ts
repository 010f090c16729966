/**
 * Dawn's start-up warnings (native code writing to fd 2) reach the user's
 * terminal only with --verbose; otherwise they go to the log file, and the
 * rest of stderr (errors) still comes through.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { probeBackends } from '../../server/compute/backends';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-native-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const CI = process.env.CI === 'true';
const webgpu = (await probeBackends()).find((r) => r.name === 'webgpu')!;
const NATIVE = /^(Warning|Info|Debug): /;

function cli(cache: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/iit-studio.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, XDG_CACHE_HOME: cache },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test(
  "train on webgpu: Dawn's warnings go to the log, or with --verbose to the terminal",
  { skip: !CI && !webgpu.available ? `no WebGPU adapter here: ${webgpu.reason}` : false },
  () => {
    assert.equal(webgpu.available, true, `webgpu must be available in CI: ${webgpu.reason}`);
    const args = (out: string) => ['train', 'samples/conjunction/figure1.ts', '--backend', 'webgpu', '--out', out];
    const verbose = cli(path.join(tmp, 'c1'), ...args(path.join(tmp, 'v')), '--verbose');
    assert.equal(verbose.code, 0, verbose.stderr);
    const shown = verbose.stderr.split('\n').filter((l) => NATIVE.test(l));
    // Mesa's lavapipe (CI's adapter) reports limits Dawn cuts down, with a warning for each.
    if (/llvmpipe/.test(webgpu.device ?? '')) assert.ok(shown.length > 0, verbose.stderr);
    assert.ok(!existsSync(path.join(tmp, 'c1', 'iit-studio', 'native.log')), '--verbose writes no log');

    const quiet = cli(path.join(tmp, 'c2'), ...args(path.join(tmp, 'q')));
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.deepEqual(
      quiet.stderr.split('\n').filter((l) => NATIVE.test(l)),
      [],
    );
    assert.match(quiet.stdout, /backend webgpu/);
    if (shown.length) {
      const log = readFileSync(path.join(tmp, 'c2', 'iit-studio', 'native.log'), 'utf8').split('\n');
      assert.match(log[0]!, /^--- \S+ iit-studio train samples\/conjunction\/figure1\.ts/);
      assert.deepEqual(
        log.filter((l) => NATIVE.test(l)),
        shown,
      );
    }

    // An error of the command itself still reaches the terminal, as one line, with its exit code.
    const bad = cli(path.join(tmp, 'c3'), ...args(path.join(tmp, 'b')), '--config', 'nope');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr.trim(), /^iit-studio: .*figure1\.ts:\d+:\d+: experiment has no configuration 'nope'/);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  },
);
