/**
 * C_PVR against networks whose answer is known: an oracle-like network that
 * reads each quadrant's label by construction (a label table indexed by the
 * image id, one-hot at the quadrant's site block, then F_O written in tensor
 * ops) realises C_PVR — IIA 1.0 on every variable and typed pair, and its
 * typed-IIT loss falls as its logits are scaled up; the same network with the
 * pointer ignored does not. The sampled split never leaks.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { evaluate, experiment, network, Session, tf, Trainer, type Setting } from 'iit-studio';
import { admissible, pvrCausalModel, pvrData, quadrantAlignment, type PvrValues } from 'iit-studio/pvr';

after(async () => {
  await tf.setBackend('cpu');
});

const data = pvrData({ trainGrids: 400, testGrids: 200, seed: 3 });

/** ids [4] → site `y` [2, 2, 10] (one-hot label per quadrant) → logits = scale · F_O(y). */
function oracleNet(labels: Uint8Array, scale: number, ignorePointer: boolean) {
  const b = network({ ids: [4] });
  const table = tf.keep(tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat());
  const s = b.param('scale', [], scale);
  b.stage('y', 'ids', ([ids]) => tf.reshape(tf.gather(table, tf.cast(ids!, 'int32')), [ids!.shape[0]!, 2, 2, 10]));
  b.stage('logits', 'y', ([y]) => {
    const q = (i: number, j: number) => tf.reshape(tf.slice(y!, [0, i, j, 0], [-1, 1, 1, 10]), [-1, 10]);
    const tl = q(0, 0);
    // Pointer group from Y_TL's one-hot: 0–3 → TR, 4–6 → BL, 7–9 → BR.
    const g = (lo: number, n: number) =>
      ignorePointer ? tf.scalar(lo === 0 ? 1 : 0) : tf.sum(tf.slice(tl, [0, lo], [-1, n]), 1, true);
    const out = tf.addN([tf.mul(g(0, 4), q(0, 1)), tf.mul(g(4, 3), q(1, 0)), tf.mul(g(7, 3), q(1, 1))]);
    return tf.mul(out, s);
  });
  return b.build('logits');
}

function oracleExperiment(scale: number, ignorePointer = false) {
  return experiment({
    model: data.model,
    network: () => oracleNet(data.labels, scale, ignorePointer),
    encodeBatch: (xs: Setting<PvrValues>[]) => ({
      ids: tf.tensor2d(
        xs.map((x) => [x.ITL!, x.ITR!, x.IBL!, x.IBR!]),
        [xs.length, 4],
      ),
    }),
    data: data.splits,
    alignment: quadrantAlignment('y', 2),
    objectives: { task: 0, typedIit: 1 },
    training: { batchSize: 256, steps: 1, optimizer: { type: 'sgd', lr: 1e-9 } },
    evaluation: { pairs: 300 },
  });
}

test('C_PVR: O is the pointed class; Y variables share one type', () => {
  const m = pvrCausalModel(Uint8Array.from([0, 5, 9, 2, 7]));
  assert.equal(m.run({ ITL: 0, ITR: 1, IBL: 2, IBR: 3 }).O, 5); // pointer 0 → TR
  assert.equal(m.run({ ITL: 1, ITR: 0, IBL: 2, IBR: 3 }).O, 9); // pointer 5 → BL
  assert.equal(m.run({ ITL: 2, ITR: 0, IBL: 1, IBR: 4 }).O, 7); // pointer 9 → BR
  assert.deepEqual(
    ['YTL', 'YTR', 'YBL', 'YBR'].map((v) => m.typeOf(v as never)),
    ['Y', 'Y', 'Y', 'Y'],
  );
  // Typed swap: TR takes the source's TL value.
  assert.equal(
    m.typedInterchange({ ITL: 0, ITR: 1, IBL: 2, IBR: 3 }, { ITL: 2, ITR: 0, IBL: 0, IBR: 0 }, [
      { from: 'YTL', to: 'YTR' },
    ]).O,
    9,
  );
});

test('a network realising C_PVR by construction: IIA 1.0 on every variable and typed pair, train and test', async () => {
  await tf.setBackend('cpu');
  const exp = oracleExperiment(1);
  const s = new Session(exp, exp.resolve(), 0);
  try {
    const m = await evaluate(s, { seed: 1 });
    for (const split of ['train', 'test']) {
      assert.equal(m[split]!.behavioral, 1, split);
      assert.equal(m[split]!.iia.overall, 1, split);
      assert.deepEqual(Object.values(m[split]!.iia.byVariable), [1, 1, 1, 1]);
      const typed = m[split]!.iia.typed!;
      assert.equal(Object.keys(typed).length, 16);
      assert.ok(
        Object.values(typed).every((x) => x === 1),
        JSON.stringify(typed),
      );
    }
  } finally {
    s.dispose();
  }
});

test('its typed-IIT loss falls as its logits are scaled up', async () => {
  await tf.setBackend('cpu');
  const losses: number[] = [];
  for (const scale of [1, 2, 4, 8]) {
    const exp = oracleExperiment(scale);
    const s = new Session(exp, exp.resolve(), 0);
    const t = new Trainer(s, 5); // the same seed draws the same pairs; the loss is measured before the update
    try {
      losses.push((await t.trainStep()).typedIit!);
    } finally {
      t.dispose();
      s.dispose();
    }
  }
  for (let k = 1; k < losses.length; k++) assert.ok(losses[k]! < losses[k - 1]!, `losses ${losses}`);
  assert.ok(losses[3]! < 0.01, `loss at scale 8: ${losses[3]}`);
});

test('the same network with the pointer ignored does not realise C_PVR', async () => {
  await tf.setBackend('cpu');
  const exp = oracleExperiment(1, true);
  const s = new Session(exp, exp.resolve(), 0);
  try {
    const m = await evaluate(s, { seed: 1 });
    const tr = m.train!;
    assert.ok(tr.behavioral < 0.6, `behaviour ${tr.behavioral}`);
    assert.ok(tr.iia.overall < 0.8, `IIA ${tr.iia.overall}`);
    assert.ok(Object.values(tr.iia.typed!).some((x) => x < 0.6));
  } finally {
    s.dispose();
  }
});

test('the split never leaks: every training grid is admissible over train images, every test grid is held out over test images', () => {
  for (let i = 0; i < data.splits.train.size; i++) {
    const x = data.splits.train.at(i);
    assert.ok(admissible(data.labels, x), `train grid ${i}`);
    assert.ok([x.ITL!, x.ITR!, x.IBL!, x.IBR!].every((id) => id < data.testOffset));
  }
  for (let i = 0; i < data.splits.test.size; i++) {
    const x = data.splits.test.at(i);
    assert.ok([x.ITL!, x.ITR!, x.IBL!, x.IBR!].every((id) => id >= data.testOffset));
    assert.ok(!admissible(data.labels, x), `test grid ${i} would be admissible for training`);
  }
});
