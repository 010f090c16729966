/**
 * The chance level beside IIA (server/engine/evaluate.ts): the fraction of the evaluated pairs whose counterfactual
 * output is the base's own output, i.e. what a network that ignores the intervention (and behaves right) scores.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bool, causalModel, evaluate, experiment, figure1Network, Session, tf } from 'iit-studio';

// Figure 1's model: O = V1 ∧ V2, V1 = X1, V2 = X2.
const conjunction = causalModel({
  X1: { values: bool },
  X2: { values: bool },
  V1: { values: bool, parents: ['X1'], f: ({ X1 }) => X1 },
  V2: { values: bool, parents: ['X2'], f: ({ X2 }) => X2 },
  O: { values: bool, parents: ['V1', 'V2'], f: ({ V1, V2 }) => V1 && V2 },
});
const encode = ({ X1, X2 }: { X1?: boolean; X2?: boolean }) => [Number(X1), Number(X2)];

/**
 * y = 0·h1 + 1·h2 − 1.5 with h2 = x1 + x2: right on every input, and h1 (aligned with V1) is never read, so the
 * network ignores every V1 intervention.
 */
const ignoresV1 = (evaluation: object = {}) =>
  experiment({
    name: 'ignores-v1',
    model: conjunction,
    network: () => figure1Network({ W1: [1, 0], W2: [1, 1], w: [0, 1], b: -1.5 }),
    encode,
    alignment: { V1: { site: 'h1' }, V2: { site: 'h2' } },
    evaluation,
  });

test('chance level by hand: 24 of the 32 ordered (base, source, variable) pairs of Figure 1 leave O unchanged', async () => {
  await tf.setBackend('cpu');
  const exp = ignoresV1();
  const s = new Session(exp, exp.resolve(), 0);
  try {
    const m = (await evaluate(s)).train!;
    assert.equal(m.behavioral, 1);
    assert.equal(m.iia.exact, true);
    assert.equal(m.iia.pairs, 32);
    // Swapping V1 from source j into base i changes O only when base X2 = T and the X1s differ: 4 of 16 pairs;
    // V2 likewise; so 12 + 12 of 32 pairs keep the base's output.
    assert.equal(m.iia.chance, 24 / 32);
    // A network that ignores the V1 intervention scores exactly V1's share of the chance level.
    assert.equal(m.iia.byVariable.V1, 12 / 16);
  } finally {
    s.dispose();
  }
});

test('chance level on sampled pairs: the same pairs as IIA, beside its Wilson interval', async () => {
  await tf.setBackend('cpu');
  const exp = ignoresV1({ exactLimit: 0, pairs: 400 });
  const s = new Session(exp, exp.resolve(), 0);
  try {
    const m = (await evaluate(s, { seed: 1 })).train!;
    assert.equal(m.iia.exact, false);
    assert.equal(m.iia.pairs, 800);
    assert.ok(m.iia.interval);
    const chance = m.iia.chance!;
    // k/800 for a whole k, near 3/4.
    assert.ok(Math.abs(chance * 800 - Math.round(chance * 800)) < 1e-9, String(chance));
    assert.ok(Math.abs(chance - 0.75) < 0.08, String(chance));
  } finally {
    s.dispose();
  }
});
