/**
 * Counterfactual labels for interchange intervention training on ReaSCAN (IIT paper §5), as ReaSCAN-Causal
 * computes them: the attribute counterfactual (`ReaSCAN_dataset.py` `get_dual_dataset`) and the position
 * counterfactual (`decode_abstract_models.py` and `run_mmlstm.py`). Pure functions; undefined means "no valid
 * counterfactual", and such a pair is dropped.
 */
import { parseNounPhrase, type NounPhrase } from './grammar';
import { simulate, type Action } from './simulator';
import { Direction, type Position, type World } from './world';

export const ATTRIBUTES = ['size', 'color', 'shape'] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

/** What a counterfactual needs of an example (a `ReascanExample` has all of it). */
export interface CounterfactualExample {
  command: readonly string[];
  /** The target's description, "small red circle". */
  referredTarget: string;
  verb: string;
  adverb: string;
  situation: World;
}

function described(e: CounterfactualExample): NounPhrase | undefined {
  return parseNounPhrase(e.referredTarget);
}

/** The attributes both descriptions mention, in the order size, colour, shape (IIT samples from none ∪ these). */
export function sharedAttributes(base: CounterfactualExample, source: CounterfactualExample): Attribute[] {
  const [b, s] = [described(base), described(source)];
  if (!b || !s) return [];
  return ATTRIBUTES.filter((a) => b[a] !== undefined && s[a] !== undefined);
}

export interface AttributeCounterfactual {
  attribute: Attribute;
  /** The base's description with the source's value of `attribute`. */
  description: NounPhrase;
  /** The object it picks out in the base world. */
  target: Position;
  /** The base's verb and adverb carried out on that object (no SOS / EOS). */
  actions: Action[];
  /**
   * Token positions in the commands (0-based over the command's words; the encoder input puts SOS first, so
   * its position is this + 1): the swapped attribute's word in base and source, and the noun (shape word) in
   * base and source, where the aligned encoder output is read.
   */
  baseAttributeToken: number;
  sourceAttributeToken: number;
  baseNounToken: number;
  sourceNounToken: number;
}

export interface AttributeOptions {
  /**
   * `--restrict_sampling by_attribute`: no counterfactual whose description is held out (a yellow square, or a
   * small cylinder with or without a colour). ReaSCAN-Causal tests the comma-joined "size,colour,shape", in
   * which a colourless small cylinder reads "small,,cylinder" and slips through; this skips it too.
   */
  restrict?: boolean;
  /** No counterfactual with more actions than this (ReaSCAN-Causal: the longest target in the batch). */
  maxActions?: number;
}

/** Held out by novel colour or novel size. */
export function isHeldOutDescription(np: NounPhrase): boolean {
  return (np.color === 'yellow' && np.shape === 'square') || (np.size === 'small' && np.shape === 'cylinder');
}

/**
 * Resolve a description in a world the way the counterfactual does: with a size word, exactly two objects of
 * the shape (and colour) with different sizes, taking the bigger or smaller; without one, exactly one object.
 */
export function resolveForCounterfactual(np: NounPhrase, world: World): Position | undefined {
  const candidates = world.objects.filter(
    (o) => o.object.shape === np.shape && (np.color === undefined || o.object.color === np.color),
  );
  if (np.size === undefined) return candidates.length === 1 ? candidates[0]!.position : undefined;
  if (candidates.length !== 2 || candidates[0]!.object.size === candidates[1]!.object.size) return undefined;
  const [smaller, bigger] = [...candidates].sort((a, b) => a.object.size - b.object.size);
  return (np.size === 'small' ? smaller : bigger)!.position;
}

/**
 * Swap `attribute` of the source's description into the base's, re-resolve it in the base world and carry out
 * the base's verb and adverb on what it picks out. Undefined when either description does not mention the
 * attribute, the new description does not pick out an object, or an option rules it out.
 */
export function attributeCounterfactual(
  base: CounterfactualExample,
  source: CounterfactualExample,
  attribute: Attribute,
  options: AttributeOptions = {},
): AttributeCounterfactual | undefined {
  const [b, s] = [described(base), described(source)];
  if (!b || !s || b[attribute] === undefined || s[attribute] === undefined) return undefined;
  const description: NounPhrase = { ...b, [attribute]: s[attribute] };
  if (options.restrict && isHeldOutDescription(description)) return undefined;
  const target = resolveForCounterfactual(description, base.situation);
  if (!target) return undefined;
  const actions = simulate(base.situation, target, base.verb, base.adverb);
  if (options.maxActions !== undefined && actions.length > options.maxActions) return undefined;
  const at = (cmd: readonly string[], word: string) => cmd.indexOf(word);
  const tokens = {
    baseAttributeToken: at(base.command, b[attribute]!),
    sourceAttributeToken: at(source.command, s[attribute]!),
    baseNounToken: at(base.command, b.shape),
    sourceNounToken: at(source.command, s.shape),
  };
  if (Object.values(tokens).some((i) => i < 0)) return undefined;
  return { attribute, description, target, actions, ...tokens };
}

// --- Position ------------------------------------------------------------------------------------------------------

/** The high-level state of the walk: target minus agent, in rows and columns (the agent starts facing East). */
export interface PositionState {
  rowDiff: number;
  colDiff: number;
}
export type PositionVariable = keyof PositionState;
/** ReaSCAN-Causal's variable index k: 0 = rowDiff, 1 = colDiff. */
export const POSITION_VARIABLES: readonly PositionVariable[] = ['rowDiff', 'colDiff'];

export function positionState(agent: Position, target: Position): PositionState {
  return { rowDiff: target.row - agent.row, colDiff: target.column - agent.column };
}

/**
 * The walk-only policy from `state`, facing East: fix the column difference first (face East or West; reversing
 * is two left turns), then the row difference (face South or North). The same actions as `simulate` gives for
 * "walk to" with no adverb.
 */
export function walkOnlyActions(state: PositionState): Action[] {
  const out: Action[] = [];
  const walks = (n: number) => out.push(...new Array<Action>(Math.abs(n)).fill('walk'));
  let facing: Direction = Direction.East;
  if (state.colDiff < 0) {
    out.push('turn left', 'turn left');
    facing = Direction.West;
  }
  walks(state.colDiff);
  if (state.rowDiff !== 0) {
    const south = state.rowDiff > 0;
    // East → South is a right turn, West → South a left one; North the other way round.
    out.push((facing === Direction.East) === south ? 'turn right' : 'turn left');
  }
  walks(state.rowDiff);
  return out;
}

export interface PositionCounterfactual {
  state: PositionState;
  actions: Action[];
}

/** Replace the base's `variable` with the source's and roll out the walk-only policy (no EOS appended). */
export function positionCounterfactual(
  base: PositionState,
  source: PositionState,
  variable: PositionVariable,
): PositionCounterfactual {
  const state = { ...base, [variable]: source[variable] };
  return { state, actions: walkOnlyActions(state) };
}

/**
 * Whether ReaSCAN-Causal trains on the pair: both base and source must have at least one action (the
 * intervention sits after the first decoding step), and `--restrict_sampling` can rule out counterfactuals that
 * fall in a held-out split — by_direction: target strictly South-West; by_length: 12 or more tokens counting
 * SOS and EOS (10 or more actions).
 */
export function positionPairAllowed(
  cf: PositionCounterfactual,
  baseActions: number,
  sourceActions: number,
  restrict: 'none' | 'by_direction' | 'by_length' = 'none',
): boolean {
  if (baseActions < 1 || sourceActions < 1) return false;
  if (restrict === 'by_direction') return !(cf.state.rowDiff > 0 && cf.state.colDiff < 0);
  if (restrict === 'by_length') return cf.actions.length + 2 < 12;
  return true;
}
