/**
 * Opening an experiment for a run: load the file (with the libraries it may
 * import registered), resolve the configuration, pick the backend, build the
 * Session. Training, evaluation, inspection, the server's check and the
 * debugger all start here; every IITError leaves with its declaration's line.
 */
import { IITError } from '../engine/errors';
import type { RunConfig } from '../runs/config';
import { RunDirError } from '../runs/errors';
import type { AlignmentDecl } from '../engine/alignment';
import type { Experiment, ResolvedConfig } from '../engine/experiment';
import { loadExperiment as load, refine } from '../engine/loader';
import { Session } from '../engine/session';
import { activateBackend, kernelsNeeded } from './backend';
import { registerExperimentModules } from './modules';

/** The error with its location moved to the declaration it is about. */
export function located(e: unknown): unknown {
  return e instanceof IITError ? refine(e) : e;
}

/** Run-directory errors as IITErrors, so every front end reports them as bad input with their fix. */
export function asIITError(e: unknown): unknown {
  return e instanceof RunDirError ? new IITError('load', e.message, e.fix) : e;
}

/** Loads an experiment file; its errors name the file and line. */
export async function loadExperiment(file: string): Promise<Experiment> {
  registerExperimentModules();
  return load(file).catch((e: unknown) => Promise.reject(located(e)));
}

export interface OpenRequest {
  file: string;
  config?: string;
  seed?: number;
  /** Backend name, or 'auto' (the default). */
  backend?: string;
  /**
   * The training length and batch size instead of the configuration's (smoke runs, `train --steps/--batch`);
   * `freeze: 'network'` trains only the interventions' parameters (`iit-studio align`); `alignment` replaces the
   * configuration's (`align --site --dims`, the cells of `search`).
   */
  overrides?: { steps?: number; batchSize?: number; freeze?: 'network'; alignment?: AlignmentDecl };
  /**
   * Profile one tiny training step on cpu first, so that `auto` skips backends lacking a kernel it needs
   * (training does; evaluation and inspection run forward kernels every backend has).
   */
  profileKernels?: boolean;
  log?: (msg: string) => void;
}

export interface OpenedExperiment {
  exp: Experiment;
  config: ResolvedConfig;
  session: Session;
  backend: string;
  seed: number;
}

/** A run's recorded overrides, as `openExperiment` takes them (a run directory holds them as plain JSON). */
export function runOverrides(c: Pick<RunConfig, 'overrides'>): Pick<OpenRequest, 'overrides'> {
  return c.overrides ? { overrides: c.overrides as OpenRequest['overrides'] } : {};
}

export function resolveConfig(exp: Experiment, name?: string, overrides?: OpenRequest['overrides']): ResolvedConfig {
  try {
    const config = exp.resolve(name);
    if (overrides?.steps !== undefined) {
      config.training.steps = overrides.steps;
      delete config.training.epochs;
    }
    if (overrides?.batchSize !== undefined) config.training.batchSize = overrides.batchSize;
    if (overrides?.freeze !== undefined) config.training.freeze = overrides.freeze;
    if (overrides?.alignment !== undefined) config.alignment = overrides.alignment;
    return config;
  } catch (e) {
    throw located(e);
  }
}

/** An experiment ready to run; the caller disposes `session`. */
export async function openExperiment(req: OpenRequest, loaded?: Experiment): Promise<OpenedExperiment> {
  const exp = loaded ?? (await loadExperiment(req.file));
  const seed = req.seed ?? 0;
  const config = resolveConfig(exp, req.config, req.overrides);
  try {
    const kernels = req.profileKernels ? await kernelsNeeded(exp, config, seed) : undefined;
    const backend = await activateBackend(req.backend ?? 'auto', req.log, kernels);
    return { exp, config, session: new Session(exp, config, seed), backend, seed };
  } catch (e) {
    throw located(e);
  }
}
