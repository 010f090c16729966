/**
 * Sequence outputs (ReaSCAN's action sequences): behaviour and IIA are exact match of the whole greedy decode, and a
 * pair whose counterfactual the causal model leaves undefined (null) is dropped and counted, not scored. Checked on a
 * hand-built network against a count worked out pair by pair.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { causalModel, evaluate, experiment, network, oneOf, range, sequence, Session, tf } from 'iit-studio';

type Tok = 'a' | 'b';
/** O = V1 a's then V2 b's; no counterfactual where an interchange makes both 2 (the input (2, 2) itself is fine). */
const model = causalModel({
  X1: { values: range(0, 2) },
  X2: { values: range(0, 2) },
  V1: { values: range(0, 2), parents: ['X1'], f: ({ X1 }) => X1 },
  V2: { values: range(0, 2), parents: ['X2'], f: ({ X2 }) => X2 },
  O: {
    values: sequence(oneOf<Tok>('a', 'b'), 4),
    parents: ['X1', 'X2', 'V1', 'V2'],
    f: ({ X1, X2, V1, V2 }) =>
      (V1 === 2 && V2 === 2 && !(X1 === 2 && X2 === 2)
        ? null
        : [...new Array<Tok>(V1).fill('a'), ...new Array<Tok>(V2).fill('b')]) as readonly Tok[],
  },
});

/** The hand-built network's rule: right, except that after two a's it writes no b (it ignores V2 when V1 = 2). */
const netSequence = (v1: number, v2: number): Tok[] => [
  ...new Array<Tok>(v1).fill('a'),
  ...new Array<Tok>(v1 === 2 ? 0 : v2).fill('b'),
];
const STEPS = 5; // 4 tokens and EOS
const EOS = 2;

/** Site h = [one-hot V1, one-hot V2] (the input); logits [5, 3] one-hot on netSequence's tokens, then EOS. */
function handNetwork() {
  const b = network({ x: [6], targets: [STEPS] }, { optional: ['targets'] });
  b.stage('h', 'x', ([x]) => tf.mul(x!, 1));
  b.stage('logits', 'h', ([h]) => {
    const rows = h!.arraySync() as number[][];
    const out = rows.map((r) => {
      const v1 = r.slice(0, 3).indexOf(Math.max(...r.slice(0, 3)));
      const v2 = r.slice(3).indexOf(Math.max(...r.slice(3)));
      const seq = netSequence(v1, v2).map((t) => (t === 'a' ? 0 : 1));
      return Array.from({ length: STEPS }, (_, k) => [0, 1, 2].map((c) => 10 * Number(c === (seq[k] ?? EOS))));
    });
    return tf.tensor3d(out, [rows.length, STEPS, 3]);
  });
  return b.build('logits');
}

const oneHot = (v: number) => [0, 1, 2].map((k) => Number(k === v));

test('sequence IIA of a hand-built network equals the count by hand, dropped pairs counted apart', async () => {
  await tf.setBackend('cpu');
  const exp = experiment({
    name: 'sequence-iia',
    model,
    network: () => handNetwork(),
    encode: ({ X1, X2 }) => [...oneHot(X1!), ...oneHot(X2!)],
    output: { teacher: 'targets' },
    alignment: { V1: { site: 'h', slice: [[0, 3]] }, V2: { site: 'h', slice: [[3, 6]] } },
  });
  const s = new Session(exp, exp.resolve(), 0);
  try {
    const m = (await evaluate(s)).train!;
    // Behaviour: wrong exactly on the inputs with X1 = 2 and X2 > 0.
    assert.equal(m.behavioral, 7 / 9);
    // By hand, over the 9 × 9 ordered pairs per variable: the counterfactual (v1, v2), dropped when both are 2 and
    // the base is not (2, 2); the network matches unless v1 = 2 and v2 > 0.
    const count = { V1: { ok: 0, n: 0, dropped: 0 }, V2: { ok: 0, n: 0, dropped: 0 } };
    for (let b1 = 0; b1 <= 2; b1++)
      for (let b2 = 0; b2 <= 2; b2++)
        for (let s1 = 0; s1 <= 2; s1++)
          for (let s2 = 0; s2 <= 2; s2++)
            for (const v of ['V1', 'V2'] as const) {
              const [c1, c2] = v === 'V1' ? [s1, b2] : [b1, s2];
              if (c1 === 2 && c2 === 2 && !(b1 === 2 && b2 === 2)) {
                count[v].dropped++;
                continue;
              }
              count[v].n++;
              if (!(c1 === 2 && c2 > 0)) count[v].ok++;
            }
    assert.deepEqual(m.iia.dropped, { V1: count.V1.dropped, V2: count.V2.dropped });
    assert.equal(m.iia.pairs, count.V1.n + count.V2.n);
    assert.equal(m.iia.byVariable.V1, count.V1.ok / count.V1.n);
    assert.equal(m.iia.byVariable.V2, count.V2.ok / count.V2.n);
    assert.equal(m.iia.overall, (count.V1.ok + count.V2.ok) / (count.V1.n + count.V2.n));
    // Not vacuous: some pairs are dropped and the network misses some.
    assert.ok(count.V1.dropped > 0 && count.V2.ok < count.V2.n);
  } finally {
    s.dispose();
  }
});
