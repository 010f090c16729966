/**
 * Align mode (DAS): find where a trained network holds the causal model's variables. The network's weights come
 * from a finished run and stay frozen; only the interventions' parameters (the rotations of `rotate` / `lowRank`
 * alignments) train, with the IIT loss. It is the one training pipeline (`trainRun`) with `from` and `freeze`, so
 * the run directory, checkpoints, resume and evaluation are those of any run.
 */
import type { AlignmentDecl } from '../engine/alignment';
import { IITError } from '../engine/errors';
import { INTERVENTIONS } from '../engine/interventions';
import type { Experiment, ResolvedConfig } from '../engine/experiment';
import { loadExperiment, located } from './open';
import { trainRun, type TrainOutcome, type TrainRequest } from './train';

export interface AlignRequest extends Omit<TrainRequest, 'from' | 'freeze' | 'resume' | 'alignment'> {
  file: string;
  /** The finished run whose network is aligned. */
  run: string;
  /**
   * Aligns `variables` (default: the configuration's) at this site instead of where the configuration puts them,
   * `dims` coordinates each of one learned basis (the configuration's kind: rotate or lowRank).
   */
  site?: string;
  dims?: number;
  variables?: string[];
}

/** The alignment-entry keys of the learned intervention kinds (rotate, lowRank, boundless, mask). */
const LEARNED_KEYS = Object.values(INTERVENTIONS).flatMap((k) => (k.key ? [k.key] : []));

/** Whether a configuration aligns some variable with a learned intervention kind. */
function learnsBasis(c: ResolvedConfig): boolean {
  return Object.values(c.alignment).some((e) => e && LEARNED_KEYS.some((k) => e[k] !== undefined));
}

/**
 * The configuration to align with: the one asked for, else the only one with a learned basis. It must have one, and
 * an IIT objective to train it with.
 */
export function alignConfig(exp: Experiment, name?: string): ResolvedConfig {
  const loc = exp.location;
  let config: ResolvedConfig;
  try {
    if (name !== undefined) config = exp.resolve(name);
    else {
      const learning = exp.configNames.filter((n) => learnsBasis(exp.resolve(n)));
      if (learning.length !== 1)
        throw new IITError(
          'bad-config',
          learning.length === 0
            ? `align: no configuration of ${exp.name} aligns a variable with rotate or lowRank`
            : `align: ${learning.length} configurations learn a basis (${learning.join(', ')}); which one?`,
          learning.length === 0
            ? "give a configuration an alignment such as { WX: { site: 'h1', rotate: { dims: 4 } } }"
            : `pass --config ${learning[0]}`,
          loc,
          'configs',
        );
      config = exp.resolve(learning[0]);
    }
  } catch (e) {
    throw located(e);
  }
  if (!learnsBasis(config))
    throw located(
      new IITError(
        'bad-config',
        `align: configuration ${config.name} aligns no variable with rotate or lowRank, so there is nothing to learn`,
        "align a variable with rotate: { dims } (or lowRank) in that configuration's alignment",
        loc,
        config.name,
      ),
    );
  if (config.objectives.iit + config.objectives.typedIit === 0)
    throw located(
      new IITError(
        'bad-config',
        `align: configuration ${config.name} has no IIT objective to train the rotation with`,
        'set objectives: { iit: 1 } in that configuration',
        loc,
        config.name,
      ),
    );
  return config;
}

/** Trains the chosen configuration's interventions on `run`'s frozen network: a new run directory. */
export async function alignRun(req: AlignRequest): Promise<TrainOutcome> {
  const exp = await loadExperiment(req.file);
  const config = alignConfig(exp, req.config);
  const { site, dims, variables, ...rest } = req;
  const alignment = site !== undefined || dims !== undefined ? placed(exp, config, site, dims, variables) : undefined;
  return trainRun({
    ...rest,
    config: config.name,
    from: req.run,
    freeze: 'network',
    ...(alignment ? { alignment } : {}),
  });
}

/** The alignment `align --site S --dims K [--variables A,B]` asks for: each variable K coordinates at S. */
export function placed(
  exp: Experiment,
  config: ResolvedConfig,
  site: string | undefined,
  dims: number | undefined,
  variables?: string[],
): AlignmentDecl {
  const where = exp.location;
  if (site === undefined || dims === undefined)
    throw new IITError(
      'bad-config',
      'align: --site and --dims go together',
      'give both, e.g. --site h1 --dims 4',
      where,
    );
  const declared = Object.keys(config.alignment).filter((v) => config.alignment[v]);
  const vars = variables?.length ? variables : declared;
  const intermediates: string[] = exp.model.intermediates;
  for (const v of vars)
    if (!intermediates.includes(v))
      throw new IITError(
        'bad-config',
        `align: '${v}' is not an intermediate variable of ${exp.name}'s causal model`,
        `use one of ${intermediates.join(', ')}`,
        where,
      );
  // The configuration's kind of basis (lowRank stays lowRank); rotate otherwise.
  const lowRank = declared.some((v) => config.alignment[v]!.lowRank !== undefined);
  return Object.fromEntries(vars.map((v) => [v, lowRank ? { site, lowRank: { dims } } : { site, rotate: { dims } }]));
}
