/**
 * Experiment declarations: what a user's experiment file default-exports.
 * An experiment names the causal model, a network factory, the alignment,
 * data, objectives and training settings, with named configurations that
 * override parts of it.
 */
import type { AlignmentDecl } from './alignment';
import type { CausalModel, Setting, Swap } from './causal';
import type { Split } from './data';
import { IITError, callerLocation, type SourceLocation } from './errors';
import type { Feeds, Network } from './network';
import type { OutputLoss } from './objectives';
import type { OptimizerDecl, ScheduleDecl } from './optim';
import type { Value } from './values';

export interface ObjectivesDecl {
  /** Behavioural loss on the base inputs. */
  task?: number;
  /** IIT loss, Eq. 4: same-variable interchange interventions. */
  iit?: number;
  /** Typed IIT loss, Eq. 7: swaps V→V′ between all variables of one type (V′ = V included). */
  typedIit?: number;
}

export interface ExplicitPair<M> {
  base: Setting<M>;
  source: Setting<M>;
  /** One variable, or typed swaps. */
  variable: (keyof M & string) | Swap<keyof M & string>[];
}

export interface TrainingDecl<M = Record<string, Value>> {
  optimizer?: OptimizerDecl;
  schedule?: ScheduleDecl;
  batchSize?: number;
  /** Number of optimizer steps; or give epochs. */
  steps?: number;
  /** Passes over all (base, source, intervention) triples of the train split (exhaustive pairs). */
  epochs?: number;
  /** 'all': every ordered pair each epoch; 'sample': random pairs each step; or an explicit list. */
  pairs?: 'all' | 'sample' | ExplicitPair<M>[];
  /** Evaluate every N steps (0: at the end only). */
  evalEvery?: number;
  /** Stop early once the train split reaches these (checked at each evaluation). */
  until?: { iia?: number; behavioral?: number };
}

export interface EvaluationDecl {
  /** Splits to evaluate; default all declared. */
  splits?: string[];
  /** Pairs per intervention when sampling (spaces too large for exact IIA). */
  pairs?: number;
  /** Evaluate once before training too (the report's `before`). */
  before?: boolean;
  /** Largest number of ordered pairs × interventions evaluated exactly. */
  exactLimit?: number;
}

export interface ConfigDecl<M = Record<string, Value>> {
  description?: string;
  objectives?: ObjectivesDecl;
  training?: TrainingDecl<M>;
  evaluation?: EvaluationDecl;
  alignment?: AlignmentDecl<M>;
}

export interface ExperimentDecl<M extends Record<string, Value>> extends ConfigDecl<M> {
  name?: string;
  model: CausalModel<M>;
  /** Builds a fresh network; random initialisation draws from `seed`. */
  network: (ctx: { seed: number }) => Network;
  /** Features of one input for the network's single input. */
  encode?: (input: Setting<M>) => ArrayLike<number>;
  /** Or: the network's inputs for a batch of inputs. */
  encodeBatch?: (inputs: Setting<M>[]) => Feeds;
  alignment: AlignmentDecl<M>;
  output?: { variable?: keyof M & string; loss?: OutputLoss };
  /** Named splits of inputs; default `{ train: every input }` for finite input spaces. */
  data?: Record<string, readonly Setting<M>[] | Split<Setting<M>>>;
  configs?: Record<string, ConfigDecl<M>>;
}

export interface ResolvedConfig {
  name: string;
  description?: string;
  objectives: Required<ObjectivesDecl>;
  training: Required<Omit<TrainingDecl, 'schedule' | 'until' | 'pairs' | 'steps' | 'epochs'>> &
    Pick<TrainingDecl, 'schedule' | 'until' | 'pairs' | 'steps' | 'epochs'>;
  evaluation: Required<EvaluationDecl>;
  alignment: AlignmentDecl;
}

export const DEFAULT_CONFIG = 'default';

export class Experiment<M extends Record<string, Value> = Record<string, Value>> {
  /** Set by the loader: the experiment file. */
  file?: string;

  constructor(
    readonly decl: ExperimentDecl<M>,
    readonly location?: SourceLocation,
  ) {
    if (!decl || typeof decl !== 'object') throw new IITError('bad-config', 'experiment(): give a declaration object', 'call experiment({ model, network, alignment, ... })', location);
    if (!decl.model || typeof decl.model.run !== 'function') {
      throw new IITError('bad-config', 'experiment: no causal model', 'set model: causalModel({...})', location, 'model');
    }
    if (typeof decl.network !== 'function') {
      throw new IITError('bad-config', 'experiment: network must be a function that builds the network', 'set network: ({ seed }) => mlp({...})', location, 'network');
    }
    if (!decl.encode && !decl.encodeBatch) {
      throw new IITError('bad-config', 'experiment: no input encoding', 'set encode: (input) => number[] (or encodeBatch)', location, 'encode');
    }
    if (!decl.alignment || typeof decl.alignment !== 'object') {
      throw new IITError('bad-config', 'experiment: no alignment', 'set alignment: { V: { site, slice } }', location, 'alignment');
    }
  }

  get name(): string {
    return this.decl.name ?? this.file?.replace(/^.*[\\/]/, '').replace(/\.[cm]?[jt]s$/, '') ?? 'experiment';
  }

  get model(): CausalModel<M> {
    return this.decl.model;
  }

  /** Configuration names: `default` (the top level) then the declared ones. */
  get configNames(): string[] {
    return [DEFAULT_CONFIG, ...Object.keys(this.decl.configs ?? {}).filter((n) => n !== DEFAULT_CONFIG)];
  }

  resolve(name: string = DEFAULT_CONFIG): ResolvedConfig {
    const d = this.decl;
    const c: ConfigDecl<M> | undefined = name === DEFAULT_CONFIG ? d.configs?.[DEFAULT_CONFIG] : d.configs?.[name];
    if (name !== DEFAULT_CONFIG && !c) {
      throw new IITError('bad-config', `experiment has no configuration '${name}'`, `use one of ${this.configNames.join(', ')}`, this.location, name);
    }
    const objectives = c?.objectives ?? d.objectives ?? { task: 1, iit: 1 };
    const training = { ...d.training, ...c?.training } as TrainingDecl;
    const evaluation = { ...d.evaluation, ...c?.evaluation };
    const r: ResolvedConfig = {
      name,
      description: c?.description ?? d.description,
      objectives: { task: objectives.task ?? 0, iit: objectives.iit ?? 0, typedIit: objectives.typedIit ?? 0 },
      training: {
        ...training,
        optimizer: training.optimizer ?? { type: 'adam', lr: 1e-3 },
        batchSize: training.batchSize ?? 64,
        evalEvery: training.evalEvery ?? 0,
      },
      evaluation: {
        splits: evaluation.splits ?? [],
        pairs: evaluation.pairs ?? 2000,
        before: evaluation.before ?? false,
        exactLimit: evaluation.exactLimit ?? 250_000,
      },
      alignment: (c?.alignment ?? d.alignment) as AlignmentDecl,
    };
    for (const [k, w] of Object.entries(r.objectives)) {
      if (!(w >= 0) || !Number.isFinite(w)) throw new IITError('bad-config', `objective weight ${k} = ${w}`, 'weights are finite numbers >= 0', this.location, 'objectives');
    }
    if (r.objectives.task + r.objectives.iit + r.objectives.typedIit === 0) {
      throw new IITError('bad-config', `configuration ${name} has no objective with a positive weight`, 'set objectives: { task: 1, iit: 1 }', this.location, 'objectives');
    }
    if (!(r.training.batchSize >= 1)) throw new IITError('bad-config', `batchSize ${r.training.batchSize}`, 'use a positive batch size', this.location, 'training');
    return r;
  }
}

/**
 * Declares an experiment; an experiment file default-exports the result.
 * The model's value types check the declaration; the result is erased to
 * plain values, since equations make Experiment<M> invariant in M.
 */
export function experiment<M extends Record<string, Value>>(decl: ExperimentDecl<M>): Experiment {
  return new Experiment(decl, callerLocation()) as unknown as Experiment;
}
