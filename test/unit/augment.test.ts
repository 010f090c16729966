/**
 * Data augmentation guided by the causal model: the generic rule swaps the
 * input parts a variable depends on (typed: V's parts of the source into V′'s
 * parts of the base), labels come from the causal model, and the trainer
 * trains the task loss on exactly those inputs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  augmentInput,
  Augmenter,
  causalModel,
  experiment,
  IITError,
  inputAncestors,
  presets,
  range,
  Rng,
  Session,
  tf,
  Trainer,
} from 'iit-studio';
import { encodeMod, handNetwork, modModel } from './hand-network';

test('the generic rule: same-variable and typed swaps of input parts, checked by hand', () => {
  const m = modModel();
  assert.deepEqual(inputAncestors(m as never, 'Y1'), ['X1']);
  assert.deepEqual(inputAncestors(m as never, 'O'), ['X1', 'X2']);
  const base = { X1: 0, X2: 1 };
  const source = { X1: 2, X2: 0 };
  // Y1→Y1: the base takes the source's X1.
  assert.deepEqual(augmentInput(m, base, source, [{ from: 'Y1', to: 'Y1' }]), { X1: 2, X2: 1 });
  // Y2→Y2: the base takes the source's X2.
  assert.deepEqual(augmentInput(m, base, source, [{ from: 'Y2', to: 'Y2' }]), { X1: 0, X2: 0 });
  // Y1→Y2: the source's X1 goes into the base's X2 (PVR: a source quadrant into another base quadrant).
  assert.deepEqual(augmentInput(m, base, source, [{ from: 'Y1', to: 'Y2' }]), { X1: 0, X2: 2 });
  // Y2→Y1: the source's X2 goes into the base's X1.
  assert.deepEqual(augmentInput(m, base, source, [{ from: 'Y2', to: 'Y1' }]), { X1: 0, X2: 1 });
  // Labels come from the causal model on the new input: O = (Y1 − Y2) mod 3.
  assert.equal(m.run(augmentInput(m, base, source, [{ from: 'Y1', to: 'Y2' }])).O, (0 - 2 + 3) % 3);
  // The inputs are left untouched.
  assert.deepEqual(base, { X1: 0, X2: 1 });
});

test("an experiment's own augment function replaces the rule; a bad result is a clear error", () => {
  const m = modModel();
  const own = new Augmenter(m as never, [[{ from: 'Y1', to: 'Y1' }]], (_b, s, rng) => ({ X1: s.X1, X2: rng.int(3) }));
  const x = own.make({ X1: 0, X2: 0 }, { X1: 1, X2: 1 }, [{ from: 'Y1', to: 'Y1' }], new Rng(1));
  assert.equal(x.X1, 1);
  assert.ok([0, 1, 2].includes(x.X2 as number));
  const bad = new Augmenter(m as never, [[{ from: 'Y1', to: 'Y1' }]], () => ({ X1: 7 }));
  assert.throws(
    () => bad.make({ X1: 0, X2: 0 }, { X1: 1, X2: 1 }, [{ from: 'Y1', to: 'Y1' }], new Rng(1)),
    (e: unknown) => e instanceof IITError && /augment returned .*X1 is missing or outside integer 0..2/.test(e.message),
  );
});

test('AUGMENT trains the task loss on the augmented inputs with the causal model’s labels', async () => {
  await tf.setBackend('cpu');
  // Records every input the network is fed (decoded from the one-hot features) to check what training saw.
  const seen: { X1: number; X2: number }[] = [];
  const exp = experiment({
    model: modModel(),
    network: () => handNetwork({ scale: 3 }),
    encodeBatch: (xs) => {
      xs.forEach((x) => seen.push({ X1: x.X1!, X2: x.X2! }));
      return { x: tf.tensor2d(xs.map((x) => encodeMod(x))) };
    },
    alignment: { Y1: { site: 'h', slice: [[0, 3]] }, Y2: { site: 'h', slice: [[3, 6]] } },
    configs: presets(
      { training: { optimizer: { type: 'sgd', lr: 1e-12 }, batchSize: 64, pairs: 'sample', steps: 1 } },
      ['AUGMENT'],
    ),
  });
  const s = new Session(exp, exp.resolve('AUGMENT'), 2);
  const t = new Trainer(s, 2);
  try {
    seen.length = 0; // drop the split's one-time encoding
    const l = await t.trainStep();
    console.log(`AUGMENT losses ${JSON.stringify(l)}; ${seen.length} augmented inputs`);
    assert.equal(seen.length, 64);
    // Every augmented input is a base with one input part taken from a source: its label is the causal model's.
    // The exact network's loss on correctly labelled inputs is log(1 + 2e^−3) for each of them.
    assert.ok(Math.abs(l.augment! - Math.log(1 + 2 * Math.exp(-3))) < 1e-5);
    assert.ok(Math.abs(l.task! - Math.log(1 + 2 * Math.exp(-3))) < 1e-5);
    // The interventions drawn from: every typed swap, V→V included.
    assert.deepEqual(s.augmenter!.swaps.map((sw) => `${sw[0]!.from}→${sw[0]!.to}`).sort(), [
      'Y1→Y1',
      'Y1→Y2',
      'Y2→Y1',
      'Y2→Y2',
    ]);
  } finally {
    t.dispose();
    s.dispose();
  }
});

test('augment on a model whose typed variables read input parts of different value sets is rejected', () => {
  const exp = experiment({
    model: causalModel({
      X1: { values: range(0, 2) },
      X2: { values: range(1, 3) },
      Y1: { values: range(0, 2), parents: ['X1'], f: ({ X1 }) => X1, type: 'Y' },
      Y2: { values: range(0, 2), parents: ['X2'], f: ({ X2 }) => X2 - 1, type: 'Y' },
      O: { values: range(0, 2), parents: ['Y1', 'Y2'], f: ({ Y1, Y2 }) => (Y1 - Y2 + 3) % 3 },
    }),
    network: () => handNetwork(),
    encode: ({ X1, X2 }) => encodeMod({ X1, X2: X2! - 1 }),
    alignment: { Y1: { site: 'h', slice: [[0, 3]] }, Y2: { site: 'h', slice: [[3, 6]] } },
    objectives: { task: 1, augment: 1 },
  });
  assert.throws(
    () => new Session(exp, exp.resolve(), 0),
    (e: unknown) =>
      e instanceof IITError &&
      /augment: input X\d \(integer .*\) cannot be placed into input X\d/.test(e.message) &&
      /own augment/.test(e.fix ?? ''),
  );
});
