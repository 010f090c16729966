import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { evaluate, loadExperiment, Session, tf, train } from 'iit-studio';

const root = path.resolve(import.meta.dirname, '../..');

test("Figure 1: IIA is exactly 26/32 before and 1 after one IIT update, with the paper's parameters", async () => {
  await tf.setBackend('cpu');
  const exp = await loadExperiment(path.join(root, 'samples/conjunction/figure1.ts'));
  const s = new Session(exp, exp.resolve(), 0);
  try {
    const before = (await evaluate(s)).train!;
    assert.equal(before.behavioral, 1);
    assert.equal(before.iia.pairs, 32);
    assert.equal(Math.round(before.iia.overall * 32), 26);
    assert.equal(before.iia.exact, true);
    // Figure 1c's pair (base (F,T) = index 1, source (T,F) = index 2) mismatches for V1.
    assert.equal(before.iia.grid!.V1![1 * 4 + 2], 0);

    const r = await train(s, { seed: 0 });
    assert.equal(r.steps, 1);
    assert.equal(r.metrics.train!.iia.overall, 1);
    assert.equal(r.metrics.train!.behavioral, 1);
    const p = await s.net.getParameters();
    const r4 = (xs: number[]) => xs.map((x) => Math.round(x * 1e4) / 1e4);
    assert.deepEqual(r4(p.W1!.values), [0.5012, 0.05]);
    assert.deepEqual(r4(p.W2!.values), [0.05, 0.5512]);
    assert.deepEqual(r4(p.w!.values), [1.0231, 1.0256]);
    assert.deepEqual(r4(p.b!.values), [-0.9488]);
  } finally {
    s.dispose();
  }
});

test('the seeded random start trains to IIA 100% with task + IIT loss', async () => {
  await tf.setBackend('cpu');
  const exp = await loadExperiment(path.join(root, 'samples/conjunction/train.ts'));
  const s = new Session(exp, exp.resolve(), 3);
  try {
    const r = await train(s, { seed: 3 });
    assert.ok(r.before!.train!.iia.overall < 1, 'the random start is not already perfect');
    assert.equal(r.metrics.train!.iia.overall, 1);
    assert.equal(r.metrics.train!.behavioral, 1);
  } finally {
    s.dispose();
  }
});
