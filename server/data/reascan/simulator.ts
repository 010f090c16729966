/**
 * The action sequence for (world, target, verb, adverb), by the rules of the authors' `World.go_to_position` and
 * `World.move_object_to_wall` (Reason-SCAN and groundedSCAN `world.py` agree on them). Pure: the world is not
 * changed.
 */
import {
  Direction,
  inGrid,
  isHeavy,
  opposite,
  samePosition,
  step,
  turnLeft,
  turnRight,
  type Position,
  type World,
} from './world';

export const ACTIONS = ['walk', 'turn left', 'turn right', 'stay', 'push', 'pull'] as const;
export type Action = (typeof ACTIONS)[number];

export const VERBS = ['walk', 'push', 'pull'] as const;
export type Verb = (typeof VERBS)[number];

/** The adverbs; '' is "no adverb". */
export const ADVERBS = ['while zigzagging', 'while spinning', 'cautiously', 'hesitantly'] as const;
export type Adverb = (typeof ADVERBS)[number] | '';

export function isVerb(v: string): v is Verb {
  return (VERBS as readonly string[]).includes(v);
}
export function isAdverb(a: string): a is Adverb {
  return a === '' || (ADVERBS as readonly string[]).includes(a);
}

/** The walking agent: where it is, where it faces, and what it has done. */
interface Agent {
  at: Position;
  facing: Direction;
  out: Action[];
}

const SPIN: readonly Action[] = ['turn left', 'turn left', 'turn left', 'turn left'];
/** `look_left_and_right` in the code's order; groundedSCAN's README says R, L, L, R, but the code emits this. */
const LOOK: readonly Action[] = ['turn left', 'turn right', 'turn right', 'turn left'];

/**
 * `turn_to_direction`: nothing when already facing `to`, two left turns to reverse, otherwise the one quarter
 * turn that gets there.
 */
function turnTo(a: Agent, to: Direction): void {
  if (a.facing === to) return;
  if (to === opposite(a.facing)) a.out.push('turn left', 'turn left');
  else a.out.push(to === turnRight(a.facing) ? 'turn right' : 'turn left');
  a.facing = to;
}

function walk(a: Agent): void {
  a.at = step(a.at, a.facing);
  a.out.push('walk');
}

/** One step with the adverb's decoration (`move_with_manners`); zigzagging decorates nothing here. */
function stepWithManner(a: Agent, d: Direction, adverb: Adverb): void {
  if (adverb === 'while spinning') a.out.push(...SPIN);
  turnTo(a, d);
  if (adverb === 'cautiously') a.out.push(...LOOK);
  walk(a);
  if (adverb === 'hesitantly') a.out.push('stay');
}

/** The straight route: all West steps, then East, then North, then South (`go_to_position`'s loop order). */
function walkStraight(a: Agent, target: Position, adverb: Adverb): void {
  while (a.at.column > target.column) stepWithManner(a, Direction.West, adverb);
  while (a.at.column < target.column) stepWithManner(a, Direction.East, adverb);
  while (a.at.row > target.row) stepWithManner(a, Direction.North, adverb);
  while (a.at.row < target.row) stepWithManner(a, Direction.South, adverb);
}

function inLine(a: Agent, target: Position): boolean {
  return a.at.row === target.row || a.at.column === target.column;
}

/**
 * While zigzagging and not yet in the target's row or column: one horizontal step toward the target, then
 * "turn opposite to the previous turn, walk" until in line. The first "previous turn" is `direction_to_goal`'s,
 * which clamps negative differences to 0 and so reads: target south-east → left, north-east → right,
 * south-west → right, north-west → left.
 */
function zigzag(a: Agent, target: Position): void {
  const east = target.column > a.at.column;
  const south = target.row > a.at.row;
  let previous: 'left' | 'right' = east === south ? 'left' : 'right';
  turnTo(a, east ? Direction.East : Direction.West);
  walk(a);
  while (!inLine(a, target)) {
    previous = previous === 'left' ? 'right' : 'left';
    a.facing = previous === 'left' ? turnLeft(a.facing) : turnRight(a.facing);
    a.out.push(previous === 'left' ? 'turn left' : 'turn right');
    walk(a);
  }
}

/** Walk from the agent's cell to `target` with the adverb; returns the agent after the walk. */
function goTo(world: World, target: Position, adverb: Adverb): Agent {
  const a: Agent = { at: { ...world.agent }, facing: world.agentDirection, out: [] };
  if (adverb === 'while zigzagging' && !inLine(a, target)) {
    zigzag(a, target);
    walkStraight(a, target, '');
  } else {
    walkStraight(a, target, adverb);
  }
  return a;
}

/**
 * Cells an object cannot be moved into: those holding anything but a box (a box never blocks; objects are
 * pushed and pulled through cells that hold one). `moving` is the object being moved, not counted.
 */
function blockedCells(world: World, moving: Position): Set<string> {
  const key = (p: Position) => `${p.row},${p.column}`;
  const blocked = new Set<string>();
  for (const { object, position } of world.objects) {
    if (object.shape !== 'box' && !samePosition(position, moving)) blocked.add(key(position));
  }
  return blocked;
}

/**
 * `move_object_to_wall`: push moves the object the way the agent faces and the agent steps after it; pull moves
 * it the opposite way and the agent backs up without turning. While the next cell is inside the grid and free:
 * the adverb's prefix (spin / look), the verb, and `stay` when hesitant. A heavy object needs two verb actions per
 * cell and the first does not move it; a light one moves on every verb action.
 */
function moveToWall(world: World, a: Agent, verb: 'push' | 'pull', adverb: Adverb): void {
  const target = world.objects.find((o) => o.object.shape !== 'box' && samePosition(o.position, a.at));
  if (!target) throw new Error(`no object to ${verb} at row ${a.at.row}, column ${a.at.column}`);
  const blocked = blockedCells(world, a.at);
  const heading = verb === 'push' ? a.facing : opposite(a.facing);
  const needed = isHeavy(target.object.size) ? 2 : 1;
  let momentum = 0;
  for (;;) {
    const next = step(a.at, heading);
    if (!inGrid(next, world.gridSize) || blocked.has(`${next.row},${next.column}`)) return;
    if (adverb === 'while spinning') a.out.push(...SPIN);
    else if (adverb === 'cautiously') a.out.push(...LOOK);
    a.out.push(verb);
    momentum += 1;
    if (momentum >= needed) {
      momentum = 0;
      a.at = next;
    }
    if (adverb === 'hesitantly') a.out.push('stay');
  }
}

/**
 * The actions that carry out "verb the target adverb" in `world`: walk to `target` (the object's cell) with the
 * adverb, then for push and pull move the object until it meets the wall or another object. Throws on an
 * unknown verb or adverb, or a push/pull target cell that holds no object.
 */
export function simulate(world: World, target: Position, verb: string, adverb: string): Action[] {
  if (!isVerb(verb)) throw new Error(`unknown verb "${verb}" (expected ${VERBS.join(', ')})`);
  if (!isAdverb(adverb)) throw new Error(`unknown adverb "${adverb}" (expected ${ADVERBS.join(', ')} or none)`);
  if (!inGrid(target, world.gridSize)) {
    throw new Error(
      `target row ${target.row}, column ${target.column} lies outside the ${world.gridSize}×${world.gridSize} grid`,
    );
  }
  const a = goTo(world, target, adverb);
  if (verb !== 'walk') moveToWall(world, a, verb, adverb);
  return a.out;
}
