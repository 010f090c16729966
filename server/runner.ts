/**
 * One training or evaluation run, end to end: load the experiment, choose
 * the backend, prepare the session, train, evaluate, and write the run
 * directory atomically. The CLI and the language server's worker both call
 * this, so their reports are the same for the same seed.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { evaluate } from './engine/evaluate';
import { IITError } from './engine/errors';
import { loadExperiment, refine } from './engine/loader';
import { plainName } from './engine/names';
import { buildReport, readRunWeights, RunWriter, type Report } from './engine/report';
import { Session } from './engine/session';
import { train, type TrainHooks } from './engine/train';
import { activateBackend, kernelsNeeded } from './backend';
// Experiment files may import 'iit-studio/pvr'.
import './pvr/index';

export interface TrainRequest {
  file: string;
  config?: string;
  seed?: number;
  backend?: string;
  /** Run directory to create; default `.iit/runs/<experiment>-<config>-<seed>-<time>` beside the cwd. */
  out?: string;
  params?: boolean;
  /** Overrides of the configuration's training length and batch size (quick looks, smoke runs). */
  steps?: number;
  batchSize?: number;
  hooks?: TrainHooks;
  log?: (msg: string) => void;
}

export interface TrainOutcome {
  report: Report;
  runDir: string;
}

function withLocation(e: unknown): unknown {
  return e instanceof IITError ? refine(e) : e;
}

export async function trainRun(req: TrainRequest): Promise<TrainOutcome> {
  const seed = req.seed ?? 0;
  const exp = await loadExperiment(req.file).catch((e) => Promise.reject(withLocation(e)));
  let session: Session;
  let backend: string;
  try {
    const config = exp.resolve(req.config);
    if (req.steps !== undefined) {
      config.training.steps = req.steps;
      delete config.training.epochs;
    }
    if (req.batchSize !== undefined) config.training.batchSize = req.batchSize;
    backend = await activateBackend(req.backend ?? 'auto', req.log, await kernelsNeeded(exp, config, seed));
    session = new Session(exp, config, seed);
  } catch (e) {
    throw withLocation(e);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = req.out ?? path.join('.iit', 'runs', `${exp.name}-${plainName(session.config.name)}-${seed}-${stamp}`);
  const run = RunWriter.create(out);
  try {
    run.writeJson('config.json', {
      experiment: exp.name,
      file: exp.file,
      config: session.config.name,
      seed,
      backend,
      resolved: session.config,
      data: exp.dataDigest(),
    });
    const hooks: TrainHooks = {
      ...req.hooks,
      onEval: (step, metrics) => {
        run.appendMetrics({ step, time: new Date().toISOString(), metrics });
        req.hooks?.onEval?.(step, metrics);
      },
    };
    const result = await train(session, { seed, hooks }).catch((e) => Promise.reject(withLocation(e)));
    const report = await buildReport({
      experiment: exp.name,
      config: session.config.name,
      backend,
      seed,
      steps: result.steps,
      metrics: result.metrics,
      ...(result.before ? { before: result.before } : {}),
      timing: { trainSeconds: result.trainSeconds, examplesPerSecond: result.examplesPerSecond },
      net: session.net,
      params: req.params,
    });
    run.writeJson('report.json', report);
    await run.saveWeights(session.net);
    return { report, runDir: run.commit() };
  } catch (e) {
    run.abort();
    throw e;
  } finally {
    session.dispose();
  }
}

export async function evalRun(req: {
  file: string;
  runDir: string;
  backend?: string;
  params?: boolean;
  log?: (m: string) => void;
}): Promise<Report> {
  const exp = await loadExperiment(req.file).catch((e) => Promise.reject(withLocation(e)));
  let cfg: { config?: string; seed?: number } = {};
  try {
    cfg = JSON.parse(readFileSync(path.join(req.runDir, 'config.json'), 'utf8'));
  } catch {
    throw new IITError(
      'load',
      `${req.runDir} is not a run directory (config.json missing or unreadable)`,
      'pass a directory written by `iit-studio train`',
    );
  }
  const backend = await activateBackend(req.backend ?? 'auto', req.log);
  const seed = cfg.seed ?? 0;
  let session: Session;
  try {
    session = new Session(exp, exp.resolve(cfg.config), seed);
  } catch (e) {
    throw withLocation(e);
  }
  try {
    session.net.setParameters(await readRunWeights(req.runDir));
    const t0 = performance.now();
    const metrics = await evaluate(session, { seed });
    const report = await buildReport({
      experiment: exp.name,
      config: session.config.name,
      backend,
      seed,
      steps: 0,
      metrics,
      timing: { trainSeconds: 0, examplesPerSecond: 0 },
      net: session.net,
      params: req.params,
    });
    return { ...report, evalSeconds: (performance.now() - t0) / 1000 } as Report;
  } finally {
    session.dispose();
  }
}
