/**
 * A seeded generator of simple ReaSCAN examples (worlds + commands), following the authors' generator for
 * `--command_pattern p1` (Reason-SCAN `generate_ReaSCAN.py`, `simulator.py`), and the four held-out splits of
 * the IIT paper's Figure 3b (ReaSCAN-Causal `ReaSCAN_splitter.ipynb`). Deterministic for a seed; it does not
 * reproduce the authors' Python random streams.
 */
import { Rng } from '../../engine/rng';
import type { PlacedObject, ReascanDataset, ReascanExample, ReascanSituation } from './format';
import { REASCAN_LEXICON } from './format';
import {
  allNounPhrases,
  commandTokens,
  npPattern,
  npString,
  referents,
  type NounPhrase,
  type SimpleCommand,
} from './grammar';
import { ADVERBS, simulate, VERBS, type Adverb } from './simulator';
import {
  COLORS,
  compassTo,
  Direction,
  distanceTo,
  GRID_SIZE,
  MAX_SIZE,
  MIN_SIZE,
  objectVector,
  TARGET_SHAPES,
  type Position,
  type TargetShape,
  type WorldObject,
} from './world';

/**
 * 'all': walk, push and pull, each with no adverb and the four adverbs; 'plain': walk, push and pull with no
 * adverb; 'simple': walk, no adverb.
 */
export type CommandSet = 'all' | 'plain' | 'simple';

/** Every command of a set over `nps` (default the 45 NPs), NP-major. */
export function commandList(set: CommandSet, nps: readonly NounPhrase[] = allNounPhrases()): SimpleCommand[] {
  const adverbs: Adverb[] = set === 'all' ? ['', ...ADVERBS] : [''];
  const verbs = set === 'simple' ? (['walk'] as const) : VERBS;
  return nps.flatMap((np) => verbs.flatMap((verb) => adverbs.map((adverb) => ({ verb, adverb, np }))));
}

export interface WorldOptions {
  gridSize?: number;
  /** Objects per world (`n_object_max`); ReaSCAN-Causal uses 13. */
  maxObjects?: number;
}

/** A generated world: the target is `objects[0]`. */
export interface GeneratedWorld {
  gridSize: number;
  agent: Position;
  objects: PlacedObject[];
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)]!;
}

function randomSize(rng: Rng): number {
  return MIN_SIZE + rng.int(MAX_SIZE - MIN_SIZE + 1);
}

/**
 * With a size word every object of the NP's kind (its shape, or colour and shape) takes one of two sizes:
 * small uniform in [1, 3], big uniform in (small, 4] (`special_shape_size_bound`).
 */
function sizeBounds(rng: Rng): { small: number; big: number } {
  const small = MIN_SIZE + rng.int(MAX_SIZE - MIN_SIZE);
  return { small, big: small + 1 + rng.int(MAX_SIZE - small) };
}

/** The objects of a world in placement order: the target, the attribute distractor, a size distractor. */
function coreObjects(np: NounPhrase, rng: Rng): WorldObject[] {
  const bounds = np.size ? sizeBounds(rng) : undefined;
  const color = np.color ?? pick(rng, COLORS);
  const size = bounds ? bounds[np.size!] : randomSize(rng);
  const target: WorldObject = { shape: np.shape, color, size };
  const oppositeSize = () => (np.size === 'small' ? bounds!.big : bounds!.small);
  const sizeDistractor = (): WorldObject => ({
    shape: np.shape,
    color: np.color ?? pick(rng, COLORS),
    size: oppositeSize(),
  });
  // One attribute the NP mentions is changed in a distractor, so that attribute is needed to find the target.
  const mentioned: string[] = [];
  if (np.size) mentioned.push('size');
  if (np.color) mentioned.push('color');
  const attribute = pick(rng, [...mentioned, 'shape']);
  const out = [target];
  if (attribute === 'size') out.push(sizeDistractor());
  if (attribute === 'color') {
    out.push({
      shape: np.shape,
      color: pick(
        rng,
        COLORS.filter((c) => c !== color),
      ),
      size: randomSize(rng),
    });
  }
  if (attribute === 'shape') {
    out.push({
      shape: pick(
        rng,
        TARGET_SHAPES.filter((s) => s !== np.shape),
      ),
      color,
      size: randomSize(rng),
    });
  }
  // A size word needs an object of the other size to mean anything.
  if (np.size && attribute !== 'size') out.push(sizeDistractor());
  return out;
}

/** Uniform over the cells in none of `taken`. */
function freeCell(rng: Rng, gridSize: number, taken: Set<number>): Position {
  const free: number[] = [];
  for (let c = 0; c < gridSize * gridSize; c++) if (!taken.has(c)) free.push(c);
  const cell = pick(rng, free);
  return { row: Math.floor(cell / gridSize), column: cell % gridSize };
}

/**
 * A world for `np`: the target, a distractor that changes one mentioned attribute, a size distractor when the
 * NP has a size word, random distractors of the other shapes up to `maxObjects`, and the agent on a random
 * object-free cell. Undefined when the description does not pick out exactly the target.
 */
export function generateWorld(np: NounPhrase, rng: Rng, options: WorldOptions = {}): GeneratedWorld | undefined {
  const gridSize = options.gridSize ?? GRID_SIZE;
  const maxObjects = Math.min(options.maxObjects ?? 13, gridSize * gridSize - 1);
  const objects: WorldObject[] = coreObjects(np, rng);
  const others = TARGET_SHAPES.filter((s): s is TargetShape => s !== np.shape);
  while (objects.length < maxObjects) {
    objects.push({ shape: pick(rng, others), color: pick(rng, COLORS), size: randomSize(rng) });
  }
  const taken = new Set<number>();
  const placed = objects.map((object) => {
    const position = freeCell(rng, gridSize, taken);
    taken.add(position.row * gridSize + position.column);
    return { object, position, vector: objectVector(object) };
  });
  const agent = freeCell(rng, gridSize, taken);
  const found = referents(np, placed);
  return found.length === 1 && found[0] === 0 ? { gridSize, agent, objects: placed } : undefined;
}

function worldKey(w: GeneratedWorld): string {
  const cell = (p: Position) => `${p.row}.${p.column}`;
  return [
    cell(w.agent),
    ...w.objects.map((o) => `${o.object.size}${o.object.color}${o.object.shape}@${cell(o.position)}`),
  ].join('|');
}

/** The situation as the files record it: the agent faces East, the target is listed first. */
function situationOf(w: GeneratedWorld): ReascanSituation {
  const target = w.objects[0]!;
  return {
    gridSize: w.gridSize,
    agent: w.agent,
    agentDirection: Direction.East,
    objects: w.objects,
    target,
    extra: {
      distance_to_target: String(distanceTo(w.agent, target.position)),
      direction_to_target: compassTo(w.agent, target.position),
      carrying_object: null,
    },
  };
}

/** An example in the layout of the authors' generator (the fields it writes for a one-object command). */
export function makeExample(c: SimpleCommand, w: GeneratedWorld): ReascanExample {
  const situation = situationOf(w);
  const command = commandTokens(c);
  return {
    command,
    targetCommands: simulate(situation, situation.target!.position, c.verb, c.adverb),
    verb: c.verb,
    adverb: c.adverb,
    referredTarget: npString(c.np),
    situation,
    extra: {
      grammer_pattern: '$OBJ_0',
      meaning: command.join(','),
      derivation: '$OBJ_0',
      object_pattern_map: { $OBJ_0: npPattern(c.np) },
      relation_map: [],
      object_expression: { $OBJ_0: npString(c.np) },
      n_object: w.objects.length,
      n_distractor: w.objects.length - 1,
    },
  };
}

export interface GenerateOptions extends WorldOptions {
  seed: number;
  commands?: CommandSet;
  /** Worlds per command (`per_command_world_target_count`). */
  worldsPerCommand?: number;
  /** Attempts per world before the command is given up (`per_command_world_retry_max`). */
  retries?: number;
  /** NPs to use (default all 45). */
  nounPhrases?: readonly NounPhrase[];
}

/**
 * Examples for every command of the set, `worldsPerCommand` distinct worlds each. As in the authors' loop, a
 * command whose world cannot be made within `retries` attempts gets no more worlds.
 */
export function generateExamples(options: GenerateOptions): ReascanExample[] {
  const rng = new Rng(options.seed);
  const out: ReascanExample[] = [];
  for (const c of commandList(options.commands ?? 'all', options.nounPhrases)) {
    const seen = new Set<string>();
    for (let n = 0; n < (options.worldsPerCommand ?? 1); n++) {
      let world: GeneratedWorld | undefined;
      for (let t = 0; t < (options.retries ?? 500) && !world; t++) {
        const w = generateWorld(c.np, rng, options);
        if (w && !seen.has(worldKey(w))) world = w;
      }
      if (!world) break;
      seen.add(worldKey(world));
      out.push(makeExample(c, world));
    }
  }
  return out;
}

// --- Held-out predicates (Figure 3b) -------------------------------------------------------------------------------

function adjacent(tokens: readonly string[], words: readonly string[]): boolean {
  return tokens.some((_, i) => words.every((w, j) => tokens[i + j] === w));
}

/** Novel colour: the command contains "yellow,square". */
export function isNovelColor(command: readonly string[]): boolean {
  return adjacent(command, ['yellow', 'square']);
}

/** Novel size: the command contains "small,cylinder" or "small,<colour>,cylinder". */
export function isNovelSize(command: readonly string[]): boolean {
  return adjacent(command, ['small', 'cylinder']) || COLORS.some((c) => adjacent(command, ['small', c, 'cylinder']));
}

/** Novel direction: the target is strictly South-West of the agent (row difference > 0, column difference < 0). */
export function isNovelDirection(agent: Position, target: Position): boolean {
  return target.row > agent.row && target.column < agent.column;
}

/** Novel length: 11 or more actions (the simple commands need at most 13). */
export function isNovelLength(actions: readonly string[]): boolean {
  return actions.length >= 11;
}

// --- Splits --------------------------------------------------------------------------------------------------------

export interface SplitOptions {
  /** dev and test each take this fraction of the in-distribution examples (default 0.05). */
  evalFraction?: number;
  /** Cap on train (ReaSCAN-Causal: 85,000). */
  maxTrain?: number;
  /** Cap on each held-out split (ReaSCAN-Causal: 8,000). */
  maxHeldOut?: number;
  /** Drop examples with more actions than this, everywhere (ReaSCAN-Causal: 35 for the attribute data). */
  maxActions?: number;
}

/**
 * train / test / dev from the in-distribution examples, shuffled and disjoint (the authors' notebook lets dev
 * and test overlap train when there are fewer than 85,000 + 2 × 4,250), plus each held-out split, shuffled.
 */
function assemble(
  inDistribution: ReascanExample[],
  heldOut: Record<string, ReascanExample[]>,
  rng: Rng,
  o: SplitOptions,
): Record<string, ReascanExample[]> {
  const keep = (e: ReascanExample) => o.maxActions === undefined || e.targetCommands.length <= o.maxActions;
  const pool = rng.shuffle(inDistribution.filter(keep));
  const nEval = Math.floor(pool.length * (o.evalFraction ?? 0.05));
  const out: Record<string, ReascanExample[]> = {
    train: pool.slice(2 * nEval, o.maxTrain === undefined ? undefined : 2 * nEval + o.maxTrain),
    test: pool.slice(0, nEval),
    dev: pool.slice(nEval, 2 * nEval),
  };
  for (const [name, xs] of Object.entries(heldOut))
    out[name] = rng.shuffle(xs.filter(keep)).slice(0, o.maxHeldOut ?? 8000);
  return out;
}

function partition(
  examples: readonly ReascanExample[],
  tests: Record<string, (e: ReascanExample) => boolean>,
): [ReascanExample[], Record<string, ReascanExample[]>] {
  const inDistribution: ReascanExample[] = [];
  const heldOut: Record<string, ReascanExample[]> = Object.fromEntries(Object.keys(tests).map((k) => [k, []]));
  for (const e of examples) {
    const name = Object.keys(tests).find((k) => tests[k]!(e));
    (name === undefined ? inDistribution : heldOut[name]!).push(e);
  }
  return [inDistribution, heldOut];
}

/** Novel colour and novel size share one dataset: train / test / dev / new_color / new_size. */
export function splitAttribute(examples: readonly ReascanExample[], rng: Rng, o: SplitOptions = {}) {
  const [inD, held] = partition(examples, {
    new_color: (e) => isNovelColor(e.command),
    new_size: (e) => isNovelSize(e.command),
  });
  return assemble(inD, held, rng, o);
}

/** train / test / dev / new_action_length. */
export function splitLength(examples: readonly ReascanExample[], rng: Rng, o: SplitOptions = {}) {
  const [inD, held] = partition(examples, { new_action_length: (e) => isNovelLength(e.targetCommands) });
  return assemble(inD, held, rng, o);
}

/** train / test / dev / situational_1 (the name of gSCAN's split that ReaSCAN-Causal trains on). */
export function splitDirection(examples: readonly ReascanExample[], rng: Rng, o: SplitOptions = {}) {
  const [inD, held] = partition(examples, {
    situational_1: (e) => isNovelDirection(e.situation.agent, e.situation.target!.position),
  });
  return assemble(inD, held, rng, o);
}

/** Which of Figure 3b's held-out predicates an example meets, by the held-out split's name. */
export function novelties(e: ReascanExample): string[] {
  const out: string[] = [];
  if (isNovelColor(e.command)) out.push('new_color');
  if (isNovelSize(e.command)) out.push('new_size');
  if (e.situation.target && isNovelDirection(e.situation.agent, e.situation.target.position)) out.push('situational_1');
  if (isNovelLength(e.targetCommands)) out.push('new_action_length');
  return out;
}

/**
 * All four of Figure 3b's held-out splits in one dataset, so that one training set serves them all: train / test /
 * dev meet none of the predicates, each held-out split exactly its own one (an example novel in two respects is
 * left out, so a column measures one kind of generalisation).
 */
export function splitFigure3b(examples: readonly ReascanExample[], rng: Rng, o: SplitOptions = {}) {
  const inD: ReascanExample[] = [];
  const held: Record<string, ReascanExample[]> = {
    new_color: [],
    new_size: [],
    situational_1: [],
    new_action_length: [],
  };
  for (const e of examples) {
    const n = novelties(e);
    if (n.length === 0) inD.push(e);
    else if (n.length === 1) held[n[0]!]!.push(e);
  }
  return assemble(inD, held, rng, o);
}

/** The datasets behind Figure 3b; novel colour and novel size share the attribute dataset. */
export type ReascanDatasetKind = 'attribute' | 'length' | 'direction' | 'figure3b';

/** Figure 3b's four splits: which dataset each lives in and the name of its held-out split. */
export const FIGURE_3B_SPLITS = {
  'novel-color': { dataset: 'attribute', heldOut: 'new_color' },
  'novel-size': { dataset: 'attribute', heldOut: 'new_size' },
  'novel-direction': { dataset: 'direction', heldOut: 'situational_1' },
  'novel-length': { dataset: 'length', heldOut: 'new_action_length' },
} as const satisfies Record<string, { dataset: ReascanDatasetKind; heldOut: string }>;

/** ReaSCAN-Causal's settings for each dataset (`experiments-meta.sh`, `ReaSCAN_splitter.ipynb`). */
export const DATASET_DEFAULTS: Record<
  ReascanDatasetKind,
  { commands: CommandSet; worldsPerCommand: number } & SplitOptions
> = {
  attribute: { commands: 'all', worldsPerCommand: 200, maxTrain: 85000, maxActions: 35 },
  length: { commands: 'simple', worldsPerCommand: 1200, maxTrain: 85000 },
  direction: { commands: 'simple', worldsPerCommand: 1200, maxTrain: 85000 },
  figure3b: { commands: 'plain', worldsPerCommand: 200, maxTrain: 85000, maxActions: 20 },
};

const SPLITTERS = {
  attribute: splitAttribute,
  length: splitLength,
  direction: splitDirection,
  figure3b: splitFigure3b,
};

/** A whole dataset, ready for `writeReascanFile`; generation and splitting draw from separate streams of `seed`. */
export function generateReascanDataset(
  kind: ReascanDatasetKind,
  options: Partial<GenerateOptions> & SplitOptions & { seed: number },
): ReascanDataset {
  const o = { ...DATASET_DEFAULTS[kind], ...options };
  const root = new Rng(o.seed);
  const examples = generateExamples({ ...o, seed: root.seed() });
  return {
    gridSize: o.gridSize ?? GRID_SIZE,
    typeGrammar: 'ReaSCAN-Grammer',
    minObjectSize: MIN_SIZE,
    maxObjectSize: MAX_SIZE,
    percentageTrain: 0.9,
    splits: SPLITTERS[kind](examples, new Rng(root.seed()), o),
    extra: Object.fromEntries(Object.entries(REASCAN_LEXICON).map(([k, v]) => [k, [...v]])),
  };
}
