/**
 * A run resumes only on the data it was started on: the pipeline records the
 * experiment's data digest in config.json and refuses a resume after a split
 * changed, naming the run and the fix.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Cancelled, trainRun, type RunHooks } from '../../server/app/train';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-resume-data-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const hooks = (stopAt?: number): RunHooks => {
  let step = 0;
  return {
    onStep: (p) => (step = p.step),
    cancelled: () => stopAt !== undefined && step >= stopAt,
  };
};

test('resume on changed data is refused with the run and the fix; on the data it started with it finishes', async () => {
  const src = readFileSync(path.join(root, 'test/fixtures/models/pvr-tiny.ts'), 'utf8');
  assert.match(src, /seed: 1 \}\);/);
  const file = path.join(tmp, 'pvr-tiny.ts');
  writeFileSync(file, src);
  const runDir = path.join(tmp, 'run');
  await assert.rejects(
    trainRun({ file, out: runDir, config: 'IIT', seed: 0, checkpointEvery: 1, hooks: hooks(1) }),
    Cancelled,
  );
  const cfg = JSON.parse(readFileSync(path.join(runDir, 'config.json'), 'utf8')) as { data?: string };
  assert.match(cfg.data ?? '', /^[0-9a-f]{16}$/);

  writeFileSync(file, src.replace(/seed: 1 \}\);/, 'seed: 2 });'));
  await assert.rejects(trainRun({ resume: runDir, hooks: hooks() }), (e: Error & { fix?: string }) => {
    assert.match(e.message, /run was started on other data than pvr-tiny\.ts now gives/);
    assert.match(e.fix ?? '', /start a new run/);
    return true;
  });

  writeFileSync(file, src);
  const { report } = await trainRun({ resume: runDir, hooks: hooks() });
  assert.equal(report.steps, 3);
});
