/**
 * The objectives where the answer is known: a network built by hand to
 * realise a causal model exactly, one that ignores a variable, the presets'
 * weights, and the declaration errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  causalModel,
  evaluate,
  experiment,
  IITError,
  presets,
  PRESET_NAMES,
  range,
  Session,
  tf,
  Trainer,
  type ConfigDecl,
} from 'iit-studio';
import { encodeMod, handNetwork, modModel } from './hand-network';

const modExperiment = (net: () => ReturnType<typeof handNetwork>, extra: Record<string, unknown> = {}) =>
  experiment({
    model: modModel(),
    network: net,
    encode: encodeMod,
    alignment: { Y1: { site: 'h', slice: [[0, 3]] }, Y2: { site: 'h', slice: [[3, 6]] } },
    ...extra,
  });

test('a network that realises the causal model by construction scores IIA 1.0 on every variable and typed pair', async () => {
  await tf.setBackend('cpu');
  const exp = modExperiment(() => handNetwork());
  const s = new Session(exp, exp.resolve(), 0);
  try {
    const m = (await evaluate(s)).train!;
    console.log(
      `behaviour ${m.behavioral}, IIA ${JSON.stringify(m.iia.byVariable)}, typed ${JSON.stringify(m.iia.typed)}`,
    );
    assert.equal(m.behavioral, 1);
    assert.equal(m.iia.exact, true);
    assert.deepEqual(m.iia.byVariable, { Y1: 1, Y2: 1 });
    assert.deepEqual(Object.keys(m.iia.typed!).sort(), ['Y1', 'Y1→Y2', 'Y2', 'Y2→Y1']);
    for (const v of Object.values(m.iia.typed!)) assert.equal(v, 1);
  } finally {
    s.dispose();
  }
});

test('a network that ignores Y2 does not reach IIA 1 (exactly 1/3 on each variable, by counting)', async () => {
  await tf.setBackend('cpu');
  const exp = modExperiment(() => handNetwork({ ignoreY2: true }));
  const s = new Session(exp, exp.resolve(), 0);
  try {
    const m = (await evaluate(s)).train!;
    console.log(`ignoring Y2: behaviour ${m.behavioral}, IIA ${JSON.stringify(m.iia.byVariable)}`);
    // It predicts (Y1 − 0) mod 3: right iff the (counterfactual) Y2 is 0, one input in three.
    assert.ok(Math.abs(m.behavioral - 1 / 3) < 1e-12);
    assert.ok(Math.abs(m.iia.byVariable.Y2! - 1 / 3) < 1e-12);
    assert.ok(Math.abs(m.iia.byVariable.Y1! - 1 / 3) < 1e-12);
  } finally {
    s.dispose();
  }
});

test('the IIT and typed-IIT losses of the exact network fall as its logits are scaled up', async () => {
  await tf.setBackend('cpu');
  const lossesAt = async (scale: number) => {
    // Every ordered pair × intervention in one batch; a negligible learning rate only reads the losses.
    const exp = modExperiment(() => handNetwork({ scale }), {
      objectives: { task: 1, iit: 1, typedIit: 1 },
      training: { optimizer: { type: 'sgd', lr: 1e-12 }, pairs: 'all', batchSize: 9 * 9 * 4, steps: 1 },
    });
    const s = new Session(exp, exp.resolve(), 0);
    const t = new Trainer(s, 0);
    try {
      return await t.trainStep();
    } finally {
      t.dispose();
      s.dispose();
    }
  };
  const runs = [];
  for (const scale of [1, 2, 4, 8]) runs.push(await lossesAt(scale));
  console.log(runs.map((l, i) => `scale ${2 ** i}: ${JSON.stringify(l)}`).join('\n'));
  for (let i = 1; i < runs.length; i++) {
    for (const k of ['task', 'iit', 'typedIit'])
      assert.ok(runs[i]![k]! < runs[i - 1]![k]!, `${k} falls from scale ${2 ** (i - 1)} to ${2 ** i}`);
  }
  // The right class has logit s and the others 0: cross-entropy log(1 + 2e^−s), for every pair.
  for (const [i, l] of runs.entries()) assert.ok(Math.abs(l.typedIit! - Math.log(1 + 2 * Math.exp(-(2 ** i)))) < 1e-5);
});

test('presets resolve to the objectives of Table 1 with weight 1.0; common settings and re-weighting apply', () => {
  const exp = modExperiment(() => handNetwork(), {
    configs: presets({ training: { steps: 7 }, objectives: { probe: 0.5 } }),
  });
  const w = (n: string) => exp.resolve(n).objectives;
  assert.deepEqual(PRESET_NAMES, ['STANDARD', 'IIT', 'MULTI', 'IIT+MULTI', 'AUGMENT', 'NO TYPING']);
  assert.deepEqual(w('STANDARD'), { task: 1, iit: 0, typedIit: 0, probe: 0, augment: 0 });
  assert.deepEqual(w('IIT'), { task: 1, iit: 0, typedIit: 1, probe: 0, augment: 0 });
  assert.deepEqual(w('MULTI'), { task: 1, iit: 0, typedIit: 0, probe: 0.5, augment: 0 });
  assert.deepEqual(w('IIT+MULTI'), { task: 1, iit: 0, typedIit: 1, probe: 0.5, augment: 0 });
  assert.deepEqual(w('AUGMENT'), { task: 1, iit: 0, typedIit: 0, probe: 0, augment: 1 });
  assert.deepEqual(w('NO TYPING'), { task: 1, iit: 1, typedIit: 0, probe: 0, augment: 0 });
  for (const n of PRESET_NAMES) assert.equal(exp.resolve(n).training.steps, 7);
  assert.deepEqual(Object.keys(presets({}, ['IIT', 'NO TYPING'])), ['IIT', 'NO TYPING']);
  assert.equal(presets().IIT!.objectives!.typedIit, 1);
});

test('declaration errors name the fix: unknown objective key, probe kind and rank, impactful, guard, probe without alignment, unswappable augment', () => {
  const cfg = (c: ConfigDecl) => modExperiment(() => handNetwork(), { configs: { C: c } });
  const throws = (f: () => unknown, re: RegExp) =>
    assert.throws(f, (e: unknown) => {
      assert.ok(e instanceof IITError, String(e));
      assert.match(e.message, re);
      assert.ok(e.fix && e.fix.length > 0);
      return true;
    });
  throws(
    () => cfg({ objectives: { task: 1, probes: 1 } as never }).resolve('C'),
    /objectives\.probes: unknown key; did you mean probe\?/,
  );
  throws(
    () => cfg({ objectives: { probe: 1 }, probe: { kind: 'quadratic' as never } }).resolve('C'),
    /unknown probe kind/,
  );
  throws(() => cfg({ objectives: { probe: 1 }, probe: { kind: 'lowRank', rank: 0 } }).resolve('C'), /probe rank 0/);
  throws(() => cfg({ training: { sampling: { impactful: 1.5 } } }).resolve('C'), /impactful = 1.5/);
  throws(() => cfg({ evaluation: { sampling: { sourcesPerBase: 2.5 } } }).resolve('C'), /sourcesPerBase = 2.5/);
  throws(() => cfg({ training: { pairs: 'all', sampling: { sourcesPerBase: 20 } } }).resolve('C'), /pairs: 'all'/);
  throws(() => cfg({ evaluation: { sampling: { guard: true } } }).resolve('C'), /no guard/);
  throws(() => cfg({ training: { pairs: 'all', sampling: { impactful: 0.5 } } }).resolve('C'), /pairs: 'all'/);
  const probeX = cfg({ objectives: { task: 1, probe: 1 }, probe: { variables: ['X1'] } });
  throws(() => new Session(probeX, probeX.resolve('C'), 0), /probe: X1 has no alignment/);
  // Y2 reads two inputs, Y1 one: a typed swap Y1→Y2 has no one-to-one input parts to exchange.
  const uneven = experiment({
    model: causalModel({
      X1: { values: range(0, 2) },
      X2: { values: range(0, 2) },
      X3: { values: range(0, 2) },
      Y1: { values: range(0, 2), parents: ['X1'], f: ({ X1 }) => X1, type: 'Y' },
      Y2: { values: range(0, 2), parents: ['X2', 'X3'], f: ({ X2, X3 }) => (X2 + X3) % 3, type: 'Y' },
      O: { values: range(0, 2), parents: ['Y1', 'Y2'], f: ({ Y1, Y2 }) => (Y1 - Y2 + 3) % 3 },
    }),
    network: () => handNetwork(),
    encode: ({ X1, X2 }) => encodeMod({ X1, X2 }),
    alignment: { Y1: { site: 'h', slice: [[0, 3]] }, Y2: { site: 'h', slice: [[3, 6]] } },
    objectives: { task: 1, augment: 1 },
  });
  throws(() => new Session(uneven, uneven.resolve(), 0), /augment: Y\d depends on inputs \[.*\] but Y\d on \[.*\]/);
  // With its own augment function the same experiment is accepted.
  const own = experiment({ ...uneven.decl, augment: (b: unknown) => b } as never);
  new Session(own, own.resolve(), 0).dispose();
});
