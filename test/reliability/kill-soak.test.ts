/**
 * The soak: 20 CLI trainings SIGKILLed at seeded random moments (while loading, writing the config, training,
 * checkpointing, finishing). After each kill, the next listing sweeps every leftover (no temporary file, no hidden
 * or half-made directory survives), every run is listed as finished, failed, cancelled or damaged with its reason,
 * and every resumable run resumes to the report of an uninterrupted run, timing aside.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Rng } from '../../server/engine/rng';
import { listRuns } from '../../server/runs/list';

const root = path.resolve(import.meta.dirname, '../..');
const cliPath = path.join(root, 'bin/iit-studio.js');
const FILE = 'test/fixtures/lsp/long.ts';
const ARGS = ['--steps', '600', '--checkpoint-every', '25', '--json'];
const KILLS = 20;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-kill-soak-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Report {
  steps: number;
  metrics: unknown;
  timing?: unknown;
}
const withoutTiming = ({ timing: _t, ...r }: Report) => r;

function train(...args: string[]) {
  const r = spawnSync(process.execPath, [cliPath, 'train', ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a run into `out` and SIGKILLs it after `ms`, or lets it finish first; resolves how it ended. */
function killedAfter(out: string, ms: number): Promise<'killed' | 'finished'> {
  const child = spawn(process.execPath, [cliPath, 'train', FILE, '--out', out, ...ARGS], {
    cwd: root,
    stdio: 'ignore',
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL' ? 'killed' : code === 0 ? 'finished' : 'killed');
    }),
  );
}

/** Every file and folder under `dir`, relative. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

test(`${KILLS} SIGKILLs at random moments: no leftover survives a listing, every run is listed, every resumable one resumes`, async () => {
  const t0 = Date.now();
  const ref = train(FILE, '--out', path.join(tmp, 'reference'), ...ARGS);
  assert.equal(ref.code, 0, ref.stderr);
  const reference = JSON.parse(ref.stdout) as Report;
  const wall = Date.now() - t0;

  const runs = path.join(tmp, 'runs');
  const rng = new Rng(12);
  // Two at a time (the machine's cores), each killed somewhere between its start and a little past its end.
  const delays = Array.from({ length: KILLS }, () => Math.round(50 + rng.next() * wall * 1.1));
  const ends: ('killed' | 'finished')[] = [];
  for (let i = 0; i < KILLS; i += 2)
    ends.push(
      ...(await Promise.all(
        [i, i + 1].map((j) => killedAfter(path.join(runs, `r${String(j).padStart(2, '0')}`), delays[j]!)),
      )),
    );

  const listed = existsSync(runs) ? listRuns(runs) : [];
  const states = new Map(listed.map((r) => [path.basename(r.runDir), r]));
  // Nothing hidden, half-made or temporary is left once the runs are listed.
  const left = existsSync(runs) ? tree(runs) : [];
  assert.deepEqual(
    left.filter((f) => /(^|\/)\.|\.tmp-\d+$|\.partial/.test(f)),
    [],
    'no hidden or temporary file survives the listing',
  );
  for (const id of existsSync(runs) ? readdirSync(runs) : [])
    assert.ok(states.has(id), `${id} is on disk but not listed: a ghost (${tree(path.join(runs, id)).join(', ')})`);
  for (const r of listed) {
    assert.ok(['finished', 'failed', 'cancelled', 'damaged'].includes(r.status), `${r.runDir}: ${r.status}`);
    if (r.status === 'damaged') assert.ok(r.error, `${r.runDir} is damaged with a reason`);
  }

  let resumed = 0;
  for (const r of listed.filter((x) => x.resumable && x.status !== 'damaged')) {
    const again = train('--resume', r.runDir, '--json');
    assert.equal(again.code, 0, `${r.runDir}: ${again.stderr}`);
    assert.deepEqual(withoutTiming(JSON.parse(again.stdout) as Report), withoutTiming(reference), r.runDir);
    resumed++;
  }
  const finished = listed.filter((r) => r.status === 'finished').length;
  console.log(
    `kill soak: ${KILLS} runs, ${ends.filter((e) => e === 'killed').length} killed, ${listed.length} left a run ` +
      `directory (${finished} finished before the kill), ${resumed} resumed to the uninterrupted report, ` +
      `${KILLS - listed.length} left nothing`,
  );
});
