/**
 * A run started from VS Code resumes only on the data it was started on:
 * trainJob records the experiment's data digest in config.json and refuses
 * a resume after a split changed, naming the run and the fix.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import '../../server/engine/index';
import '../../server/pvr/index';
import { Cancelled, trainJob, type TrainJobHooks } from '../../server/lsp/trainJob';

const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-resume-data-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const hooks = (stopAt?: number): TrainJobHooks => {
  let step = 0;
  return {
    onStart: () => undefined,
    onStep: (p) => (step = p.step),
    onEval: () => undefined,
    onCheckpoint: () => undefined,
    cancelled: () => stopAt !== undefined && step >= stopAt,
  };
};

test('resume on changed data is refused with the run and the fix; on the data it started with it finishes', async () => {
  const src = readFileSync(path.join(root, 'test/fixtures/models/pvr-tiny.ts'), 'utf8');
  assert.match(src, /seed: 1 \}\);/);
  const file = path.join(tmp, 'pvr-tiny.ts');
  writeFileSync(file, src);
  const runDir = path.join(tmp, 'run');
  const job = { runDir, file, config: 'IIT', seed: 0, runId: 'r1', checkpointEvery: 1 };
  await assert.rejects(trainJob({ ...job, resume: false }, hooks(1)), Cancelled);
  const cfg = JSON.parse(readFileSync(path.join(runDir, 'config.json'), 'utf8')) as { data?: string };
  assert.match(cfg.data ?? '', /^[0-9a-f]{16}$/);

  writeFileSync(file, src.replace(/seed: 1 \}\);/, 'seed: 2 });'));
  await assert.rejects(trainJob({ ...job, resume: true }, hooks()), (e: Error & { fix?: string }) => {
    assert.match(e.message, /run was started on other data than pvr-tiny\.ts now gives/);
    assert.match(e.fix ?? '', /start a new run/);
    return true;
  });

  writeFileSync(file, src);
  const { report } = await trainJob({ ...job, resume: true }, hooks());
  assert.equal(report.steps, 3);
});
