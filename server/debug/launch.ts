/**
 * The `iit` launch configuration: which experiment, configuration and
 * weights, which variable (or typed pair V→V′), which base and source.
 * Validation names the launch.json field and the fix; errors in the
 * experiment file itself keep their file and line.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadExperiment, openExperiment, runOverrides } from '../app/open';
import type { Setting, Swap } from '../engine/causal';
import { IITError } from '../engine/errors';
import type { Experiment } from '../engine/experiment';
import type { Session } from '../engine/session';
import { formatValue, type Value } from '../engine/values';
import { RUN_FILES } from '../runs/layout';
import type { RunConfig } from '../runs/config';
import { readRunConfig } from '../runs/runDir';
import { hasWeights, readWeights } from '../runs/weights';
import { experimentLines, type ExperimentLines } from './lines';
import type { PairInput } from './trace';

export interface LaunchArgs {
  /** Experiment file (absolute, or relative to `cwd`). */
  experiment?: string;
  /** Configuration name; default `default`. */
  config?: string;
  /** A run directory written by `iit-studio train`: its weights (and its configuration and seed). */
  runDir?: string;
  /** Seed of the untrained network when no runDir is given. */
  seed?: number;
  /** An aligned variable, `V→V′` / `V->V′` for a typed interchange, or { from, to }. */
  variable?: string | Swap;
  /** A dataset index in `split`, or literal inputs such as { X1: false, X2: true }. */
  base?: number | Record<string, unknown>;
  source?: number | Record<string, unknown>;
  split?: string;
  stopOnEntry?: boolean;
  /** Compute backend; default cpu (one example at a time). */
  backend?: string;
  /** Directory relative paths resolve against. */
  cwd?: string;
}

export interface Prepared {
  args: LaunchArgs;
  experiment: Experiment;
  session: Session;
  lines: ExperimentLines;
  config: string;
  split: string;
  swaps: Swap[];
  base: PairInput;
  source: PairInput;
  /** What the weights are: a run directory, or the untrained network's seed. */
  weights: string;
}

/** A launch configuration error: the field, what is wrong, and the fix. */
export class LaunchError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly fix: string,
  ) {
    super(`launch.json "${field}": ${message} — ${fix}`);
    this.name = 'LaunchError';
  }
}

function parseVariable(v: LaunchArgs['variable'], exp: Experiment, session: Session): Swap[] {
  const aligned = session.alignment.variables;
  if (v === undefined || v === '')
    throw new LaunchError('variable', 'missing', `set it to one of ${aligned.join(', ')}`);
  let swap: Swap;
  if (typeof v === 'string') {
    const parts = v.split(/\s*(?:→|->)\s*/);
    if (parts.length > 2) throw new LaunchError('variable', `'${v}' has more than one arrow`, "write 'V' or 'V→W'");
    swap = { from: parts[0]!.trim(), to: (parts[1] ?? parts[0]!).trim() };
  } else if (v && typeof v === 'object' && typeof v.from === 'string' && typeof v.to === 'string') swap = v;
  else
    throw new LaunchError(
      'variable',
      `${JSON.stringify(v)} is not a variable name`,
      `set it to one of ${aligned.join(', ')}`,
    );
  for (const name of [swap.from, swap.to]) {
    if (!aligned.includes(name)) {
      const what = exp.model.names.includes(name)
        ? 'is not aligned in this configuration'
        : 'is not a variable of the causal model';
      throw new LaunchError('variable', `${name} ${what}`, `use one of ${aligned.join(', ')}`);
    }
  }
  if (exp.model.typeOf(swap.from) !== exp.model.typeOf(swap.to)) {
    throw new LaunchError(
      'variable',
      `${swap.from} and ${swap.to} have different types`,
      'a typed interchange V→W needs variables declared with the same `type`',
    );
  }
  return [swap];
}

function parseInput(field: 'base' | 'source', v: LaunchArgs['base'], session: Session, split: string): PairInput {
  const model = session.experiment.model;
  if (typeof v === 'number') {
    const data = session.split(split);
    if (!Number.isInteger(v) || v < 0 || v >= data.size) {
      throw new LaunchError(
        field,
        `index ${v} is outside split '${split}' (${data.size} inputs)`,
        `use an integer 0..${data.size - 1}, or literal inputs such as ${literalExample(session)}`,
      );
    }
    return { index: v, input: data.input(v) };
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const input: Record<string, Value> = {};
    for (const k of Object.keys(v)) {
      if (!model.inputs.includes(k))
        throw new LaunchError(
          field,
          `'${k}' is not an input of the causal model`,
          `give exactly the inputs ${model.inputs.join(', ')}`,
        );
    }
    for (const k of model.inputs) {
      if (!(k in v))
        throw new LaunchError(field, `input ${k} is missing`, `give every input, e.g. ${literalExample(session)}`);
      const set = model.valueSet(k);
      const x = (v as Record<string, unknown>)[k];
      if (!set.has(x))
        throw new LaunchError(
          field,
          `${k} = ${JSON.stringify(x)} is outside ${set.describe()}`,
          `give ${k} a value in ${set.describe()}`,
        );
      input[k] = x as Value;
    }
    return { input: input as Setting<Record<string, Value>> };
  }
  throw new LaunchError(
    field,
    v === undefined ? 'missing' : `${JSON.stringify(v)} is neither an index nor inputs`,
    `give an index in split '${split}' or literal inputs such as ${literalExample(session)}`,
  );
}

function literalExample(session: Session): string {
  const model = session.experiment.model;
  return `{ ${model.inputs.map((k) => `"${k}": ${JSON.stringify(model.valueSet(k).at(0))}`).join(', ')} }`;
}

/** Loads the experiment, the weights and the pair; throws LaunchError or IITError. */
export async function prepare(args: LaunchArgs): Promise<Prepared> {
  const cwd = args.cwd ?? process.cwd();
  if (typeof args.experiment !== 'string' || !args.experiment) {
    throw new LaunchError(
      'experiment',
      'missing',
      'set it to the experiment file, e.g. "${file}" or "samples/conjunction/figure1.ts"',
    );
  }
  const file = path.resolve(cwd, args.experiment);
  if (!existsSync(file))
    throw new LaunchError(
      'experiment',
      `${file} does not exist`,
      'point it at an experiment file (relative paths resolve against the workspace folder)',
    );
  let runConfig: { config?: string; seed?: number; overrides?: RunConfig['overrides'] } = {};
  let runDir: string | undefined;
  if (args.runDir !== undefined) {
    runDir = path.resolve(cwd, args.runDir);
    if (!hasWeights(runDir)) {
      throw new LaunchError(
        'runDir',
        `${runDir} holds no weights (${RUN_FILES.model} missing)`,
        'give a directory written by `iit-studio train`, or remove runDir to debug the untrained network',
      );
    }
    const c = readRunConfig(runDir);
    if (c) runConfig = c;
    else {
      throw new LaunchError(
        'runDir',
        `${runDir}/${RUN_FILES.config} is missing or unreadable`,
        'give a directory written by `iit-studio train`',
      );
    }
  }
  if (args.seed !== undefined && !Number.isInteger(args.seed))
    throw new LaunchError('seed', `${JSON.stringify(args.seed)} is not an integer`, 'give an integer seed');
  const exp = await loadExperiment(file);
  const config = args.config ?? runConfig.config ?? 'default';
  if (!exp.configNames.includes(config))
    throw new LaunchError(
      'config',
      `the experiment has no configuration '${config}'`,
      `use one of ${exp.configNames.join(', ')}`,
    );
  if (runConfig.config !== undefined && args.config !== undefined && runConfig.config !== args.config) {
    throw new LaunchError(
      'config',
      `'${args.config}' differs from the run's configuration '${runConfig.config}'`,
      `remove config or set it to '${runConfig.config}'`,
    );
  }
  const seed = args.seed ?? runConfig.seed ?? 0;
  let session: Session;
  try {
    // The run's overrides (an align run's alignment among them), so its saved parameters fit the session.
    ({ session } = await openExperiment(
      { file, config, seed, backend: args.backend ?? 'cpu', ...runOverrides(runConfig) },
      exp,
    ));
  } catch (e) {
    if (e instanceof IITError && e.code === 'backend')
      throw new LaunchError('backend', e.message, "use 'cpu' (always available) or run `iit-studio backends`");
    throw e;
  }
  try {
    if (runDir) session.net.setParameters(readWeights(runDir)!);
    const split = args.split ?? 'train';
    if (!session.splits.has(split))
      throw new LaunchError(
        'split',
        `the experiment has no split '${split}'`,
        `use one of ${[...session.splits.keys()].join(', ')}`,
      );
    const swaps = parseVariable(args.variable, exp, session);
    const base = parseInput('base', args.base, session, split);
    const source = parseInput('source', args.source, session, split);
    return {
      args,
      experiment: exp,
      session,
      lines: experimentLines(exp, config),
      config,
      split,
      swaps,
      base,
      source,
      weights: runDir ? `run ${path.basename(runDir)}` : `untrained (seed ${seed})`,
    };
  } catch (e) {
    session.dispose();
    throw e;
  }
}

/** An input as the debugger labels it: `#1 (F,T)`. */
export function describeInput(x: PairInput): string {
  const vals = Object.values(x.input).map((v) => formatValue(v));
  return `${x.index !== undefined ? `#${x.index} ` : ''}(${vals.join(',')})`;
}
