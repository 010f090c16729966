/**
 * `iit-studio table <file> --configs A,B --seeds N [--json|--md]`: trains and
 * evaluates every (configuration, seed), then prints Table 1's layout
 * (behavioural accuracy and IIA, train and test, mean and std over seeds)
 * beside the paper's numbers. Each finished run is a run directory under
 * `.iit/tables/<experiment>/<config>-seed<k>` (written atomically by the
 * runner), so an interrupted table resumes where it stopped.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { IITError } from '../engine/errors';
import { loadExperiment } from '../engine/loader';
import type { Metrics } from '../engine/metrics';
import { plainName as slug } from '../engine/names';
import type { Report } from '../engine/report';
import { PAPER_TABLE1, type TableNumbers } from '../pvr/paper';
import { trainRun, type TrainRequest } from '../runner';

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
  /** Table 1 of the paper for the configurations that have a row there. */
  paper: Record<string, TableNumbers>;
  wallSeconds: number;
}

export interface TableRequest {
  file: string;
  configs?: string[];
  seeds: number;
  /** Run store; default `.iit/tables/<experiment>` under the working directory. */
  store?: string;
  backend?: string;
  /** Splits for the two column groups. */
  trainSplit?: string;
  testSplit?: string;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  /** Per-step progress of the run being trained. */
  hooks?: TrainRequest['hooks'];
}

/** Mean and sample standard deviation (0 for one value). */
export function stat(xs: number[]): Stat {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, std: Math.sqrt(v) };
}

function stable(x: unknown): string {
  return JSON.stringify(x);
}

/** The stored run of (config, seed) when it is complete and was trained with the configuration as now resolved. */
function storedRun(dir: string, resolved: unknown): Report | undefined {
  const rep = path.join(dir, 'report.json');
  const cfg = path.join(dir, 'config.json');
  if (!existsSync(rep) || !existsSync(cfg)) return undefined;
  try {
    const c = JSON.parse(readFileSync(cfg, 'utf8')) as { resolved?: unknown };
    if (stable(c.resolved) !== stable(JSON.parse(JSON.stringify(resolved)))) return undefined;
    return JSON.parse(readFileSync(rep, 'utf8')) as Report;
  } catch {
    return undefined;
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

export async function runTable(req: TableRequest): Promise<TableResult> {
  const t0 = performance.now();
  if (!Number.isInteger(req.seeds) || req.seeds < 1) {
    throw new IITError('bad-config', `table: --seeds ${req.seeds}`, 'give a positive number of seeds, e.g. --seeds 3');
  }
  const exp = await loadExperiment(req.file);
  const declared = exp.configNames.filter((n) => n !== 'default');
  const configs = req.configs?.length ? req.configs : declared.length ? declared : ['default'];
  // Resolve every configuration first, so a typo fails before hours of training.
  const resolved = new Map(configs.map((c) => [c, exp.resolve(c)]));
  const store = path.resolve(req.store ?? path.join('.iit', 'tables', slug(exp.name)));
  const trainSplit = req.trainSplit ?? 'train';
  const testSplit = req.testSplit ?? 'test';
  const rows: Record<string, TableRow> = {};
  for (const config of configs) {
    const per: { train: { behavioral: number; iia: number }; test: { behavioral: number; iia: number } }[] = [];
    const runs: TableRow['runs'] = [];
    for (let seed = 0; seed < req.seeds; seed++) {
      const dir = path.join(store, `${slug(config)}-seed${seed}`);
      let report = storedRun(dir, resolved.get(config));
      const reused = !!report;
      if (report) req.log?.(`${config} seed ${seed}: reusing ${path.relative(process.cwd(), dir) || dir}`);
      else {
        // A stale run (another configuration) is replaced; a partial one never got its final name.
        if (existsSync(dir)) {
          req.log?.(`${config} seed ${seed}: the stored run was trained with another configuration; retraining`);
          rmSync(dir, { recursive: true, force: true });
        }
        req.log?.(`${config} seed ${seed}: training`);
        const s0 = performance.now();
        report = (await trainRun({ file: req.file, config, seed, backend: req.backend, out: dir, hooks: req.hooks }))
          .report;
        req.log?.(
          `${config} seed ${seed}: done in ${((performance.now() - s0) / 1000).toFixed(1)} s on ${report.backend}`,
        );
      }
      const file = exp.file ?? req.file;
      per.push({
        train: split(report.metrics, trainSplit, file, config),
        test: split(report.metrics, testSplit, file, config),
      });
      runs.push({ seed, runDir: dir, reused, trainSeconds: report.timing.trainSeconds, backend: report.backend });
    }
    const cell = (k: 'train' | 'test'): TableCell => ({
      behavioral: stat(per.map((p) => p[k].behavioral)),
      iia: stat(per.map((p) => p[k].iia)),
    });
    rows[config] = { train: cell('train'), test: cell('test'), seeds: req.seeds, runs };
  }
  const paper = Object.fromEntries(configs.filter((c) => c in PAPER_TABLE1).map((c) => [c, PAPER_TABLE1[c]!]));
  return { experiment: exp.name, unit: 'percent', rows, paper, wallSeconds: (performance.now() - t0) / 1000 };
}

const f2 = (x: number) => x.toFixed(2);
const withStd = (s: Stat, seeds: number) => (seeds > 1 ? `${f2(s.mean)} ± ${f2(s.std)}` : f2(s.mean));

function cells(t: TableResult): { name: string; ours: string[]; paper?: string[] }[] {
  return Object.entries(t.rows).map(([name, r]) => {
    const p = t.paper[name];
    return {
      name,
      ours: [
        withStd(r.train.behavioral, r.seeds),
        withStd(r.test.behavioral, r.seeds),
        withStd(r.train.iia, r.seeds),
        withStd(r.test.iia, r.seeds),
      ],
      paper: p ? [p.train.behavioral, p.test.behavioral, p.train.iia, p.test.iia].map(f2) : undefined,
    };
  });
}

/** Table 1's layout as text: our numbers, and the paper's beneath each row. */
export function formatTable(t: TableResult): string {
  const seeds = Object.values(t.rows)[0]?.seeds ?? 0;
  const head = ['', 'behaviour train', 'behaviour test', 'IIA train', 'IIA test'];
  const rows: string[][] = [head];
  for (const c of cells(t)) {
    rows.push([c.name, ...c.ours]);
    if (c.paper) rows.push(['  paper', ...c.paper]);
  }
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('   '));
  return [
    `${t.experiment}: accuracy in %, ${seeds} seed${seeds === 1 ? '' : 's'}${seeds > 1 ? ' (mean ± std)' : ''}; paper: Table 1 (ResNet-18, MNIST-PVR)`,
    ...lines,
    `wall time ${t.wallSeconds.toFixed(0)} s`,
  ].join('\n');
}

/** The same as a Markdown table. */
export function markdownTable(t: TableResult): string {
  const out = [
    '| configuration | behaviour train | behaviour test | IIA train | IIA test | paper (Table 1) |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const c of cells(t)) out.push(`| ${c.name} | ${c.ours.join(' | ')} | ${c.paper ? c.paper.join(' / ') : '—'} |`);
  return out.join('\n');
}
