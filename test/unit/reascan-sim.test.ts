import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Direction,
  positionState,
  simulate,
  walkOnlyActions,
  type Placed,
  type Shape,
  type World,
} from '../../server/data/reascan';

// Hand-worked cases for each rule of the authors' `go_to_position` / `move_object_to_wall`. Positions are
// [row, column]; rows grow downward (South), columns to the right (East); the agent starts facing East.

function obj(row: number, column: number, size = 1, shape: Shape = 'circle'): Placed {
  return { object: { shape, color: 'red', size }, position: { row, column } };
}

function world(agent: [number, number], objects: Placed[], gridSize = 6): World {
  return { gridSize, agent: { row: agent[0], column: agent[1] }, agentDirection: Direction.East, objects };
}

/** Simulate with the target at `target` (which holds an object in `w`). */
function run(w: World, target: [number, number], verb: string, adverb = ''): string[] {
  return simulate(w, { row: target[0], column: target[1] }, verb, adverb);
}

const L = 'turn left';
const R = 'turn right';

describe('walking', () => {
  test('route: West steps, then East, then North, then South', () => {
    // Agent [2,3] → target [4,1]: two steps West (East→West is a reversal: two left turns), then two South
    // (West→South is one left turn).
    assert.deepEqual(run(world([2, 3], [obj(4, 1)]), [4, 1], 'walk'), [L, L, 'walk', 'walk', L, 'walk', 'walk']);
    // Agent [4,1] → target [1,3]: two East (already facing East), then three North (East→North: left).
    assert.deepEqual(run(world([4, 1], [obj(1, 3)]), [1, 3], 'walk'), ['walk', 'walk', L, 'walk', 'walk', 'walk']);
    // Agent [1,1] → target [3,1]: same column, two South (East→South: right).
    assert.deepEqual(run(world([1, 1], [obj(3, 1)]), [3, 1], 'walk'), [R, 'walk', 'walk']);
    // Agent [3,4] → target [0,4]: North only.
    assert.deepEqual(run(world([3, 4], [obj(0, 4)]), [0, 4], 'walk'), [L, 'walk', 'walk', 'walk']);
  });

  test('objects on the way do not stop the agent', () => {
    // Agent [0,0] → target [0,3] with objects at [0,1] and [0,2]: three walks East regardless.
    const w = world([0, 0], [obj(0, 1), obj(0, 2), obj(0, 3)]);
    assert.deepEqual(run(w, [0, 3], 'walk'), ['walk', 'walk', 'walk']);
  });

  test('hesitantly: stay after every walk', () => {
    // [2,3] → [4,1]: L L walk stay walk stay, L walk stay walk stay.
    assert.deepEqual(run(world([2, 3], [obj(4, 1)]), [4, 1], 'walk', 'hesitantly'), [
      L,
      L,
      'walk',
      'stay',
      'walk',
      'stay',
      L,
      'walk',
      'stay',
      'walk',
      'stay',
    ]);
  });

  test('while spinning: four left turns before every step, then the turn toward the step', () => {
    // [1,1] → [2,2]: East step (spin, walk), then South step (spin, East→South right, walk).
    assert.deepEqual(run(world([1, 1], [obj(2, 2)]), [2, 2], 'walk', 'while spinning'), [
      ...[L, L, L, L],
      'walk',
      ...[L, L, L, L],
      R,
      'walk',
    ]);
  });

  test('cautiously: turn toward the step, then left, right, right, left, then walk', () => {
    // [1,2] → [2,1]: West step (reverse L L, look L R R L, walk), South step (West→South L, look, walk).
    assert.deepEqual(run(world([1, 2], [obj(2, 1)]), [2, 1], 'walk', 'cautiously'), [
      ...[L, L],
      ...[L, R, R, L],
      'walk',
      L,
      ...[L, R, R, L],
      'walk',
    ]);
    // Two steps the same way: the look is repeated, the turn is not.
    assert.deepEqual(run(world([0, 0], [obj(0, 2)]), [0, 2], 'walk', 'cautiously'), [
      ...[L, R, R, L],
      'walk',
      ...[L, R, R, L],
      'walk',
    ]);
  });

  describe('while zigzagging', () => {
    test('south-east: first "previous turn" is left, so right, left, … alternate', () => {
      // [0,0] → [2,2]: walk East to [0,1]; not in line → turn right (South), walk to [1,1]; turn left (East),
      // walk to [1,2] — now in the target's column; finish straight: South (East→South right), walk.
      assert.deepEqual(run(world([0, 0], [obj(2, 2)]), [2, 2], 'walk', 'while zigzagging'), [
        'walk',
        R,
        'walk',
        L,
        'walk',
        R,
        'walk',
      ]);
    });

    test('north-east: first previous turn is right', () => {
      // [3,0] → [1,3]: East to [3,1]; turn left (North) walk [2,1]; turn right (East) walk [2,2]; turn left
      // (North) walk [1,2] — in the target's row; finish East: North→East right, walk.
      assert.deepEqual(run(world([3, 0], [obj(1, 3)]), [1, 3], 'walk', 'while zigzagging'), [
        'walk',
        L,
        'walk',
        R,
        'walk',
        L,
        'walk',
        R,
        'walk',
      ]);
    });

    test('south-west: first previous turn is right', () => {
      // [0,3] → [1,1]: West (reverse: L L) walk to [0,2]; turn left (West→South) walk to [1,2] — in the target's
      // row; finish West: South→West right, walk.
      assert.deepEqual(run(world([0, 3], [obj(1, 1)]), [1, 1], 'walk', 'while zigzagging'), [
        L,
        L,
        'walk',
        L,
        'walk',
        R,
        'walk',
      ]);
    });

    test('north-west: first previous turn is left', () => {
      // [2,2] → [0,0]: West (L L) walk to [2,1]; turn right (West→North) walk [1,1]; turn left (North→West)
      // walk [1,0] — in the target's column; finish North: West→North right, walk.
      assert.deepEqual(run(world([2, 2], [obj(0, 0)]), [0, 0], 'walk', 'while zigzagging'), [
        L,
        L,
        'walk',
        R,
        'walk',
        L,
        'walk',
        R,
        'walk',
      ]);
    });

    test('in line with the target already: a straight walk', () => {
      // [0,0] → [0,3], same row: no zigzag.
      assert.deepEqual(run(world([0, 0], [obj(0, 3)]), [0, 3], 'walk', 'while zigzagging'), ['walk', 'walk', 'walk']);
    });
  });
});

describe('push and pull', () => {
  test('push a light object: one push per cell until the wall', () => {
    // [0,0] → [0,2] (walk walk, facing East); push the size-1 object to columns 3, 4, 5: three pushes.
    assert.deepEqual(run(world([0, 0], [obj(0, 2, 1)]), [0, 2], 'push'), ['walk', 'walk', 'push', 'push', 'push']);
  });

  test('push a heavy object: two pushes per cell, the first does not move it', () => {
    // Size 3 is heavy: three cells × two pushes.
    assert.deepEqual(run(world([0, 0], [obj(0, 2, 3)]), [0, 2], 'push'), ['walk', 'walk', ...Array(6).fill('push')]);
    // Size 2 is still light, size 4 heavy.
    assert.equal(run(world([0, 0], [obj(0, 2, 2)]), [0, 2], 'push').filter((a) => a === 'push').length, 3);
    assert.equal(run(world([0, 0], [obj(0, 2, 4)]), [0, 2], 'push').filter((a) => a === 'push').length, 6);
  });

  test('pull moves the object the other way; the agent backs up without turning', () => {
    // [0,0] → [0,2] facing East; pull West: object and agent to column 1, then 0 — two pulls (light).
    assert.deepEqual(run(world([0, 0], [obj(0, 2, 1)]), [0, 2], 'pull'), ['walk', 'walk', 'pull', 'pull']);
    // Heavy: four pulls.
    assert.deepEqual(run(world([0, 0], [obj(0, 2, 4)]), [0, 2], 'pull'), ['walk', 'walk', ...Array(4).fill('pull')]);
    // After walking South ([0,3] → [3,3]) the agent faces South; pull goes North, back over [2,3], [1,3], [0,3].
    assert.deepEqual(run(world([0, 3], [obj(3, 3, 1)]), [3, 3], 'pull'), [
      R,
      'walk',
      'walk',
      'walk',
      ...Array(3).fill('pull'),
    ]);
  });

  test('blocked objects: another object stops the move; a blocked target gets no verb action', () => {
    // Object right behind the target at [0,3]: zero pushes.
    assert.deepEqual(run(world([0, 0], [obj(0, 2), obj(0, 3)]), [0, 2], 'push'), ['walk', 'walk']);
    // Object at [0,4]: one push moves the target to [0,3], then it is blocked.
    assert.deepEqual(run(world([0, 0], [obj(0, 2), obj(0, 4)]), [0, 2], 'push'), ['walk', 'walk', 'push']);
    // Target against the wall: [0,5] pushed East cannot move.
    assert.deepEqual(run(world([0, 4], [obj(0, 5)]), [0, 5], 'push'), ['walk']);
    // Pull toward a blocker: agent at [0,0] walked East to [0,2]; object at [0,1] blocks the pull.
    assert.deepEqual(run(world([0, 0], [obj(0, 2), obj(0, 1)]), [0, 2], 'pull'), ['walk', 'walk']);
  });

  test('a box never blocks: objects are pushed through cells that hold one', () => {
    // A box at [0,3] and [0,4]: the target still goes to the wall.
    const w = world([0, 0], [obj(0, 2, 1), obj(0, 3, 2, 'box'), obj(0, 4, 1, 'box')]);
    assert.deepEqual(run(w, [0, 2], 'push'), ['walk', 'walk', 'push', 'push', 'push']);
    // The target may sit inside a box (same cell); the box stays, the target moves.
    const inside = world([0, 0], [obj(0, 2, 1), obj(0, 2, 2, 'box')]);
    assert.deepEqual(run(inside, [0, 2], 'push'), ['walk', 'walk', 'push', 'push', 'push']);
  });

  test('adverbs decorate every verb action: spin or look before, stay after', () => {
    const w = world([0, 3], [obj(0, 4, 1)]); // one walk East to [0,4], one push to [0,5]
    assert.deepEqual(run(w, [0, 4], 'push', 'while spinning'), [L, L, L, L, 'walk', L, L, L, L, 'push']);
    assert.deepEqual(run(w, [0, 4], 'push', 'cautiously'), [L, R, R, L, 'walk', L, R, R, L, 'push']);
    assert.deepEqual(run(w, [0, 4], 'push', 'hesitantly'), ['walk', 'stay', 'push', 'stay']);
    // Heavy and hesitant: each of the two pushes is followed by stay.
    const heavy = world([0, 3], [obj(0, 4, 3)]);
    assert.deepEqual(run(heavy, [0, 4], 'push', 'hesitantly'), ['walk', 'stay', 'push', 'stay', 'push', 'stay']);
    // Zigzagging adds nothing to the verb actions.
    assert.deepEqual(run(w, [0, 4], 'push', 'while zigzagging'), ['walk', 'push']);
  });

  test('zigzag then push: the push goes the way the last step faced', () => {
    // [0,0] → [2,2] zigzag ends facing South (see above); push South from [2,2] to rows 3, 4, 5.
    assert.deepEqual(run(world([0, 0], [obj(2, 2)]), [2, 2], 'push', 'while zigzagging'), [
      'walk',
      R,
      'walk',
      L,
      'walk',
      R,
      'walk',
      'push',
      'push',
      'push',
    ]);
  });

  test('unknown verbs and adverbs, and a push onto an empty cell, are errors', () => {
    const w = world([0, 0], [obj(0, 2)]);
    assert.throws(() => run(w, [0, 2], 'jump'), /unknown verb "jump"/);
    assert.throws(() => run(w, [0, 2], 'walk', 'quickly'), /unknown adverb "quickly"/);
    assert.throws(() => run(w, [3, 3], 'push'), /no object to push/);
    assert.throws(() => run(w, [6, 0], 'walk'), /outside/);
  });
});

test('the walk-only policy of the position counterfactual is the simulator without adverbs', () => {
  // Every (rowDiff, colDiff) in [-5, 5]²: agent in the middle of an 11×11 grid.
  for (let dr = -5; dr <= 5; dr++) {
    for (let dc = -5; dc <= 5; dc++) {
      const w = world([5, 5], [obj(5 + dr, 5 + dc)], 11);
      const target = { row: 5 + dr, column: 5 + dc };
      assert.deepEqual(walkOnlyActions(positionState(w.agent, target)), simulate(w, target, 'walk', ''), `${dr},${dc}`);
    }
  }
});
