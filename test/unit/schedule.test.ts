/**
 * Learning-rate schedules: warm-up then linear decay, whose end defaults to
 * the run's length (steps given, or epochs over the training pairs).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bool, causalModel, experiment, learningRate, mlp, scheduleForRun, Session, tf, Trainer } from 'iit-studio';

test('warmup-linear: rises over the warm-up, falls to 0 at total', () => {
  const s = { type: 'warmup-linear' as const, warmup: 4, total: 10 };
  assert.deepEqual(
    [0, 3, 4, 7, 10].map((k) => learningRate(1, s, k)),
    [0.25, 1, 1, 0.5, 0],
  );
  assert.throws(() => learningRate(1, { type: 'warmup-linear', warmup: 4 }, 5), /without a total/);
});

test('warmup-linear without total decays to 0 where the run ends: steps, or epochs over the pairs', async () => {
  assert.deepEqual(scheduleForRun({ type: 'warmup-linear', warmup: 2 }, 30), {
    type: 'warmup-linear',
    warmup: 2,
    total: 30,
  });
  const given = { type: 'warmup-linear' as const, warmup: 2, total: 9 };
  assert.equal(scheduleForRun(given, 30), given, 'a total given is kept');

  await tf.setBackend('cpu');
  const model = causalModel({
    X1: { values: bool },
    X2: { values: bool },
    V1: { values: bool, parents: ['X1'], f: ({ X1 }) => X1 },
    O: { values: bool, parents: ['V1', 'X2'], f: ({ V1, X2 }) => V1 && X2 },
  });
  const schedule = { type: 'warmup-linear' as const, warmup: 2 };
  const optimizer = { type: 'sgd' as const, lr: 0.1 };
  const make = (length: { steps: number } | { epochs: number }) =>
    experiment({
      model,
      network: ({ seed }) => mlp({ input: 2, hidden: [4], output: 1, seed }),
      encode: ({ X1, X2 }) => [Number(X1), Number(X2)],
      alignment: { V1: { site: 'h1', slice: [[0, 2]] } },
      training: { optimizer, schedule, batchSize: 4, ...length, pairs: 'steps' in length ? 'sample' : 'all' },
    });
  for (const exp of [make({ steps: 12 }), make({ epochs: 3 })]) {
    const s = new Session(exp, exp.resolve(), 0);
    const t = new Trainer(s, 0);
    try {
      assert.ok(t.totalSteps > 2);
      assert.equal(t.optimizer.lr, 0.05, 'first warm-up step');
      while (t.step < t.totalSteps - 1) await t.trainStep();
      assert.ok(t.optimizer.lr > 0, 'still learning on the last step');
      await t.trainStep();
      assert.equal(t.optimizer.lr, 0, `decayed to 0 at the run's end (${t.totalSteps} steps)`);
    } finally {
      t.dispose();
      s.dispose();
    }
  }
});
