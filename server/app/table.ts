/**
 * `iit-studio table <file> --configs A,B --seeds N [--json|--md]`: trains and
 * evaluates every (configuration, seed; without --configs every
 * configuration, `default` included), then prints Table 1's layout
 * (behavioural accuracy and IIA, train and test, mean and std over seeds),
 * beside the paper's numbers for an MNIST-PVR experiment. The experiment must
 * declare train and test splits, checked before anything trains. Each finished run is a run directory under
 * `.iit/tables/<experiment>/<config>-seed<k>` (server/runs), so an
 * interrupted table reuses its finished runs and resumes the stopped ones. With `jobs` > 1
 * the runs still to train are trained side by side, each by its own
 * `iit-studio train` process (wasm and cpu use one core per run).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { IITError } from '../engine/errors';
import type { Experiment, ResolvedConfig } from '../engine/experiment';
import type { Metrics } from '../engine/metrics';
import type { Report, ReportData } from '../engine/report';
import { PVR_INPUTS, PVR_VARIABLES } from '../pvr/model';
import { PAPER_TABLE1, type TableNumbers } from '../pvr/paper';
import { FIGURE3B_COLUMNS, PAPER_FIGURE3B, declaresFigure3b, type Figure3bNumbers } from '../reascan/paper';

export type { Figure3bNumbers };
import { plainName as slug } from '../runs/layout';
import { readRun } from '../runs/list';
import { deleteRun } from '../runs/remove';
import { loadExperiment, located } from './open';
import { defaultJobs, pool, runChild, sameRun, storedRun, type CliCommand } from './cells';
import { reportData, trainRun, type TrainRequest } from './train';

export interface Stat {
  mean: number;
  std: number;
}

export interface TableCell {
  behavioral: Stat;
  iia: Stat;
}

export interface TableRow {
  train: TableCell;
  test: TableCell;
  /** Seeds measured. */
  seeds: number;
  /** Per seed: the run directory, whether it was trained now or reused, and its training time. */
  runs: { seed: number; runDir: string; reused: boolean; trainSeconds: number; backend: string }[];
}

export interface TableResult {
  experiment: string;
  /** All accuracies in percent. */
  unit: 'percent';
  rows: Record<string, TableRow>;
  /**
   * Table 1 of the paper for the configurations that have a row there, when the experiment is one the paper measured
   * (its causal model is C_PVR, `'iit-studio/pvr'`); empty for any other experiment.
   */
  paper: Record<string, TableNumbers>;
  /**
   * The data every run trained and was measured on: the experiment's data set (`dataset`: name, e.g. `mnist` or
   * `fashion-mnist`, and source) when it declares one, and the digest every run's config records.
   */
  data: ReportData;
  /** Figure 3b's layout, for a ReaSCAN experiment (its causal model is `reascanCausalModel`'s). */
  figure3b?: Figure3b;
  wallSeconds: number;
}

/**
 * Figure 3b: per configuration and held-out split, exact match of the decoded actions and IIA over the variables
 * that split tests (the mean of their IIAs: attributes on novel colour and size, position on direction and length).
 */
export interface Figure3b {
  columns: { split: string; title: string; variables: readonly string[] }[];
  rows: Record<string, Record<string, TableCell>>;
  paper: Record<string, Figure3bNumbers>;
}

export interface TableRequest {
  file: string;
  configs?: string[];
  seeds: number;
  /**
   * Run store; default `.iit/tables/<experiment>` under the working directory, `.iit/tables/<experiment>-<data set>`
   * when the experiment names its data set (so a table on MNIST digits never replaces one on Fashion-MNIST).
   */
  store?: string;
  backend?: string;
  /** Splits for the two column groups. */
  trainSplit?: string;
  testSplit?: string;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  /** Per-step progress of the run being trained (in-process runs only). */
  hooks?: TrainRequest['hooks'];
  /**
   * Runs trained at once; above 1 each is a child process started with `cli`. Default: one per core on the
   * wasm and cpu backends (when `cli` is given), else 1.
   */
  jobs?: number;
  /** How to start `iit-studio` for a child run: the Node executable and the arguments before the command. */
  cli?: CliCommand;
}

/** Mean and sample standard deviation (0 for one value). */
export function stat(xs: number[]): Stat {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, std: Math.sqrt(v) };
}

/**
 * Whether the paper's Table 1 applies: the experiment's causal model is C_PVR (its four image inputs, four class
 * variables and the output O), as `pvrData` and `pvrCausalModel` of `'iit-studio/pvr'` build it.
 */
export function declaresPaperTable(exp: Experiment): boolean {
  const names = new Set<string>(exp.model.names);
  const pvr = [...PVR_INPUTS, ...PVR_VARIABLES, 'O'];
  return names.size === pvr.length && pvr.every((v) => names.has(v));
}

/**
 * Before any run trains: every configuration must measure the train and test splits, so the table does not fail
 * after hours of training. The error sits on the experiment's `data:` declaration (else the `experiment(` call).
 */
function checkSplits(
  exp: Experiment,
  file: string,
  resolved: Map<string, ResolvedConfig>,
  trainSplit: string,
  testSplit: string,
): void {
  const declared = Object.keys(exp.decl.data ?? { train: [] });
  const where = exp.location ?? { file, line: 1, column: 1 };
  // Figure 3b's columns are the held-out splits of a ReaSCAN experiment.
  const needed = [trainSplit, testSplit, ...(declaresFigure3b(exp.model) ? FIGURE3B_COLUMNS.map((c) => c.split) : [])];
  for (const name of needed) {
    if (!declared.includes(name))
      throw located(
        new IITError(
          'bad-config',
          `table: the experiment has no '${name}' split (it declares ${declared.join(', ')}); the table measures ${needed.join(', ')}`,
          `declare data: { ${needed.join(', ')} } in the experiment (generated or listed inputs)`,
          { ...where },
          'data',
        ),
      );
  }
  for (const [config, r] of resolved) {
    const missing = needed.filter((n) => r.evaluation.splits.length && !r.evaluation.splits.includes(n));
    if (missing.length)
      throw located(
        new IITError(
          'bad-config',
          `table: configuration ${config} evaluates ${r.evaluation.splits.join(', ')}, not ${missing.join(', ')}`,
          `add ${missing.map((n) => `'${n}'`).join(', ')} to evaluation.splits, or drop evaluation.splits`,
          { ...where },
          'splits',
        ),
      );
  }
}

function split(m: Metrics, name: string, file: string, config: string): { behavioral: number; iia: number } {
  const s = m[name];
  if (!s) {
    throw new IITError(
      'bad-config',
      `table: configuration ${config} evaluated no '${name}' split (it has ${Object.keys(m).join(', ')})`,
      `declare data: { train, test } in the experiment, or evaluate both splits`,
      { file, line: 1, column: 1 },
      'data',
    );
  }
  return { behavioral: 100 * s.behavioral, iia: 100 * s.iia.overall };
}

/** `iit-studio train … --out dir` (or `--resume dir`) in a child process (`runChild`). */
function trainInChild(req: TableRequest, config: string, seed: number, dir: string, resume: boolean): Promise<void> {
  const args = [
    'train',
    req.file,
    ...(resume ? ['--resume', dir] : ['--config', config, '--seed', String(seed), '--out', dir]),
    '--json',
    ...(req.backend && !resume ? ['--backend', req.backend] : []),
  ];
  return runChild(req.cli!, args, `table: the run ${config} seed ${seed}`);
}

/** A table's grid before anything trains: the experiment, its configurations as resolved, the store and the cells. */
export interface TableGrid {
  exp: Experiment;
  /** The experiment file (absolute). */
  file: string;
  configs: string[];
  resolved: Map<string, ResolvedConfig>;
  store: string;
  /** The data digest every cell's run records. */
  data: string;
  cells: { config: string; seed: number; dir: string }[];
}

/**
 * The store of a table (and of a sweep): `.iit/tables/<experiment>[-<data set>]` unless given, under `root` (the
 * working folder by default).
 */
export function tableStore(exp: Experiment, store?: string, root = process.cwd()): string {
  const dataset = exp.decl.dataset?.name;
  return path.resolve(root, store ?? path.join('.iit', 'tables', slug(dataset ? `${exp.name}-${dataset}` : exp.name)));
}

/** The run directory of one (configuration, seed) cell. */
export const cellId = (config: string, seed: number) => `${slug(config)}-seed${seed}`;

/**
 * Loads the experiment and checks the whole grid before any run trains: every configuration resolves, and measures
 * the train and test splits.
 */
export async function openTableGrid(
  req: Pick<TableRequest, 'file' | 'configs' | 'seeds' | 'store' | 'trainSplit' | 'testSplit'> & { root?: string },
): Promise<TableGrid> {
  if (!Number.isInteger(req.seeds) || req.seeds < 1) {
    throw new IITError('bad-config', `table: --seeds ${req.seeds}`, 'give a positive number of seeds, e.g. --seeds 3');
  }
  const exp = await loadExperiment(req.file);
  // Every configuration, `default` (the top level) first, unless --configs picks some.
  const configs = req.configs?.length ? req.configs : exp.configNames;
  // Resolve every configuration first, so a typo fails before hours of training.
  const resolved = new Map(configs.map((c) => [c, exp.resolve(c)]));
  const store = tableStore(exp, req.store, req.root);
  const file = exp.file ?? path.resolve(req.file);
  checkSplits(exp, file, resolved, req.trainSplit ?? 'train', req.testSplit ?? 'test');
  const cells = configs.flatMap((config) =>
    Array.from({ length: req.seeds }, (_, seed) => ({ config, seed, dir: path.join(store, cellId(config, seed)) })),
  );
  return { exp, file, configs, resolved, store, data: exp.dataDigest(), cells };
}

/**
 * What a cell's stored run is worth: finished and the same run (reused), stopped and the same run (resumed), or
 * absent; a stale run (another configuration or data) is deleted, to be trained again.
 */
export function storedCell(
  grid: TableGrid,
  cell: { config: string; seed: number; dir: string },
  log?: (line: string) => void,
): { report?: Report; resume: boolean } {
  const { dir, config, seed } = cell;
  const same = existsSync(dir) && sameRun(dir, grid.resolved.get(config), grid.data);
  const report = same ? readRun(dir)?.report : undefined;
  if (report) log?.(`${config} seed ${seed}: reusing ${path.relative(process.cwd(), dir) || dir}`);
  else if (same)
    log?.(`${config} seed ${seed}: resuming the stopped run in ${path.relative(process.cwd(), dir) || dir}`);
  else if (existsSync(dir)) {
    log?.(`${config} seed ${seed}: the stored run was trained with another configuration or data; retraining`);
    deleteRun(dir, grid.store);
  }
  return { ...(report ? { report } : {}), resume: same && !report };
}

/** Figure 3b's cells from the finished runs (each must have evaluated the four held-out splits). */
function figure3bOf(cells: { config: string; report?: Report }[], configs: string[], file: string): Figure3b {
  // Every configuration evaluated the held-out splits (checkSplits); a stored run from before may not have.
  const rows: Figure3b['rows'] = {};
  for (const config of configs) {
    const mine = cells.filter((c) => c.config === config);
    rows[config] = {};
    for (const col of FIGURE3B_COLUMNS) {
      const per = mine.map((c) => {
        const m = split(c.report!.metrics, col.split, file, config) && c.report!.metrics[col.split]!;
        const iias = col.variables.map((v) => m.iia.byVariable[v]).filter((x): x is number => x !== undefined);
        return {
          behavioral: 100 * m.behavioral,
          iia: iias.length ? (100 * iias.reduce((a, b) => a + b, 0)) / iias.length : 0,
        };
      });
      rows[config][col.split] = {
        behavioral: stat(per.map((p) => p.behavioral)),
        iia: stat(per.map((p) => p.iia)),
      };
    }
  }
  const paper = Object.fromEntries(configs.filter((c) => c in PAPER_FIGURE3B).map((c) => [c, PAPER_FIGURE3B[c]!]));
  return { columns: FIGURE3B_COLUMNS.map((c) => ({ ...c })), rows, paper };
}

export async function runTable(req: TableRequest): Promise<TableResult> {
  const t0 = performance.now();
  const grid = await openTableGrid(req);
  const { exp, configs, resolved, file, data } = grid;
  const trainSplit = req.trainSplit ?? 'train';
  const testSplit = req.testSplit ?? 'test';
  if (req.jobs !== undefined && (!Number.isInteger(req.jobs) || req.jobs < 1)) {
    throw new IITError(
      'bad-config',
      `table: --jobs ${req.jobs}`,
      'give a positive number of parallel runs, e.g. --jobs 2',
    );
  }
  if ((req.jobs ?? 1) > 1 && !req.cli) throw new Error('runTable: jobs > 1 needs req.cli to start child runs');

  // Reuse what is stored; everything else is trained, in order, by up to `jobs` runs at a time.
  type Cell = { config: string; seed: number; dir: string; report?: Report; reused: boolean; resume: boolean };
  const cellsToFill: Cell[] = grid.cells.map((c) => {
    const stored = storedCell(grid, c, req.log);
    return { ...c, ...stored, reused: !!stored.report };
  });
  const pending = cellsToFill.filter((c) => !c.report);
  const jobs = Math.min(
    Math.max(1, pending.length),
    req.jobs ??
      (req.cli && pending.length > 1 ? await defaultJobs(exp, resolved.get(pending[0]!.config)!, req.backend) : 1),
  );
  if (jobs > 1) req.log?.(`${pending.length} runs to train, ${jobs} at a time`);
  const trainOne = async (c: Cell): Promise<void> => {
    req.log?.(`${c.config} seed ${c.seed}: training${jobs > 1 ? ' (child process)' : ''}`);
    const s0 = performance.now();
    if (jobs > 1) {
      await trainInChild(req, c.config, c.seed, c.dir, c.resume);
      c.report = storedRun(c.dir, resolved.get(c.config), data);
      if (!c.report) throw new Error(`table: ${c.config} seed ${c.seed}: the child run left no report in ${c.dir}`);
    } else {
      const where = c.resume
        ? { resume: c.dir }
        : { file: req.file, config: c.config, seed: c.seed, backend: req.backend, out: c.dir };
      c.report = (await trainRun({ ...where, hooks: req.hooks })).report;
    }
    req.log?.(
      `${c.config} seed ${c.seed}: done in ${((performance.now() - s0) / 1000).toFixed(1)} s on ${c.report.backend}`,
    );
  };
  await pool(pending, jobs, trainOne);

  const rows: Record<string, TableRow> = {};
  for (const config of configs) {
    const mine = cellsToFill.filter((c) => c.config === config);
    const per = mine.map((c) => ({
      train: split(c.report!.metrics, trainSplit, file, config),
      test: split(c.report!.metrics, testSplit, file, config),
    }));
    const runs: TableRow['runs'] = mine.map((c) => ({
      seed: c.seed,
      runDir: c.dir,
      reused: c.reused,
      trainSeconds: c.report!.timing.trainSeconds,
      backend: c.report!.backend,
    }));
    const cell = (k: 'train' | 'test'): TableCell => ({
      behavioral: stat(per.map((p) => p[k].behavioral)),
      iia: stat(per.map((p) => p[k].iia)),
    });
    rows[config] = { train: cell('train'), test: cell('test'), seeds: req.seeds, runs };
  }
  const figure3b = declaresFigure3b(exp.model) ? figure3bOf(cellsToFill, configs, file) : undefined;
  const paper = declaresPaperTable(exp)
    ? Object.fromEntries(configs.filter((c) => c in PAPER_TABLE1).map((c) => [c, PAPER_TABLE1[c]!]))
    : {};
  return {
    experiment: exp.name,
    unit: 'percent',
    rows,
    paper,
    data: reportData(exp, data),
    ...(figure3b ? { figure3b } : {}),
    wallSeconds: (performance.now() - t0) / 1000,
  };
}
