/**
 * Multi-task probes (Eq. 8/12): on neurons that encode a variable linearly a
 * probe reaches 100% accuracy and its loss falls; low-rank probes have the
 * factorised shapes; probe parameters are optimised, saved and restored with
 * the trainer's state.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { evaluate, experiment, Session, tf, Trainer } from 'iit-studio';
import { encodeMod, handNetwork, modModel } from './hand-network';

const probeExperiment = (c: Record<string, unknown>) =>
  experiment({
    model: modModel(),
    network: () => handNetwork(),
    encode: encodeMod,
    alignment: { Y1: { site: 'h', slice: [[0, 3]] }, Y2: { site: 'h', slice: [[3, 6]] } },
    training: { optimizer: { type: 'adam', lr: 0.05 }, batchSize: 9, pairs: 'sample', steps: 150 },
    ...c,
  });

for (const kind of ['linear', 'lowRank'] as const) {
  test(`a ${kind} probe on neurons that encode the variable one-hot reaches 100% accuracy and its loss falls`, async () => {
    await tf.setBackend('cpu');
    const exp = probeExperiment({ objectives: { probe: 1 }, probe: { kind, rank: 4 } });
    const s = new Session(exp, exp.resolve(), 3);
    const t = new Trainer(s, 3);
    try {
      const shapes = Object.fromEntries(
        [...s.net.params].filter(([n]) => n.startsWith('probe.')).map(([n, v]) => [n, v.shape]),
      );
      assert.deepEqual(
        shapes,
        kind === 'linear'
          ? { 'probe.Y1.W': [3, 3], 'probe.Y1.b': [3], 'probe.Y2.W': [3, 3], 'probe.Y2.b': [3] }
          : {
              'probe.Y1.R': [3, 4],
              'probe.Y1.L': [4, 3],
              'probe.Y1.b': [3],
              'probe.Y2.R': [3, 4],
              'probe.Y2.L': [4, 3],
              'probe.Y2.b': [3],
            },
      );
      const before = (await evaluate(s)).train!.probe!;
      const losses: number[] = [];
      while (t.step < t.totalSteps) losses.push((await t.trainStep()).probe!);
      const after = (await evaluate(s)).train!;
      console.log(
        `${kind}: probe accuracy ${JSON.stringify(before)} → ${JSON.stringify(after.probe)}, loss ${losses[0]!.toFixed(4)} → ${losses.at(-1)!.toFixed(4)}`,
      );
      assert.notDeepEqual(before, { Y1: 1, Y2: 1 });
      assert.deepEqual(after.probe, { Y1: 1, Y2: 1 });
      assert.ok(losses.at(-1)! < losses[0]! / 4);
      // The network's own parameter is untouched by a probe-only objective on parameter-free neurons.
      assert.equal((await s.net.getParameters()).scale!.values[0], 1);
    } finally {
      t.dispose();
      s.dispose();
    }
  });
}

test('probe parameters and their optimizer state round-trip through getParameters / Trainer.getState', async () => {
  await tf.setBackend('cpu');
  const exp = probeExperiment({ objectives: { task: 1, typedIit: 1, probe: 1 }, probe: { kind: 'lowRank', rank: 2 } });
  const a = new Session(exp, exp.resolve(), 5);
  const ta = new Trainer(a, 5);
  const b = new Session(exp, exp.resolve(), 6);
  const tb = new Trainer(b, 6);
  try {
    for (let i = 0; i < 5; i++) await ta.trainStep();
    const params = await a.net.getParameters();
    assert.ok(params['probe.Y1.L'] && params['probe.Y2.R']);
    const state = JSON.parse(JSON.stringify(await ta.getState()));
    assert.ok(Object.keys(state.optimizer.slots).includes('probe.Y1.R'));
    b.net.setParameters(params);
    tb.setState(state);
    for (let i = 0; i < 5; i++) assert.deepEqual(await tb.trainStep(), await ta.trainStep());
    assert.deepEqual(await b.net.getParameters(), await a.net.getParameters());
  } finally {
    ta.dispose();
    tb.dispose();
    a.dispose();
    b.dispose();
  }
});

test('live tensors stay flat across IIT+MULTI (low-rank probes) and AUGMENT steps with impactful sampling and evaluations', async () => {
  await tf.setBackend('cpu');
  for (const objectives of [
    { task: 1, typedIit: 1, probe: 1 },
    { task: 1, augment: 1 },
  ]) {
    const exp = probeExperiment({
      objectives,
      probe: { kind: 'lowRank', rank: 4 },
      training: {
        optimizer: { type: 'adam', lr: 0.01 },
        batchSize: 16,
        pairs: 'sample',
        steps: 300,
        sampling: { impactful: 0.5 },
      },
    });
    const s = new Session(exp, exp.resolve(), 1);
    const t = new Trainer(s, 1);
    try {
      for (let i = 0; i < 10; i++) await t.trainStep();
      await evaluate(s);
      const start = tf.memory().numTensors;
      for (let i = 10; i < 300; i++) await t.trainStep();
      await evaluate(s);
      const end = tf.memory().numTensors;
      console.log(`${Object.keys(objectives).join('+')}: live tensors after step 10: ${start}, after step 300: ${end}`);
      assert.equal(end, start);
    } finally {
      t.dispose();
      s.dispose();
    }
  }
});

test('a run directory carries the probes: iit-studio eval --run reproduces the trained probe accuracy', async () => {
  const { trainRun } = await import('../../server/app/train');
  const { evaluateRun } = await import('../../server/app/evaluate');
  const dir = mkdtempSync(path.join(tmpdir(), 'iit-probes-'));
  try {
    const file = path.join(import.meta.dirname, 'multi-experiment.ts');
    const out = await trainRun({ file, config: 'IIT+MULTI', seed: 2, backend: 'cpu', out: path.join(dir, 'run') });
    const trained = out.report.metrics.train!;
    const names = JSON.parse(readFileSync(path.join(out.runDir, 'model.json'), 'utf8')).weightsManifest[0].weights.map(
      (w: { name: string }) => w.name,
    );
    console.log(`trained probe accuracy ${JSON.stringify(trained.probe)}; saved ${names.join(', ')}`);
    assert.deepEqual(names.filter((n: string) => n.startsWith('probe.')).sort(), [
      'probe.Y1.L',
      'probe.Y1.R',
      'probe.Y1.b',
      'probe.Y2.L',
      'probe.Y2.R',
      'probe.Y2.b',
    ]);
    assert.deepEqual(trained.probe, { Y1: 1, Y2: 1 });
    const again = await evaluateRun({ file, runDir: out.runDir, backend: 'cpu' });
    assert.deepEqual(again.metrics.train!.probe, trained.probe);
    assert.deepEqual(again.metrics.train!.iia, trained.iia);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
