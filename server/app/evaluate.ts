/** Evaluating a trained run again: its experiment and configuration, its weights, fresh metrics. */
import path from 'node:path';
import { IITError } from '../engine/errors';
import { evaluate } from '../engine/evaluate';
import { buildReport, type Report } from '../engine/report';
import { RunDir } from '../runs/runDir';
import type { Experiment } from '../engine/experiment';
import { asIITError, loadExperiment, openExperiment, runOverrides } from './open';
import { reportData } from './train';

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
  const file = path.resolve(req.file ?? run.config.file);
  const exp = await loadExperiment(file);
  refuseForeignRun(run, exp, file);
  const { session, backend, seed } = await openExperiment(
    {
      file,
      config: run.config.config,
      seed: run.config.seed,
      backend: req.backend,
      ...runOverrides(run.config),
      log: req.log,
    },
    exp,
  );
  const at = { file, line: 1, column: 1 };
  try {
    try {
      session.net.setParameters(weights);
    } catch (e) {
      if (!(e instanceof IITError)) throw e;
      throw new IITError(
        'bad-config',
        `${run.dir} holds weights of another network than ${path.basename(file)} builds now (${e.message})`,
        'train a new run of this network, or restore the network the run was trained with',
        at,
      );
    }
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
      data: reportData(exp, run.config.data ?? exp.dataDigest()),
      net: session.net,
      params: req.params,
    });
    return { ...report, evalSeconds: (performance.now() - t0) / 1000 };
  } finally {
    session.dispose();
  }
}

/** A run's weights mean something only for its own experiment and data: say which, rather than a shape error. */
function refuseForeignRun(run: RunDir, exp: Experiment, file: string): void {
  const at = { file, line: 1, column: 1 };
  if (run.config.experiment !== exp.name)
    throw new IITError(
      'bad-config',
      `${run.dir} is a run of experiment '${run.config.experiment}', not of '${exp.name}'`,
      `evaluate it with its own file: iit-studio eval ${run.config.file} --run ${run.dir}`,
      at,
    );
  if (run.config.data !== undefined && run.config.data !== exp.dataDigest())
    throw new IITError(
      'bad-config',
      `${run.dir} was trained on other data than ${path.basename(file)} now gives (a split's inputs or values changed)`,
      'restore the data the run was trained on, or train a new run on this data',
      at,
      'data',
    );
}
