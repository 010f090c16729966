import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Rng } from '../../server/engine/rng';
import { defaultDataFolder, idxFileNames, loadIdxDataset, type IdxDataset } from '../../server/data/idx';
import {
  BL,
  BR,
  HELD_OUT,
  PairGuard,
  TL,
  TR,
  augmentGrids,
  composeGrids,
  gridsFromIndices,
  isHeldOut,
  isHeldOutFor,
  isTrainAllowed,
  pixelStats,
  pointedQuadrant,
  pvrLabel,
  sampleTestGrids,
  sampleTrainGrids,
  sampleTrainPairs,
  splitStats,
  swappedLabels,
  type PvrGrids,
  type Quadrant,
} from '../../server/data/pvr';

// Pinned to Fashion-MNIST (or $IIT_DATA_DIR), as these tests were written; MNIST digits: mnist-data.test.ts.
const folder = defaultDataFolder({ ...process.env, IIT_DATASET: 'fashion-mnist' });
const haveData = idxFileNames('train', 'images').some((n) => existsSync(path.join(folder, n)));
// In CI the dataset is installed by .ci/install-data.sh, so a missing dataset must fail there.
const skip = haveData || process.env.CI ? false : `no IDX data in ${folder}: run .ci/install-data.sh`;

let trainDs: IdxDataset | undefined;
let testDs: IdxDataset | undefined;
const train = (): IdxDataset => (trainDs ??= loadIdxDataset(folder, 'train'));
const test_ = (): IdxDataset => (testDs ??= loadIdxDataset(folder, 'test'));

/** Every combination of four class labels. */
function* allLabelGrids(): Generator<number[]> {
  for (let a = 0; a < 10; a++)
    for (let b = 0; b < 10; b++) for (let c = 0; c < 10; c++) for (let d = 0; d < 10; d++) yield [a, b, c, d];
}

describe('PVR causal structure (no data needed)', () => {
  test('the pointer picks TR for 0–3, BL for 4–6, BR for 7–9', () => {
    assert.deepEqual(
      Array.from({ length: 10 }, (_, c) => pointedQuadrant(c)),
      [TR, TR, TR, TR, BL, BL, BL, BR, BR, BR],
    );
    assert.throws(() => pointedQuadrant(10), /class in 0\.\.9/);
  });

  test('labels by construction', () => {
    assert.equal(pvrLabel([2, 5, 6, 7]), 5);
    assert.equal(pvrLabel([4, 5, 6, 7]), 6);
    assert.equal(pvrLabel([9, 5, 6, 7]), 7);
    assert.equal(pvrLabel([0, 0, 1, 2, 8, 3, 4, 1], 4), 1);
    for (const g of allLabelGrids()) assert.equal(pvrLabel(g), g[g[0]! <= 3 ? 1 : g[0]! <= 6 ? 2 : 3]);
  });

  test('train restriction and held-out set: exact counts, disjoint', () => {
    let allowed = 0;
    let held = 0;
    for (const g of allLabelGrids()) {
      const a = isTrainAllowed(g);
      const h = isHeldOut(g);
      assert.equal(a, !HELD_OUT[1]!.includes(g[1]!) && !HELD_OUT[2]!.includes(g[2]!) && !HELD_OUT[3]!.includes(g[3]!));
      assert.ok(!(a && h), `grid ${g} is both trainable and held out`);
      allowed += +a;
      held += +h;
    }
    assert.equal(allowed, 10 * 7 * 7 * 6);
    // Pointer group size × held classes of the pointed quadrant × 10 × 10 free quadrants.
    assert.equal(held, (4 * 3 + 3 * 3 + 3 * 4) * 100);
  });

  test('the strict guard rejects exactly the swaps that place a held-out class', () => {
    const set: PvrGrids = {
      split: 'train',
      kind: 'custom',
      count: 2,
      grids: new Int32Array(8),
      labels: Uint8Array.from([0, 5, 1, 2, /* source */ 1, 0, 2, 4]),
      targets: new Uint8Array(2),
    };
    const strict = new PairGuard('strict');
    const paper = new PairGuard('paper');
    // Source BL holds a 2; putting it into TR (held out there) leaks in strict mode only.
    assert.match(strict.reason(set, 0, 1, TR, BL) ?? '', /moving class 2 from source BL into base TR/);
    assert.ok(paper.allows(set, 0, 1, TR, BL));
    // Source TL is a 1: fine in BL, held out in TR.
    assert.ok(strict.allows(set, 0, 1, BL, TL));
    assert.ok(!strict.allows(set, 0, 1, TR, TL));
    // Untyped swaps between admissible grids never leak.
    for (const w of [TL, TR, BL, BR] as Quadrant[]) assert.ok(strict.allows(set, 0, 1, w, w));
    // Grids over test images never feed training, in either mode.
    assert.match(
      paper.reason({ ...set, split: 'test' }, 0, 1, TL, TL) ?? '',
      /test split's images must not be used for training/,
    );
    assert.throws(() => new PairGuard('loose' as 'strict'), /unknown pair guard mode/);
  });
});

describe('PVR grids over Fashion-MNIST', { skip }, () => {
  test('10,000 sampled training grids all satisfy the restriction and carry the right labels', () => {
    const ds = train();
    const g = sampleTrainGrids(ds, 10_000, new Rng(11));
    assert.equal(g.count, 10_000);
    assert.equal(g.split, 'train');
    const seen = new Set<string>();
    for (let k = 0; k < g.count; k++) {
      for (let q = 0; q < 4; q++) {
        const img = g.grids[4 * k + q]!;
        assert.ok(img >= 0 && img < ds.count);
        assert.equal(g.labels[4 * k + q], ds.labels[img]);
        seen.add(`${q}:${ds.labels[img]}`);
      }
      assert.ok(isTrainAllowed(g.labels, 4 * k), `grid ${k} violates the restriction`);
      assert.equal(g.targets[k], pvrLabel(g.labels, 4 * k));
    }
    // Every admissible (quadrant, class) occurs, and no other.
    assert.equal(seen.size, 10 + 7 + 7 + 6);
  });

  test('test grids all point at a held-out value and use test images', () => {
    const ds = test_();
    const g = sampleTestGrids(ds, 5_000, new Rng(5));
    let freeHeld = 0;
    for (let k = 0; k < g.count; k++) {
      assert.ok(isHeldOut(g.labels, 4 * k), `test grid ${k} is not held out`);
      for (let q = 0; q < 4; q++) assert.equal(g.labels[4 * k + q], ds.labels[g.grids[4 * k + q]!]);
      const p = pointedQuadrant(g.labels[4 * k]!);
      for (let q = 1; q < 4; q++) if (q !== p && isHeldOutFor(q as Quadrant, g.labels[4 * k + q]!)) freeHeld++;
    }
    // The quadrants not pointed at are free, so they sometimes show held-out classes too.
    assert.ok(freeHeld > 0);
  });

  test('samplers refuse the wrong split, so test images never reach training', () => {
    assert.throws(() => sampleTrainGrids(test_(), 10, new Rng(1)), /training grids must be built from the train split/);
    assert.throws(() => sampleTestGrids(train(), 10, new Rng(1)), /test grids must be built from the test split/);
    const tg = sampleTestGrids(test_(), 100, new Rng(1));
    assert.throws(() => sampleTrainPairs(new Rng(1), tg, 10, { typed: false }), /no grid admissible for training/);
  });

  test('the same seed gives the same grids; another seed does not', () => {
    const a = sampleTrainGrids(train(), 1000, new Rng(42));
    const b = sampleTrainGrids(train(), 1000, new Rng(42));
    const c = sampleTrainGrids(train(), 1000, new Rng(43));
    assert.deepEqual(a.grids, b.grids);
    assert.notDeepEqual(a.grids, c.grids);
    const p1 = sampleTrainPairs(new Rng(7), a, 500, { typed: true });
    const p2 = sampleTrainPairs(new Rng(7), a, 500, { typed: true });
    assert.deepEqual(p1, p2);
    assert.deepEqual(sampleTestGrids(test_(), 300, new Rng(9)).grids, sampleTestGrids(test_(), 300, new Rng(9)).grids);
  });

  test('strict typed pairs never produce a leaking counterfactual and cover all 16 (w, w′)', () => {
    const g = sampleTrainGrids(train(), 5000, new Rng(3));
    const pairs = sampleTrainPairs(new Rng(4), g, 20_000, { typed: true, guard: 'strict' });
    const combos = new Set<number>();
    for (let k = 0; k < pairs.count; k++) {
      const b = pairs.base[k]!;
      const s = pairs.source[k]!;
      const w = pairs.w[k]! as Quadrant;
      const ws = pairs.wSrc[k]! as Quadrant;
      const cf = swappedLabels(g.labels.subarray(4 * b, 4 * b + 4), g.labels.subarray(4 * s, 4 * s + 4), w, ws);
      assert.ok(isTrainAllowed(g.labels, 4 * b) && isTrainAllowed(g.labels, 4 * s));
      assert.ok(isTrainAllowed(cf), `pair ${k} leaks: ${cf}`);
      assert.equal(pairs.counterfactual[k], pvrLabel(cf));
      combos.add(4 * w + ws);
    }
    assert.equal(combos.size, 16);
  });

  test('untyped pairs keep w′ = w; paper-mode typed pairs do reach held-out combinations', () => {
    const g = sampleTrainGrids(train(), 5000, new Rng(3));
    const u = sampleTrainPairs(new Rng(5), g, 5000, { typed: false });
    assert.deepEqual(u.w, u.wSrc);
    const p = sampleTrainPairs(new Rng(6), g, 5000, { typed: true, guard: 'paper' });
    let leaking = 0;
    for (let k = 0; k < p.count; k++) {
      const b = p.base[k]!;
      const s = p.source[k]!;
      assert.ok(isTrainAllowed(g.labels, 4 * b) && isTrainAllowed(g.labels, 4 * s));
      const cf = swappedLabels(
        g.labels.subarray(4 * b, 4 * b + 4),
        g.labels.subarray(4 * s, 4 * s + 4),
        p.w[k]! as Quadrant,
        p.wSrc[k]! as Quadrant,
      );
      if (!isTrainAllowed(cf)) leaking++;
    }
    assert.ok(leaking > 0, 'paper mode should allow typed swaps into held-out classes');
    const only = sampleTrainPairs(new Rng(6), g, 1000, { typed: true, variables: [TR, BL] });
    assert.ok(Array.from(only.w).every((w) => w === TR || w === BL));
    assert.throws(
      () => sampleTrainPairs(new Rng(1), g, 5, { typed: true, variables: [4 as Quadrant] }),
      /quadrant indices 0\.\.3/,
    );
  });

  test('augmented grids: one quadrant swapped in, restriction kept under the strict guard', () => {
    const ds = train();
    const g = sampleTrainGrids(ds, 3000, new Rng(8));
    const aug = augmentGrids(new Rng(9), ds, g, 3000);
    assert.equal(aug.kind, 'augmented');
    for (let k = 0; k < aug.count; k++) {
      assert.ok(isTrainAllowed(aug.labels, 4 * k), `augmented grid ${k} violates the restriction`);
      assert.equal(aug.targets[k], pvrLabel(aug.labels, 4 * k));
    }
    const loose = augmentGrids(new Rng(9), ds, g, 3000, { guard: 'paper' });
    let outside = 0;
    for (let k = 0; k < loose.count; k++) if (!isTrainAllowed(loose.labels, 4 * k)) outside++;
    assert.ok(outside > 0);
    assert.throws(
      () => augmentGrids(new Rng(1), test_(), g, 5),
      /grid set is over the train split but the images given are the test split/,
    );
  });

  test('composeGrids puts each 28×28 image in its quadrant, scaled to [0,1]', () => {
    const ds = train();
    const g = sampleTrainGrids(ds, 64, new Rng(21));
    const x = composeGrids(ds.images, g.grids);
    assert.equal(x.length, 64 * 56 * 56);
    let nonzero = 0;
    for (let k = 0; k < g.count; k++) {
      for (let q = 0; q < 4; q++) {
        const img = g.grids[4 * k + q]!;
        for (let r = 0; r < 28; r++) {
          for (let c = 0; c < 28; c++) {
            const y = (q >> 1) * 28 + r;
            const xx = (q & 1) * 28 + c;
            const v = ds.images[img * 784 + r * 28 + c]!;
            assert.equal(x[k * 3136 + y * 56 + xx], Math.fround(v / 255));
            nonzero += +(v > 0);
          }
        }
      }
    }
    assert.ok(nonzero > 1000);
    // A batch selection with normalisation equals the normalised full composition's rows.
    const st = pixelStats(ds.images);
    assert.ok(st.mean > 0.1 && st.mean < 0.5 && st.std > 0.1);
    const sel = [5, 0, 63];
    const batch = composeGrids(ds.images, g.grids, { select: sel, mean: st.mean, std: st.std });
    assert.equal(batch.length, 3 * 3136);
    sel.forEach((gk, i) => {
      for (let p = 0; p < 3136; p += 17) {
        assert.ok(Math.abs(batch[i * 3136 + p]! - (x[gk * 3136 + p]! - st.mean) / st.std) < 1e-5);
      }
    });
    assert.throws(
      () => composeGrids(ds.images, Int32Array.from([0, 1, 2, ds.count])),
      /points at image 60000, outside 0\.\.59999/,
    );
    assert.throws(() => composeGrids(ds.images, g.grids, { std: 0 }), /positive std/);
  });

  test('gridsFromIndices validates indices against the split', () => {
    const ds = test_();
    assert.throws(() => gridsFromIndices(ds, Int32Array.from([0, 1, 2, 10000])), /quadrant BR points at image 10000/);
    assert.throws(() => gridsFromIndices(ds, Int32Array.from([0, 1, 2])), /not a multiple of 4/);
    const g = gridsFromIndices(ds, Int32Array.from([0, 1, 2, 3]));
    assert.equal(g.targets[0], pvrLabel([0, 1, 2, 3].map((i) => ds.labels[i]!)));
  });

  test('split statistics match the per-quadrant class counts', () => {
    const s = splitStats(train(), test_());
    const per = (held: readonly number[]): number => {
      let n = 0;
      for (const l of train().labels) n += +!held.includes(l);
      return n;
    };
    assert.deepEqual(s.admissibleImagesPerQuadrant, {
      TL: 60000,
      TR: per(HELD_OUT[1]!),
      BL: per(HELD_OUT[2]!),
      BR: per(HELD_OUT[3]!),
    });
    assert.ok(s.uniformGridRejectedFraction > 0.6 && s.uniformGridRejectedFraction < 0.8);
  });
});
