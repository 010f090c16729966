/** Evaluating a trained run again: its experiment and configuration, its weights, fresh metrics. */
import path from 'node:path';
import { evaluate } from '../engine/evaluate';
import { buildReport, type Report } from '../engine/report';
import { RunDir } from '../runs/runDir';
import { asIITError, openExperiment } from './open';

export interface EvaluateRequest {
  /** The experiment file; default: the run's. */
  file?: string;
  runDir: string;
  backend?: string;
  params?: boolean;
  log?: (msg: string) => void;
}

export async function evaluateRun(req: EvaluateRequest): Promise<Report & { evalSeconds: number }> {
  let run: RunDir;
  let weights: ReturnType<RunDir['readWeights']>;
  try {
    run = RunDir.open(path.resolve(req.runDir));
    weights = run.readWeights();
  } catch (e) {
    throw asIITError(e);
  }
  const { exp, session, backend, seed } = await openExperiment({
    file: req.file ?? run.config.file,
    config: run.config.config,
    seed: run.config.seed,
    backend: req.backend,
    ...(run.config.overrides ? { overrides: run.config.overrides } : {}),
    log: req.log,
  });
  try {
    session.net.setParameters(weights);
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
    return { ...report, evalSeconds: (performance.now() - t0) / 1000 };
  } finally {
    session.dispose();
  }
}
