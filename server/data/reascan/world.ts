/**
 * The ReaSCAN / gSCAN grid world (Wu et al. 2021; Ruis et al. 2020): a square grid of cells addressed by
 * (row, column), row growing downward and column to the right, objects of a shape, colour and size, and an agent
 * with a facing direction. Read from the authors' code (Reason-SCAN `world.py`, `object_vocabulary.py`,
 * `gym_minigrid/minigrid.py`); nothing here is copied from it.
 */

/** Facing directions with the authors' codes (`DIR_TO_INT`): East 0, South 1, West 2, North 3. */
export const Direction = { East: 0, South: 1, West: 2, North: 3 } as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

/** Shapes in the authors' vocabulary order, which is also the order of the shape channels. */
export const SHAPES = ['circle', 'cylinder', 'square', 'box'] as const;
export type Shape = (typeof SHAPES)[number];
/** Shapes a command can name as its target (a box is never a target in the simple commands). */
export const TARGET_SHAPES = ['circle', 'cylinder', 'square'] as const;
export type TargetShape = (typeof TARGET_SHAPES)[number];

export const COLORS = ['red', 'blue', 'green', 'yellow'] as const;
export type Color = (typeof COLORS)[number];

export const MIN_SIZE = 1;
export const MAX_SIZE = 4;
export const GRID_SIZE = 6;

export interface Position {
  row: number;
  column: number;
}

export interface WorldObject {
  shape: Shape;
  color: Color;
  /** 1–4. */
  size: number;
}

export interface Placed {
  object: WorldObject;
  position: Position;
}

/** What the simulator and the world tensor need: the grid, the agent and the objects on it. */
export interface World {
  gridSize: number;
  agent: Position;
  agentDirection: Direction;
  objects: readonly Placed[];
}

/** Sizes 1–2 are light (one push or pull moves them a cell), 3–4 heavy (two). `ObjectVocabulary` splits at the middle. */
export function isHeavy(size: number): boolean {
  return size > Math.floor((MIN_SIZE + MAX_SIZE) / 2);
}

/** One step in `direction` (`DIR_TO_VEC`: East +column, South +row, West −column, North −row). */
export function step(p: Position, direction: Direction): Position {
  const [dr, dc] = [
    [0, 1],
    [1, 0],
    [0, -1],
    [-1, 0],
  ][direction]!;
  return { row: p.row + dr!, column: p.column + dc! };
}

export function inGrid(p: Position, gridSize: number): boolean {
  return p.row >= 0 && p.row < gridSize && p.column >= 0 && p.column < gridSize;
}

export function samePosition(a: Position, b: Position): boolean {
  return a.row === b.row && a.column === b.column;
}

/** `turn left` is direction − 1 (mod 4), `turn right` + 1. */
export function turnLeft(d: Direction): Direction {
  return ((d + 3) % 4) as Direction;
}
export function turnRight(d: Direction): Direction {
  return ((d + 1) % 4) as Direction;
}
export function opposite(d: Direction): Direction {
  return ((d + 2) % 4) as Direction;
}

// --- Object vectors and the world tensor -------------------------------------------------------------------------

/**
 * Channel layout of one cell, the authors' `Grid.encode` over `ObjectVocabulary` vectors: the object vector
 * (size one-hot, then shape one-hot, then colour one-hot — `_idx_to_shapes_and_colors` is shapes then colours),
 * then the agent flag, then the agent's direction one-hot (E, S, W, N). The released files' `vector` strings
 * follow the same order ("000101000010" is a size-4 green cylinder).
 */
export const SIZE_CHANNELS = 0;
export const SHAPE_CHANNELS = SIZE_CHANNELS + (MAX_SIZE - MIN_SIZE + 1);
export const COLOR_CHANNELS = SHAPE_CHANNELS + SHAPES.length;
export const OBJECT_VECTOR_LENGTH = COLOR_CHANNELS + COLORS.length;
export const AGENT_CHANNEL = OBJECT_VECTOR_LENGTH;
export const DIRECTION_CHANNELS = AGENT_CHANNEL + 1;
/** 17 for ReaSCAN. gSCAN's own code has 16 (three shapes); ReaSCAN-Causal re-encodes gSCAN worlds with 17. */
export const WORLD_CHANNELS = DIRECTION_CHANNELS + 4;

/** The object's feature vector as 0/1 numbers, `OBJECT_VECTOR_LENGTH` long. */
export function objectFeatures(o: WorldObject): number[] {
  const v = new Array<number>(OBJECT_VECTOR_LENGTH).fill(0);
  v[SIZE_CHANNELS + o.size - MIN_SIZE] = 1;
  v[SHAPE_CHANNELS + SHAPES.indexOf(o.shape)] = 1;
  v[COLOR_CHANNELS + COLORS.indexOf(o.color)] = 1;
  return v;
}

/** The vector as the data files write it: the digits joined, e.g. "000101000010". */
export function objectVector(o: WorldObject): string {
  return objectFeatures(o).join('');
}

export interface WorldTensor {
  /** [gridSize, gridSize, WORLD_CHANNELS], indexed [row, column, channel]. */
  shape: [number, number, number];
  /** Row-major: ((row · gridSize) + column) · WORLD_CHANNELS + channel. */
  data: Float32Array;
}

/**
 * The world as the model sees it. A cell holding a box and an object gets the sum of both vectors, as in
 * `Grid.encode`; a box is drawn only at its top-left cell (the grid stores it there, whatever its size).
 */
export function worldTensor(world: World): WorldTensor {
  const g = world.gridSize;
  const data = new Float32Array(g * g * WORLD_CHANNELS);
  const at = (p: Position) => (p.row * g + p.column) * WORLD_CHANNELS;
  for (const { object, position } of world.objects) {
    objectFeatures(object).forEach((x, c) => (data[at(position) + c]! += x));
  }
  data[at(world.agent) + AGENT_CHANNEL] = 1;
  data[at(world.agent) + DIRECTION_CHANNELS + world.agentDirection] = 1;
  return { shape: [g, g, WORLD_CHANNELS], data };
}

// --- What the files record about the target -----------------------------------------------------------------------

/** Manhattan distance from the agent to `target` (`Situation.distance_to_target`). */
export function distanceTo(agent: Position, target: Position): number {
  return Math.abs(agent.row - target.row) + Math.abs(agent.column - target.column);
}

/**
 * Compass direction from the agent to `target` ("n", "se", …), as `Situation.direction_to_target` writes it;
 * undefined when they share the cell.
 */
export function compassTo(agent: Position, target: Position): string | undefined {
  const ns = Math.sign(agent.row - target.row); // +1: target is north
  const ew = Math.sign(target.column - agent.column); // +1: target is east
  return (ns > 0 ? 'n' : ns < 0 ? 's' : '') + (ew > 0 ? 'e' : ew < 0 ? 'w' : '') || undefined;
}
