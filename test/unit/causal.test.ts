import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bool, causalModel, IITError, oneOf, range, Rng, tuple } from 'iit-studio';

const pvrLike = () =>
  causalModel({
    P: { values: range(0, 9) },
    A: { values: range(0, 9) },
    B: { values: range(0, 9) },
    YP: { values: range(0, 9), parents: ['P'], f: ({ P }) => P, type: 'Y' },
    YA: { values: range(0, 9), parents: ['A'], f: ({ A }) => A, type: 'Y' },
    YB: { values: range(0, 9), parents: ['B'], f: ({ B }) => B, type: 'Y' },
    O: { values: range(0, 9), parents: ['YP', 'YA', 'YB'], f: ({ YP, YA, YB }) => (YP < 5 ? YA : YB) },
  });

test('inputs, outputs and topological order are derived', () => {
  const m = pvrLike();
  assert.deepEqual(m.inputs, ['P', 'A', 'B']);
  assert.deepEqual(m.outputs, ['O']);
  assert.deepEqual(m.intermediates, ['YP', 'YA', 'YB']);
  assert.equal(m.inputSpaceSize, 1000);
  assert.ok(m.order.indexOf('O') > m.order.indexOf('YB'));
});

test('run, do() and interchange interventions (Eq. 1)', () => {
  const m = pvrLike();
  const base = { P: 2, A: 7, B: 1 };
  const source = { P: 8, A: 3, B: 4 };
  assert.equal(m.run(base).O, 7);
  assert.equal(m.run(base, { YP: 9 }).O, 1);
  assert.equal(m.intervene({ YA: 5 }).run(base).O, 5);
  // YP from the source (8) makes the base point at B.
  assert.equal(m.interchange(base, source, 'YP').O, 1);
  assert.equal(m.interchange(base, source, 'YA').O, 3);
  assert.equal(m.interchange(base, source, ['YP', 'YB']).O, 4);
});

test('typed interchange (Eq. 6) sets V′ to the value V takes on the source', () => {
  const m = pvrLike();
  const base = { P: 2, A: 7, B: 1 };
  const source = { P: 8, A: 3, B: 4 };
  // YA ← source's YB (4).
  assert.equal(m.typedInterchange(base, source, [{ from: 'YB', to: 'YA' }]).O, 4);
  // YP ← source's YA (3): still < 5, so O = base's YA.
  assert.equal(m.typedInterchange(base, source, [{ from: 'YA', to: 'YP' }]).O, 7);
});

test('declaration errors: unknown parent, cycle, value outside the set, equation that throws', () => {
  assert.throws(
    () => causalModel({ X: { values: bool }, Y: { values: bool, parents: ['Z' as 'X'], f: ({ X }) => X } }),
    (e: IITError) => e.code === 'unknown-parent' && e.subject === 'Y' && /Z/.test(e.message),
  );
  assert.throws(
    () =>
      causalModel({
        X: { values: bool },
        A: { values: bool, parents: ['B', 'X'], f: ({ B }) => B },
        B: { values: bool, parents: ['A'], f: ({ A }) => A },
      }),
    (e: IITError) => e.code === 'cycle' && /A → B → A|B → A → B/.test(e.message),
  );
  assert.throws(
    () => causalModel({ X: { values: range(0, 3) }, Y: { values: range(0, 3), parents: ['X'], f: ({ X }) => X + 1 } }),
    (e: IITError) => e.code === 'value-out-of-set' && e.subject === 'Y' && /returns 4/.test(e.message),
  );
  assert.throws(
    () =>
      causalModel({
        X: { values: range(0, 3) },
        Y: {
          values: range(0, 3),
          parents: ['X'],
          f: ({ X }) => {
            if (X === 2) throw new Error('boom');
            return X;
          },
        },
      }),
    (e: IITError) => e.code === 'equation-throws' && /boom/.test(e.message),
  );
  assert.throws(
    () =>
      causalModel({
        X: { values: bool },
        W: { values: bool },
        Y: { values: bool, parents: ['X'], f: ({ W }) => W },
      }),
    (e: IITError) => e.code === 'bad-declaration' && /reads W/.test(e.message),
  );
});

test('value sets: ranges, enumerations and tuples index densely', () => {
  const t = tuple(bool, oneOf('a', 'b', 'c'), range(2, 3));
  assert.equal(t.size, 12);
  for (let i = 0; i < t.size; i++) assert.equal(t.indexOf(t.at(i)), i);
  assert.equal(t.indexOf([true, 'd', 2]), -1);
  assert.deepEqual(range(3, 5).values(), [3, 4, 5]);
});

test('enumeration covers the input space; seeded sampling repeats', () => {
  const m = pvrLike();
  const all = m.enumerateInputs();
  assert.equal(new Set(all.map((x) => JSON.stringify(x))).size, 1000);
  const a = Array.from({ length: 5 }, () => m.sampleInput(new Rng(7)));
  const r1 = new Rng(42);
  const r2 = new Rng(42);
  assert.deepEqual(
    Array.from({ length: 20 }, () => m.sampleInput(r1)),
    Array.from({ length: 20 }, () => m.sampleInput(r2)),
  );
  assert.deepEqual(a[0], a[4]);
});

test('oneOf describes a dozen values in full, a longer list by its ends and its size', () => {
  assert.equal(oneOf('a', 'b', 'c').describe(), 'one of "a" | "b" | "c"');
  const many = oneOf(...Array.from({ length: 101 }, (_, i) => `w${i}`));
  assert.equal(many.describe(), 'one of "w0" | "w1" | "w2" | "w3" | "w4" | "w5" | … | "w99" | "w100" (101 values)');
});
