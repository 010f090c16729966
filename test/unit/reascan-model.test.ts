/**
 * ReaSCAN's causal model and data for experiments ('iit-studio/reascan'): the four held-out splits of Figure 3b in one
 * dataset without leaks, the model's own outputs and its counterfactuals against the data layer's (attribute and
 * position), no counterfactual from training pairs that falls in a held-out kind, and the network's inputs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tf } from 'iit-studio';
import { NONE, descriptionOf, nounPosition, reascanData, type ReascanValues } from 'iit-studio/reascan';
import {
  ATTRIBUTES,
  EOS_INDEX,
  PAD_INDEX,
  SOS_INDEX,
  attributeCounterfactual,
  inGrid,
  isNovelColor,
  isNovelDirection,
  isNovelLength,
  isNovelSize,
  positionCounterfactual,
  positionState,
  worldTensor,
  type ReascanExample,
} from '../../server/data/reascan/index';
import { Rng } from '../../server/engine/rng';

const data = reascanData({ seed: 2, worldsPerCommand: 12, maxActions: 20 });
const ex = (i: number) => data.examples[i]!;
const inSplit = (name: string) =>
  Array.from({ length: data.splits[name]!.size }, (_, i) => data.splits[name]!.at(i).example!);
const novelty = (e: ReascanExample) => ({
  'novel-color': isNovelColor(e.command),
  'novel-size': isNovelSize(e.command),
  'novel-direction': isNovelDirection(e.situation.agent, e.situation.target!.position),
  'novel-length': isNovelLength(e.targetCommands),
});

describe('Figure 3b data', () => {
  test('train, test and dev meet no held-out predicate; each held-out split exactly its own', () => {
    assert.deepEqual(Object.keys(data.splits).sort(), [
      'dev',
      'novel-color',
      'novel-direction',
      'novel-length',
      'novel-size',
      'test',
      'train',
    ]);
    for (const name of ['train', 'test', 'dev'])
      for (const i of inSplit(name)) assert.deepEqual(Object.values(novelty(ex(i))), [false, false, false, false]);
    for (const name of ['novel-color', 'novel-size', 'novel-direction', 'novel-length']) {
      const ids = inSplit(name);
      assert.ok(ids.length > 20, `${name}: ${ids.length} examples`);
      for (const i of ids) {
        const n = novelty(ex(i));
        assert.ok(n[name as keyof typeof n], name);
        assert.equal(Object.values(n).filter(Boolean).length, 1, `${name}: novel in one respect only`);
      }
    }
    // Every split is disjoint from the others.
    const all = Object.keys(data.splits).flatMap(inSplit);
    assert.equal(new Set(all).size, all.length);
  });

  test('the model gives every example its own actions, description and position', () => {
    for (let i = 0; i < data.examples.length; i += 7) {
      const v = data.model.run({ example: i });
      const e = ex(i);
      assert.deepEqual(v.actions, e.targetCommands);
      assert.deepEqual({ size: v.size, color: v.color, shape: v.shape }, descriptionOf(e));
      assert.deepEqual(
        { rowDiff: v.rowDiff, colDiff: v.colDiff },
        positionState(e.situation.agent, e.situation.target!.position),
      );
    }
  });
});

describe('counterfactuals', () => {
  const train = inSplit('train');
  const rng = new Rng(9);
  const pairs = Array.from({ length: 3000 }, () => [train[rng.int(train.length)]!, train[rng.int(train.length)]!]);
  const swapped = (b: number, s: number, vars: readonly (keyof ReascanValues)[]) => {
    const sv = data.model.run({ example: s });
    return data.model.run({ example: b }, Object.fromEntries(vars.map((v) => [v, sv[v]])) as never).actions as
      readonly string[] | null;
  };

  test('an attribute interchange re-resolves the description in the base world (as the authors compute it)', () => {
    let compared = 0;
    let dropped = 0;
    for (const [b, s] of pairs)
      for (const a of ATTRIBUTES) {
        const mine = swapped(b, s, [a]);
        const [db, ds] = [descriptionOf(ex(b)), descriptionOf(ex(s))];
        if (db[a] === ds[a]) {
          assert.deepEqual(mine, ex(b).targetCommands, 'an unchanged attribute leaves the base');
          continue;
        }
        if (db[a] === NONE || ds[a] === NONE) {
          assert.equal(mine, null, 'an attribute one description lacks cannot be swapped');
          continue;
        }
        const theirs = attributeCounterfactual(ex(b), ex(s), a, { restrict: true, maxActions: 20 });
        if (mine === null) dropped++;
        else {
          assert.ok(theirs, 'where the model has a counterfactual, so do the authors');
          assert.deepEqual(mine, theirs.actions);
          compared++;
        }
      }
    assert.ok(compared > 500 && dropped > 50, `${compared} compared, ${dropped} dropped`);
  });

  test('a position interchange of a walk rolls out the walk to the moved target; a push or pull has none', () => {
    let walks = 0;
    for (const [b, s] of pairs)
      for (const v of ['rowDiff', 'colDiff'] as const) {
        const mine = swapped(b, s, [v]);
        const [pb, ps] = [ex(b), ex(s)].map((e) => positionState(e.situation.agent, e.situation.target!.position));
        if (pb![v] === ps![v]) continue;
        if (ex(b).verb !== 'walk') {
          assert.equal(mine, null);
          continue;
        }
        const cf = positionCounterfactual(pb!, ps!, v);
        if (mine === null) {
          // Only when the moved target leaves the grid, or the walk would fall in a held-out kind (the authors'
          // --restrict_sampling).
          const a = ex(b).situation.agent;
          const to = { row: a.row + cf.state.rowDiff, column: a.column + cf.state.colDiff };
          const outside = !inGrid(to, ex(b).situation.gridSize);
          assert.ok(outside || isNovelLength(cf.actions) || (cf.state.rowDiff > 0 && cf.state.colDiff < 0));
        } else {
          assert.deepEqual(mine, cf.actions);
          walks++;
        }
      }
    assert.ok(walks > 200, `${walks} walks compared`);
  });

  test('no counterfactual of two training examples falls in a held-out split', () => {
    for (const [b, s] of pairs)
      for (const vars of [['size'], ['color'], ['shape'], ['rowDiff'], ['colDiff']] as const) {
        const actions = swapped(b, s, vars);
        if (!actions) continue;
        assert.ok(!isNovelLength(actions), 'length');
        const v = {
          ...data.model.run({ example: b }),
          ...Object.fromEntries(vars.map((k) => [k, data.model.run({ example: s })[k]])),
        };
        assert.ok(!(v.color === 'yellow' && v.shape === 'square'), 'colour');
        assert.ok(!(v.size === 'small' && v.shape === 'cylinder'), 'size');
      }
  });
});

test('encodeBatch: SOS, the command, EOS, PAD; the world tensor; the noun position at the shape word', async () => {
  await tf.setBackend('cpu');
  const ids = [0, 5, 17];
  const f = data.encodeBatch(ids.map((example) => ({ example })));
  const cmd = f.command!.arraySync() as number[][];
  const noun = f.noun!.arraySync() as number[][];
  const world = f.world!.dataSync();
  const L = data.sizes.commandLength;
  const cells = world.length / ids.length;
  ids.forEach((i, k) => {
    const e = ex(i);
    const row = cmd[k]!;
    assert.equal(row[0], SOS_INDEX);
    assert.deepEqual(
      row.slice(1, 1 + e.command.length).map((t) => data.vocabulary.idxToWord[t]),
      e.command,
    );
    assert.equal(row[1 + e.command.length], EOS_INDEX);
    assert.ok(row.slice(2 + e.command.length).every((t) => t === PAD_INDEX));
    assert.equal(row.length, L);
    assert.equal(noun[k]![0], nounPosition(e));
    assert.equal(data.vocabulary.idxToWord[row[noun[k]![0]!]!], descriptionOf(e).shape);
    assert.deepEqual(Array.from(world.slice(k * cells, (k + 1) * cells)), Array.from(worldTensor(e.situation).data));
    assert.equal(data.tokens({ example: i })[noun[k]![0]!], descriptionOf(e).shape);
  });
});
