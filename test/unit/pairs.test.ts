/**
 * Pair sampling: the impactful fraction, the guard, one intervention per
 * batch, and evaluation using the same options.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  causalModel,
  evaluate,
  experiment,
  IITError,
  isImpactful,
  PairSampler,
  range,
  Rng,
  Session,
  tf,
  Trainer,
  type PairGuardFn,
} from 'iit-studio';
import { encodeMod, handNetwork, modModel } from './hand-network';

const make = (extra: Record<string, unknown> = {}) =>
  experiment({
    model: modModel(),
    network: () => handNetwork(),
    encode: encodeMod,
    alignment: { Y1: { site: 'h', slice: [[0, 3]] }, Y2: { site: 'h', slice: [[3, 6]] } },
    ...extra,
  });

test('impactful: 0.9 makes at least 90% of pairs impactful; without it the natural rate (2/3) shows', async () => {
  await tf.setBackend('cpu');
  const exp = make();
  const s = new Session(exp, exp.resolve(), 0);
  try {
    const split = s.split('train');
    const sets = { typedIit: s.interventions('typed') };
    const rate = (impactful: number) => {
      const p = new PairSampler(split, sets, 'typedIit', { intervention: 'example', impactful }).sample(
        2000,
        new Rng(7),
      );
      let k = 0;
      p.bases.forEach(
        (b, r) => (k += isImpactful(split, b, p.sources[r]!, sets.typedIit[p.choice.typedIit![r]!]!) ? 1 : 0),
      );
      return k / 2000;
    };
    const natural = rate(0);
    const half = rate(0.5);
    const most = rate(0.9);
    console.log(`impactful fraction: natural ${natural}, asked 0.5 → ${half}, asked 0.9 → ${most}`);
    // O = (Y1 − Y2) mod 3 changes iff the swapped-in value differs from the base's: 2/3 of uniform pairs.
    assert.ok(Math.abs(natural - 2 / 3) < 0.04);
    assert.ok(half >= 0.5 + (1 - 0.5) * (2 / 3) - 0.04, 'the unconstrained half keeps the natural rate');
    assert.ok(most >= 0.9);
  } finally {
    s.dispose();
  }
});

test('the guard rejects what it should in training and evaluation; a guard that admits nothing is an error', async () => {
  await tf.setBackend('cpu');
  // Never move the value 2 into Y2 (a held-out value for that variable, as PVR's quadrants have).
  const calls: string[] = [];
  const guard: PairGuardFn = (_base, source, swaps, at) => {
    calls.push(at.split);
    const src: Record<string, unknown> = modModel().run(source);
    return !swaps.some((sw) => sw.to === 'Y2' && src[sw.from] === 2);
  };
  const exp = make({
    guard,
    objectives: { task: 1, typedIit: 1 },
    training: { batchSize: 256, steps: 4 },
    evaluation: { sampling: { guard: true }, pairs: 300 },
  });
  const s = new Session(exp, exp.resolve(), 1);
  try {
    const split = s.split('train');
    const sets = { typedIit: s.interventions('typed') };
    const p = new PairSampler(split, sets, 'typedIit', { intervention: 'example', impactful: 0.5, guard }).sample(
      2000,
      new Rng(3),
    );
    let moved2 = 0;
    let y2 = 0;
    p.sources.forEach((src, r) => {
      const sw = sets.typedIit[p.choice.typedIit![r]!]![0]!;
      if (sw.to !== 'Y2') return;
      y2++;
      if (split.valuesAt(src)[sw.from] === 2) moved2++;
    });
    console.log(`${y2} sampled pairs intervene on Y2; ${moved2} move a 2 into it`);
    assert.ok(y2 > 500);
    assert.equal(moved2, 0);
    // Training runs with the guard (the trainer samples, never enumerates), and evaluation can use it.
    const t = new Trainer(s, 1);
    calls.length = 0;
    await t.trainStep();
    assert.ok(calls.length >= 256 && calls.every((c) => c === 'train'));
    t.dispose();
    calls.length = 0;
    const m = (await evaluate(s)).train!;
    assert.equal(m.iia.exact, false);
    assert.ok(calls.length >= m.iia.pairs);
    assert.equal(m.iia.overall, 1);
    // A guard that admits nothing cannot silently train on nothing.
    const never = new PairSampler(split, sets, 'typedIit', {
      intervention: 'example',
      impactful: 0,
      guard: () => false,
    });
    assert.throws(
      () => never.sample(1, new Rng(0)),
      (e: unknown) =>
        e instanceof IITError && /guard rejected 10000 sources in a row for base \d+ of split 'train'/.test(e.message),
    );
  } finally {
    s.dispose();
  }
});

test("intervention: 'batch' gives every pair of a batch one intervention; 'example' mixes them", async () => {
  await tf.setBackend('cpu');
  const exp = make();
  const s = new Session(exp, exp.resolve(), 0);
  try {
    const split = s.split('train');
    const sets = { typedIit: s.interventions('typed'), augment: s.interventions('typed') };
    const rng = new Rng(11);
    const perBatch = new PairSampler(split, sets, 'typedIit', { intervention: 'batch', impactful: 0 });
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const p = perBatch.sample(32, rng);
      for (const c of Object.values(p.choice)) assert.equal(new Set(c).size, 1);
      seen.add(p.choice.typedIit![0]!);
    }
    assert.equal(seen.size, 4, 'over 20 batches every typed swap comes up');
    const mixed = new PairSampler(split, sets, 'typedIit', { intervention: 'example', impactful: 0 }).sample(32, rng);
    assert.equal(new Set(mixed.choice.typedIit).size, 4);
  } finally {
    s.dispose();
  }
});

test('evaluation uses the sampling options: a network that bypasses the site scores 1/3 on uniform pairs, 0 on impactful ones', async () => {
  await tf.setBackend('cpu');
  // Patches cannot change its output, so it is right exactly on the pairs where the intervention changes nothing.
  const exp = make({
    network: () => handNetwork({ bypass: true }),
    evaluation: { sampling: { impactful: 1 }, pairs: 600 },
  });
  const s = new Session(exp, exp.resolve(), 0);
  try {
    const uniform = (await evaluate(s, { sampling: { impactful: 0, guard: false } })).train!;
    const impactful = (await evaluate(s)).train!;
    console.log(
      `bypassing network: IIA ${uniform.iia.overall} on all pairs (exact: ${uniform.iia.exact}), ${impactful.iia.overall} on ${impactful.iia.pairs} impactful pairs`,
    );
    assert.equal(uniform.behavioral, 1);
    assert.equal(uniform.iia.exact, true);
    assert.ok(Math.abs(uniform.iia.overall - 1 / 3) < 1e-12);
    assert.equal(impactful.iia.exact, false);
    assert.equal(impactful.iia.pairs, 1200);
    assert.equal(impactful.iia.overall, 0);
  } finally {
    s.dispose();
  }
});

test('impactful: 1 finds impactful pairs even where most bases admit none (a pointer model: swaps into the unread variable never matter)', async () => {
  await tf.setBackend('cpu');
  // O reads Y1 when P = 0 and Y2 when P = 1; P = 1 on one base in nine, so a swap into Y2 is
  // impactful only on those bases: keeping the base would miss most of them.
  const model = causalModel({
    X1: { values: range(0, 2) },
    X2: { values: range(0, 2) },
    P: { values: range(0, 8) },
    Y1: { values: range(0, 2), parents: ['X1'], f: ({ X1 }) => X1, type: 'Y' },
    Y2: { values: range(0, 2), parents: ['X2'], f: ({ X2 }) => X2, type: 'Y' },
    O: { values: range(0, 2), parents: ['P', 'Y1', 'Y2'], f: ({ P, Y1, Y2 }) => (P === 8 ? Y2 : Y1) },
  });
  const exp = experiment({
    model,
    network: () => handNetwork(),
    encode: ({ X1, X2 }: { X1?: number; X2?: number }) => encodeMod({ X1, X2 }),
    alignment: { Y1: { site: 'h', slice: [[0, 3]] }, Y2: { site: 'h', slice: [[3, 6]] } },
  });
  const s = new Session(exp, exp.resolve(), 0);
  try {
    const split = s.split('train');
    const intoY2 = s.interventions('typed').filter((sw) => sw[0]!.to === 'Y2');
    const sets = { typedIit: intoY2 };
    const p = new PairSampler(split, sets, 'typedIit', { intervention: 'example', impactful: 1 }).sample(
      500,
      new Rng(3),
    );
    let k = 0;
    p.bases.forEach((b, r) => (k += isImpactful(split, b, p.sources[r]!, intoY2[p.choice.typedIit![r]!]!) ? 1 : 0));
    console.log(`impactful swaps into Y2: ${k} of 500 (P = 8 on ${split.size / 9} of ${split.size} bases)`);
    // 32 bases tried per pair: all but (8/9)^32 ≈ 2% find one that points at Y2 (keeping the first base: 1/9 · 2/3).
    assert.ok(k >= 475, `${k} of 500`);
    // Every impactful pair has a base that points at Y2.
    p.bases.forEach((b, r) => {
      if (isImpactful(split, b, p.sources[r]!, intoY2[p.choice.typedIit![r]!]!)) assert.equal(split.input(b).P, 8);
    });
  } finally {
    s.dispose();
  }
});

test('sourcesPerBase: 20 with impactful 0.5 gives runs of 20 pairs on one base, at least half of each run impactful (MQNLI)', async () => {
  await tf.setBackend('cpu');
  const exp = make();
  const s = new Session(exp, exp.resolve(), 0);
  try {
    const split = s.split('train');
    const sets = { typedIit: s.interventions('typed') };
    const p = new PairSampler(split, sets, 'typedIit', {
      intervention: 'example',
      impactful: 0.5,
      sourcesPerBase: 20,
    }).sample(200, new Rng(11));
    const runBases = new Set<number>();
    for (let run = 0; run < 10; run++) {
      const rows = Array.from({ length: 20 }, (_, j) => 20 * run + j);
      assert.equal(new Set(rows.map((r) => p.bases[r])).size, 1, `run ${run} shares one base`);
      runBases.add(p.bases[20 * run]!);
      const impactful = rows.filter((r) =>
        isImpactful(split, p.bases[r]!, p.sources[r]!, sets.typedIit[p.choice.typedIit![r]!]!),
      ).length;
      assert.ok(impactful >= 10, `run ${run}: ${impactful} of 20 impactful`);
    }
    assert.ok(runBases.size > 1, 'runs draw their own bases');
    assert.throws(
      () => new PairSampler(split, sets, 'typedIit', { intervention: 'example', impactful: 0, sourcesPerBase: 0 }),
      (e: unknown) =>
        e instanceof IITError && /sourcesPerBase = 0/.test(e.message) && /MQNLI uses 20/.test(e.fix ?? ''),
    );
  } finally {
    s.dispose();
  }
});

test('bases: a fixed pool of bases × sourcesPerBase pairs; batches mix bases drawn from it (MQNLI: 50,000 × 20)', async () => {
  await tf.setBackend('cpu');
  const exp = make();
  const s = new Session(exp, exp.resolve(), 0);
  try {
    const split = s.split('train');
    const sets = { typedIit: s.interventions('typed') };
    const opts = { intervention: 'example' as const, impactful: 0.5, sourcesPerBase: 4, bases: 5, poolSeed: 3 };
    const sampler = new PairSampler(split, sets, 'typedIit', opts);
    const rng = new Rng(1);
    const seen = new Map<string, number>();
    const bases = new Set<number>();
    let impactful = 0;
    const batches = 50;
    for (let k = 0; k < batches; k++) {
      const p = sampler.sample(8, rng);
      const inBatch = new Set(p.bases);
      assert.ok(inBatch.size > 1, `batch ${k} mixes bases`);
      p.bases.forEach((b, r) => {
        bases.add(b);
        const key = `${b}:${p.sources[r]}:${p.choice.typedIit![r]}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        impactful += isImpactful(split, b, p.sources[r]!, sets.typedIit[p.choice.typedIit![r]!]!) ? 1 : 0;
      });
    }
    // Every pair comes from the pool: at most 5 bases and 5 × 4 distinct (base, source, intervention) triples.
    assert.ok(bases.size <= 5 && bases.size >= 3, `${bases.size} bases`);
    assert.ok(seen.size <= 20, `${seen.size} distinct pairs`);
    // Half of each base's sources are impactful (at least), so at least about half the drawn pairs are.
    assert.ok(impactful / (8 * batches) >= 0.4, `impactful ${impactful / (8 * batches)}`);
    // The same pool seed gives the same pool: a resumed run draws the same pairs.
    const again = new PairSampler(split, sets, 'typedIit', opts).sample(8, new Rng(1));
    const first = new PairSampler(split, sets, 'typedIit', opts).sample(8, new Rng(1));
    assert.deepEqual([...again.bases], [...first.bases]);
    assert.deepEqual([...again.sources], [...first.sources]);
  } finally {
    s.dispose();
  }
  // A pool is training's, of a whole number of bases, with one intervention per pair.
  const bad = (sampling: Record<string, unknown>, re: RegExp) =>
    assert.throws(
      () => make({ training: { sampling, pairs: 'sample' } }).resolve(),
      (e: unknown) => e instanceof IITError && re.test(e.message + ' ' + e.fix),
    );
  bad({ bases: 0 }, /sampling\.bases = 0/);
  bad({ bases: 10, intervention: 'batch' }, /intervention: 'batch' cannot hold/);
  assert.throws(
    () => make({ training: { sampling: { bases: 10 }, pairs: 'all' } }).resolve(),
    /pairs: 'all' enumerates every pair/,
  );
});
