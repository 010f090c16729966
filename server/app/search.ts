/**
 * `iit-studio search <file> --run DIR --sites h1,h2 --dims 1,2,4,8`: alignment search (DAS). For each variable, site
 * and size k, the variable alone is aligned to k coordinates of a learned basis of the site, on the run's frozen
 * network (`alignRun`), and its IIA is measured on held-out pairs (the test split). Each cell is a run directory
 * under the store, `<variable>-<site>-k<k>`, so a search reuses its finished cells and resumes stopped ones, like
 * `table`; with `jobs` > 1 cells train side by side as `iit-studio align` processes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { IITError } from '../engine/errors';
import type { Experiment, ResolvedConfig } from '../engine/experiment';
import type { Metrics } from '../engine/metrics';
import { Session } from '../engine/session';
import { plainName as slug } from '../runs/layout';
import { readRun } from '../runs/list';
import { deleteRun } from '../runs/remove';
import { readRunConfig, RunDir } from '../runs/runDir';
import { alignConfig, alignRun, placed } from './align';
import { defaultJobs, pool, runChild, sameRun, storedRun, type CliCommand } from './cells';
import { loadExperiment, located, resolveConfig } from './open';
import { trainRun, type RunHooks } from './train';

export interface SearchRequest {
  file: string;
  /** The finished run whose network is searched. */
  run: string;
  /** The configuration whose objectives and training the cells use (default: the one with a learned basis). */
  config?: string;
  sites: string[];
  dims: number[];
  /** Default: the configuration's aligned variables. */
  variables?: string[];
  seed?: number;
  /** Training steps per cell (default: the configuration's). */
  steps?: number;
  backend?: string;
  /** Default `.iit/searches/<experiment>-<run id>`. */
  store?: string;
  /** Held-out split the IIA is read on (default `test`, else the last declared split). */
  split?: string;
  jobs?: number;
  cli?: CliCommand;
  log?: (line: string) => void;
  hooks?: RunHooks;
}

export interface SearchCell {
  variable: string;
  site: string;
  dims: number;
  /** IIA of the variable on the held-out split, 0..1; absent when the cell could not run (`skipped`). */
  iia?: number;
  /** IIA on the first split (training pairs), 0..1. */
  trainIia?: number;
  runDir?: string;
  reused?: boolean;
  /** Why the cell was not run (k larger than the site). */
  skipped?: string;
}

export interface SearchResult {
  experiment: string;
  config: string;
  /** The searched run. */
  run: string;
  split: string;
  sites: string[];
  dims: number[];
  variables: string[];
  cells: SearchCell[];
  /** Per variable, the cell with the highest held-out IIA (the smaller k on a tie). */
  best: Record<string, SearchCell>;
  wallSeconds: number;
}

/** A search's cell before it trains: its run directory, configuration as resolved, and what the store holds. */
export type SearchGridCell = SearchCell & {
  dir: string;
  resume: boolean;
  resolved: unknown;
  /** The stored cell is of another run, configuration or data: to be deleted before it trains. */
  stale: boolean;
};

export interface SearchGrid {
  exp: Experiment;
  config: ResolvedConfig;
  source: RunDir;
  store: string;
  split: string;
  splits: string[];
  variables: string[];
  cells: SearchGridCell[];
}

/** The run directory name of a search cell in its store. */
export const searchCellId = (variable: string, site: string, dims: number) => slug(`${variable}-${site}-k${dims}`);

/**
 * Loads the experiment and the searched run and checks the whole grid before anything trains (sites, sizes,
 * variables, split); each cell says whether the store holds it finished (its IIA), stopped (resume) or stale.
 * Nothing is written.
 */
export async function openSearchGrid(
  req: Pick<
    SearchRequest,
    'file' | 'run' | 'config' | 'sites' | 'dims' | 'variables' | 'seed' | 'steps' | 'store' | 'split' | 'jobs'
  > & {
    root?: string;
  },
): Promise<SearchGrid> {
  const exp = await loadExperiment(req.file);
  const config = alignConfig(exp, req.config);
  const where = exp.location;
  if (!req.sites.length || !req.dims.length)
    throw new IITError('bad-config', 'search: no sites or no sizes', 'give --sites h1,h2 and --dims 1,2,4', where);
  for (const k of req.dims)
    if (!Number.isInteger(k) || k < 1)
      throw new IITError(
        'bad-config',
        `search: --dims ${k}`,
        'give positive whole numbers, e.g. --dims 1,2,4,8',
        where,
      );
  if (req.jobs !== undefined && (!Number.isInteger(req.jobs) || req.jobs < 1))
    throw new IITError('bad-config', `search: --jobs ${req.jobs}`, 'give a positive number, e.g. --jobs 2', where);
  const variables = req.variables?.length
    ? req.variables
    : Object.keys(config.alignment).filter((v) => config.alignment[v]);
  // Every cell's alignment checks (variables, kind) before anything trains; sites are checked against the network.
  placed(exp, config, req.sites[0]!, req.dims[0]!, variables);
  const session = new Session(exp, config, req.seed ?? 0);
  let widths: Map<string, number>;
  try {
    const sites = session.net.sites;
    for (const s of req.sites)
      if (!sites.includes(s))
        throw new IITError(
          'bad-config',
          `search: the network has no site '${s}'`,
          `use some of ${sites.join(', ')}`,
          where,
        );
    widths = new Map(req.sites.map((s) => [s, session.net.siteShape(s).reduce((a, b) => a * b, 1)]));
  } finally {
    session.dispose();
  }
  const splits = Object.keys(exp.decl.data ?? { train: [] });
  const split = req.split ?? (splits.includes('test') ? 'test' : splits.at(-1)!);
  if (!splits.includes(split))
    throw new IITError(
      'bad-config',
      `search: the experiment has no '${split}' split`,
      `use one of ${splits.join(', ')}`,
      where,
    );
  let source: RunDir;
  try {
    source = RunDir.open(req.run);
  } catch (e) {
    throw located(e);
  }
  const store = path.resolve(
    req.root ?? process.cwd(),
    req.store ?? path.join('.iit', 'searches', slug(`${exp.name}-${source.config.runId}`)),
  );
  const data = exp.dataDigest();

  const cells: SearchGridCell[] = variables.flatMap((variable) =>
    req.sites.flatMap((site) =>
      req.dims.map((dims): SearchGridCell => {
        const dir = path.join(store, searchCellId(variable, site, dims));
        const n = widths.get(site)!;
        if (dims > n)
          return {
            variable,
            site,
            dims,
            dir,
            resume: false,
            stale: false,
            resolved: undefined,
            skipped: `k ${dims} > ${n} neurons`,
          };
        const alignment = placed(exp, config, site, dims, [variable]);
        const resolved = resolveConfig(exp, config.name, {
          freeze: 'network',
          alignment,
          ...(req.steps !== undefined ? { steps: req.steps } : {}),
        });
        // A stored cell counts when it is this cell on this data, started from this very run.
        const from = readRunConfig(dir)?.from;
        const same =
          existsSync(dir) &&
          sameRun(dir, resolved, data) &&
          from?.runId === source.config.runId &&
          from.startTime === source.config.startTime;
        const report = same ? readRun(dir)?.report : undefined;
        return {
          stale: !same && existsSync(dir),
          variable,
          site,
          dims,
          dir,
          resolved,
          resume: same && !report,
          runDir: dir,
          reused: !!report,
          ...(report
            ? { iia: iiaOf(report.metrics, split, variable), trainIia: iiaOf(report.metrics, splits[0]!, variable) }
            : {}),
        };
      }),
    ),
  );
  return { exp, config, source, store, split, splits, variables, cells };
}

/** A stale stored cell (another run, configuration or data) goes, to be trained again. */
export function dropStale(grid: SearchGrid, c: SearchGridCell, log?: (line: string) => void): void {
  if (!c.stale) return;
  log?.(`${c.variable} at ${c.site}, k ${c.dims}: the stored cell is of another run, config or data; again`);
  deleteRun(c.dir, grid.store);
  c.stale = false;
}

export async function runSearch(req: SearchRequest): Promise<SearchResult> {
  const t0 = performance.now();
  const grid = await openSearchGrid(req);
  const { exp, config, source, split, splits, variables, cells } = grid;
  const data = exp.dataDigest();
  for (const c of cells) dropStale(grid, c, req.log);
  const pending = cells.filter((c) => !c.skipped && c.iia === undefined);
  const jobs = Math.min(
    Math.max(1, pending.length),
    req.jobs ?? (req.cli && pending.length > 1 ? await defaultJobs(exp, config, req.backend) : 1),
  );
  if (jobs > 1 && !req.cli) throw new Error('runSearch: jobs > 1 needs req.cli to start child runs');
  req.log?.(`${pending.length} of ${cells.length} cells to train${jobs > 1 ? `, ${jobs} at a time` : ''}`);
  await pool(pending, jobs, async (c) => {
    const name = `${c.variable} at ${c.site}, k ${c.dims}`;
    const s0 = performance.now();
    if (jobs > 1) {
      const args = c.resume
        ? ['train', '--resume', c.dir, '--json']
        : [
            'align',
            req.file,
            '--run',
            source.dir,
            '--config',
            config.name,
            '--site',
            c.site,
            '--dims',
            String(c.dims),
            '--variables',
            c.variable,
            '--seed',
            String(req.seed ?? 0),
            '--out',
            c.dir,
            '--json',
            ...(req.steps !== undefined ? ['--steps', String(req.steps)] : []),
            ...(req.backend ? ['--backend', req.backend] : []),
          ];
      await runChild(req.cli!, args, `search: the cell ${name}`);
    } else if (c.resume) await trainRun({ resume: c.dir, hooks: req.hooks });
    else
      await alignRun({
        file: req.file,
        run: source.dir,
        config: config.name,
        site: c.site,
        dims: c.dims,
        variables: [c.variable],
        seed: req.seed ?? 0,
        ...(req.steps !== undefined ? { steps: req.steps } : {}),
        backend: req.backend,
        out: c.dir,
        hooks: req.hooks,
      });
    const report = storedRun(c.dir, c.resolved, data);
    if (!report) throw new Error(`search: the cell ${name} left no report in ${c.dir}`);
    c.iia = iiaOf(report.metrics, split, c.variable);
    c.trainIia = iiaOf(report.metrics, splits[0]!, c.variable);
    req.log?.(`${name}: IIA ${(100 * c.iia).toFixed(1)}% in ${((performance.now() - s0) / 1000).toFixed(1)} s`);
  });

  const out: SearchCell[] = cells.map(({ dir: _d, resume: _r, resolved: _s, stale: _t, ...c }) => c);
  const best: Record<string, SearchCell> = {};
  for (const c of out) {
    if (c.iia === undefined) continue;
    const b = best[c.variable];
    if (!b || c.iia > b.iia! || (c.iia === b.iia && c.dims < b.dims)) best[c.variable] = c;
  }
  return {
    experiment: exp.name,
    config: config.name,
    run: source.dir,
    split,
    sites: req.sites,
    dims: req.dims,
    variables,
    cells: out,
    best,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

/** The variable's IIA on a split: its own column when the report has one, else the overall. */
function iiaOf(metrics: Metrics, split: string, v: string): number {
  const s = metrics[split];
  if (!s) throw new Error(`search: the cell's report has no '${split}' split`);
  return s.iia.byVariable?.[v] ?? s.iia.overall;
}
