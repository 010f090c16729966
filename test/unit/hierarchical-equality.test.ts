/**
 * The hierarchical-equality sample trains in CI: IIT (task + typed IIT)
 * brings IIA on held-out pairs (bases and sources never trained on) to at
 * least 0.97 on both variables. The numbers are printed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Session, tf, train } from 'iit-studio';
import exp, { model, test as heldOut, train as trainInputs } from '../../samples/hierarchical-equality/experiment';

test('the sample: balanced, disjoint train and test inputs', () => {
  const key = (x: object) => JSON.stringify(x);
  const trainKeys = new Set(trainInputs.map(key));
  assert.equal(trainKeys.size, trainInputs.length);
  assert.ok(heldOut.length >= 500);
  assert.ok(
    heldOut.every((x) => !trainKeys.has(key(x))),
    'no test input is a training input',
  );
  for (const split of [trainInputs, heldOut]) {
    const wx = split.filter((x) => model.run(x).WX).length / split.length;
    const yz = split.filter((x) => model.run(x).YZ).length / split.length;
    assert.ok(Math.abs(wx - 0.5) < 0.05 && Math.abs(yz - 0.5) < 0.05, `balanced: WX ${wx}, YZ ${yz}`);
  }
});

test('IIT trains hierarchical equality to IIA >= 0.97 on both variables on held-out pairs', async () => {
  await tf.setBackend('cpu');
  const config = exp.resolve('IIT');
  const session = new Session(exp, config, 1);
  try {
    const r = await train(session, { seed: 1 });
    const m = r.metrics;
    const line = (s: string) =>
      `${s}: behaviour ${m[s]!.behavioral.toFixed(4)}, IIA WX ${m[s]!.iia.byVariable.WX!.toFixed(4)} YZ ${m[s]!.iia.byVariable.YZ!.toFixed(4)} ` +
      `(${m[s]!.iia.pairs} pairs, 95% [${m[s]!.iia.interval!.map((x) => x.toFixed(4)).join(', ')}]), typed ${JSON.stringify(m[s]!.iia.typed)}`;
    console.log(
      `${config.name} on ${tf.getBackend()}: ${r.steps} steps in ${r.trainSeconds.toFixed(1)} s\n${line('train')}\n${line('test')}`,
    );
    assert.equal(m.test!.iia.exact, false);
    assert.equal(m.test!.examples, heldOut.length);
    assert.ok(m.test!.iia.byVariable.WX! >= 0.97);
    assert.ok(m.test!.iia.byVariable.YZ! >= 0.97);
    assert.ok(m.test!.behavioral >= 0.97);
  } finally {
    session.dispose();
  }
});
