/**
 * The high-level causal model of ReaSCAN (paper §5) over a table of examples: the input is the example (its world,
 * verb, adverb and command), the intermediate variables are the referred object's description (size, colour, shape:
 * attribute IIT) and where the target lies from the agent (rowDiff, colDiff: position IIT), and the output is the
 * action sequence. Under an interchange the output is the counterfactual the authors compute; `null` where there is
 * none (a description that picks out no object, a pushed object relocated), and such a pair is dropped.
 */
import { causalModel, type CausalModel } from '../engine/causal';
import { oneOf, range, sequence } from '../engine/values';
import {
  ACTIONS,
  COLORS,
  SIZE_WORDS,
  TARGET_SHAPES,
  inGrid,
  isNovelDirection,
  isNovelLength,
  parseNounPhrase,
  positionState,
  resolveForCounterfactual,
  simulate,
  type Action,
  type NounPhrase,
  type Position,
  type ReascanExample,
} from '../data/reascan/index';

/** The value of an attribute the description leaves out ("the circle" has no size and no colour). */
export const NONE = 'none';

export const ATTRIBUTE_VARIABLES = ['size', 'color', 'shape'] as const;
export const POSITION_VARIABLES = ['rowDiff', 'colDiff'] as const;

export type ReascanValues = {
  example: number;
  size: (typeof SIZE_WORDS)[number] | typeof NONE;
  color: (typeof COLORS)[number] | typeof NONE;
  shape: (typeof TARGET_SHAPES)[number];
  rowDiff: number;
  colDiff: number;
  /** The actions, without SOS and EOS (the equation returns null where there is no valid counterfactual). */
  actions: readonly Action[];
};

type Description = Pick<ReascanValues, 'size' | 'color' | 'shape'>;

/** The referred object's description as the three variables' values. */
export function descriptionOf(e: ReascanExample): Description {
  const np = parseNounPhrase(e.referredTarget);
  if (!np) throw new Error(`referred target "${e.referredTarget}" is not a ReaSCAN description`);
  return { size: np.size ?? NONE, color: np.color ?? NONE, shape: np.shape as Description['shape'] };
}

function nounPhrase(d: Description): NounPhrase {
  return {
    shape: d.shape,
    ...(d.size !== NONE ? { size: d.size } : {}),
    ...(d.color !== NONE ? { color: d.color } : {}),
  } as NounPhrase;
}

/**
 * Held-out kinds (Figure 3b) an outcome falls in: a counterfactual must not carry a training example into one (the
 * authors' `--restrict_sampling`), or IIT would train on what the split holds out.
 */
function novel(d: Description, agent: Position, target: Position, actions: readonly string[]): boolean[] {
  // isNovelColor and isNovelSize of the command's words, read off the description.
  const color = d.color === 'yellow' && d.shape === 'square';
  const size = d.size === 'small' && d.shape === 'cylinder';
  return [color, size, isNovelDirection(agent, target), isNovelLength(actions)];
}

function introducesHeldOut(base: boolean[], cf: boolean[]): boolean {
  return cf.some((x, i) => x && !base[i]);
}

export interface ReascanModelOptions {
  /** The longest action sequence the output takes (the decoder's steps less one for EOS). */
  maxActions: number;
}

/**
 * The counterfactual actions of example `e` under the values `x` of the five variables: the example's own actions
 * when nothing changed; the re-resolved description carried out in the base world when only attributes changed
 * (ReaSCAN-Causal's `get_dual_dataset`); the walk to the moved target when only the position changed (the walk-only
 * roll-out for "walk" with no adverb, the simulator for an adverb; a push or pull of another place has none).
 */
export function counterfactualActions(
  e: ReascanExample,
  x: Omit<ReascanValues, 'example' | 'actions'>,
  o: ReascanModelOptions,
): readonly Action[] | null {
  const d = descriptionOf(e);
  const target = e.situation.target!.position;
  const state = positionState(e.situation.agent, target);
  const attrs = ATTRIBUTE_VARIABLES.filter((a) => x[a] !== d[a]);
  const moved = POSITION_VARIABLES.some((v) => x[v] !== state[v]);
  if (!attrs.length && !moved) return e.targetCommands as Action[];
  if (attrs.length && moved) return null;
  const base = novel(d, e.situation.agent, target, e.targetCommands);
  const after = { size: x.size, color: x.color, shape: x.shape };
  let to: Position | undefined;
  if (attrs.length) {
    // An attribute the base's description leaves out cannot be swapped in, nor one it has swapped out.
    if (attrs.some((a) => (x[a] === NONE) !== (d[a] === NONE))) return null;
    to = resolveForCounterfactual(nounPhrase(after), e.situation);
  } else {
    if (e.verb !== 'walk') return null;
    to = { row: e.situation.agent.row + x.rowDiff, column: e.situation.agent.column + x.colDiff };
    if (!inGrid(to, e.situation.gridSize)) return null;
  }
  if (!to) return null;
  const actions = simulate(e.situation, to, e.verb, e.adverb);
  if (actions.length > o.maxActions) return null;
  if (introducesHeldOut(base, novel(after, e.situation.agent, to, actions))) return null;
  return actions;
}

/** The causal model over `examples` (every split's, in one table; the input `example` indexes it). */
export function reascanCausalModel(
  examples: readonly ReascanExample[],
  o: ReascanModelOptions,
): CausalModel<ReascanValues> {
  if (!examples.length) throw new Error('reascanCausalModel: no examples');
  const g = examples.reduce((m, e) => Math.max(m, e.situation.gridSize), 0) - 1;
  const at = (i: number) => examples[i]!;
  const described = (i: number) => descriptionOf(at(i));
  const where = (i: number) => positionState(at(i).situation.agent, at(i).situation.target!.position);
  return causalModel<ReascanValues>({
    example: { values: range(0, examples.length - 1) },
    size: { values: oneOf(NONE, ...SIZE_WORDS), parents: ['example'], f: (x) => described(x.example).size },
    color: { values: oneOf(NONE, ...COLORS), parents: ['example'], f: (x) => described(x.example).color },
    shape: { values: oneOf(...TARGET_SHAPES), parents: ['example'], f: (x) => described(x.example).shape },
    rowDiff: { values: range(-g, g), parents: ['example'], f: (x) => where(x.example).rowDiff },
    colDiff: { values: range(-g, g), parents: ['example'], f: (x) => where(x.example).colDiff },
    actions: {
      values: sequence(oneOf(...ACTIONS), o.maxActions) as never,
      parents: ['example', 'size', 'color', 'shape', 'rowDiff', 'colDiff'],
      // null is no value of the set: the engine reads it as "no counterfactual" and drops the pair.
      f: (x) => counterfactualActions(at(x.example), x, o) as readonly Action[],
    },
  });
}
