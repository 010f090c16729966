/**
 * `iit-studio` command line: train, align, search, eval, inspect, check, table, sweep, data, demo, backends.
 * Each command calls server/app; bad input exits with code 2 and one line
 * naming the file, the line and the fix. (`serve` and `debug-adapter` are
 * the other front ends, started by server/main.ts.)
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { probeBackends } from '../app/backend';
import { describeExperiment } from '../app/describe';
import { evaluateRun } from '../app/evaluate';
import { located, openExperiment } from '../app/open';
import { ChildError } from '../app/cells';
import { SlurmError } from '../cluster/slurm';
import { runSearch } from '../app/search';
import { runTable } from '../app/table';
import { cancelSweep, runSweepTask, submitSweep, sweepStatus, workspaceSweeps } from '../app/sweep';
import { alignRun } from '../app/align';
import { checkDataFile, dataKind, generateData, type DataDisagreement, type GenerateRequest } from '../app/data';
import { Cancelled, trainRun, type RunHooks } from '../app/train';
import type { Report } from '../engine/report';
import { nearestName } from '../engine/declarationSchema';
import { IITError } from '../engine/errors';
import { RunDirError } from '../runs/errors';
import { deleteRun } from '../runs/remove';
import { intFlag, parseArgs, UsageError, type CommandSpec } from './args';
import { checkTypes } from './check';
import { formatReport, metricsTable } from './format';
import { ProgressBar } from './progress';
import { followParent, runFilteredChild, stderrIsTTY, wantsFilteredChild } from './quietNative';
import { formatSearch } from './searchFormat';
import { formatSubmitted, formatSweepStatus } from './sweepFormat';
import { formatTable, markdownTable } from './tableFormat';

const HELP = `iit-studio — interchange intervention training

usage:
  iit-studio train <file> [--config NAME] [--seed N] [--backend NAME] [--out DIR] [--json] [--params]
                                [--steps N] [--batch N]   (override the configuration's length and batch)
                                [--checkpoint-every N]    (steps between checkpoints, default 50)
  iit-studio train [<file>] --resume DIR   continue a stopped run (Ctrl-C, a kill) from its last checkpoint
  iit-studio align <file> --run DIR [--config NAME] [--site S --dims K [--variables A,B]]
                                [--seed N] [--steps N] [--out DIR] [--json]
                                DAS: learn the configuration's rotate / lowRank alignments on the
                                finished run's network, frozen (a new run; resumable like train)
  iit-studio search <file> --run DIR --sites A,B --dims 1,2,4 [--variables V,W] [--config NAME]
                                [--steps N] [--jobs N] [--store DIR] [--json]
                                DAS alignment search: each variable alone at each site with k
                                coordinates, on the run's frozen network; held-out IIA per cell
                                and the best alignment (cells resumable like table)
  iit-studio eval <file> --run DIR [--backend NAME] [--json] [--params]
  iit-studio inspect <file> [--config NAME] [--json]
  iit-studio check <file>       type-check an experiment file (TypeScript, strict): file:line:col: message
  iit-studio table <file> [--configs A,B,...] [--seeds N] [--jobs N] [--backend NAME] [--store DIR] [--json | --md]
                                train and evaluate each configuration × seed (resumable) and print
                                Table 1's layout beside the paper's numbers; --jobs runs side by side
                                (default: one per core on wasm and cpu, else 1)
  iit-studio sweep <file> --slurm [--configs A,B] [--seeds N] [--store DIR] [--backend NAME]
                                [--partition P] [--time T] [--cpus-per-task C] [--gpus G] [--mem M]
                                [--checkpoint-every N] [--dry-run]
                                [--search --run DIR --sites A,B --dims 1,2 [--variables V] [--config C]]
                                the table's cells (or with --search the alignment search's) as one
                                Slurm job array (only those the store lacks);
                                each task trains its cell into the store and resumes when requeued;
                                --dry-run prints the script and the cells
  iit-studio sweep status [--store DIR] [--json]   each cell: queued, running (step), finished,
                                failed (its error), cancelled, stopped
  iit-studio sweep cancel [--store DIR]            scancel the sweep's arrays
  iit-studio serve --stdio      the language / training server (LSP on stdio)
  iit-studio debug-adapter      the debugger (Debug Adapter Protocol on stdio), debug type "iit"
  iit-studio data mqnli <file> --check    recompute every example's label (and codes) and count the agreements
  iit-studio data mqnli --generate DIR [--train N] [--validation N] [--test N] [--seed S]
                                the hardest split as train/validation/test.jsonl
  iit-studio data reascan <file> --check  re-derive every example's target_commands by the simulator
  iit-studio data reascan --generate FILE [--dataset attribute|length|direction|figure3b] [--worlds N] [--seed S]
                                a ReaSCAN data set in the original JSON format (Figure 3b's splits)
  iit-studio backends [--json]  compute backends: available or not, device, reason
  iit-studio demo              Figure 1 of the paper, before and after one IIT update
  --verbose (train, eval, demo) keeps the webgpu driver's (Dawn's) start-up warnings on the terminal;
                                without it they go to ~/.cache/iit-studio/native.log

exit codes: 0 ok, 1 internal error, 2 bad input (the message names file, line and fix)`;

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text + '\n');
}

function positive(v: string | true, name: string): number {
  const n = intFlag(v, name, 0);
  if (n < 1) throw new UsageError(`--${name} takes a positive integer`);
  return n;
}

/** Ctrl-C (or SIGTERM) stops a training run after its current step, with a checkpoint; a second one quits at once. */
function stopOnSignal(onStop: () => void): { stopped: () => boolean; dispose: () => void } {
  let stop = false;
  const handler = () => {
    if (stop) process.exit(130);
    stop = true;
    onStop();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    stopped: () => stop,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** A comma-separated option's items. */
const list = (v: string) =>
  v
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);

const shown = (dir: string) => path.relative(process.cwd(), dir) || dir;

/**
 * A training run on the terminal: a progress bar, Ctrl-C stops after the current step with a checkpoint, then the
 * report (or JSON) and the run directory. `start` is `trainRun` or `alignRun` with the command's options.
 */
async function runOnTerminal(
  json: boolean,
  start: (hooks: RunHooks) => Promise<{ report: Report; runDir: string }>,
): Promise<number> {
  const bar = new ProgressBar(!json && stderrIsTTY());
  const signal = stopOnSignal(() => {
    bar.done();
    process.stderr.write('iit-studio: stopping after this step (Ctrl-C again quits at once)\n');
  });
  try {
    const { report, runDir } = await start({ onStep: (p) => bar.update(p), cancelled: signal.stopped });
    bar.done();
    print(json, report, `${formatReport(report)}\nrun directory: ${shown(runDir)}`);
    return 0;
  } catch (e) {
    if (!(e instanceof Cancelled)) throw e;
    bar.done();
    process.stderr.write(
      `iit-studio: stopped at step ${e.step}; continue with: iit-studio train --resume ${shown(e.runDir)}\n`,
    );
    return 130;
  } finally {
    signal.dispose();
  }
}

/** The options train and align share. */
function runOptions(flags: Record<string, string | true>) {
  return {
    config: typeof flags.config === 'string' ? flags.config : undefined,
    seed: intFlag(flags.seed, 'seed', 0),
    backend: typeof flags.backend === 'string' ? flags.backend : undefined,
    out: typeof flags.out === 'string' ? flags.out : undefined,
    params: !!flags.params,
    ...(flags.steps !== undefined ? { steps: positive(flags.steps, 'steps') } : {}),
    ...(flags.batch !== undefined ? { batchSize: positive(flags.batch, 'batch') } : {}),
  };
}

async function cmdTrain(file: string | undefined, flags: Record<string, string | true>): Promise<number> {
  if (flags.resume === true) throw new UsageError('--resume takes the run directory to continue');
  const resume = typeof flags.resume === 'string' ? flags.resume : undefined;
  if (!file && !resume) throw new UsageError('train needs an experiment file (or --resume DIR)');
  return runOnTerminal(!!flags.json, (hooks) =>
    trainRun({
      ...(resume ? { resume } : { file }),
      ...runOptions(flags),
      ...(flags['checkpoint-every'] !== undefined
        ? { checkpointEvery: positive(flags['checkpoint-every'], 'checkpoint-every') }
        : {}),
      hooks,
    }),
  );
}

async function cmdAlign(file: string | undefined, flags: Record<string, string | true>): Promise<number> {
  if (!file) throw new UsageError('align needs an experiment file');
  if (typeof flags.run !== 'string')
    throw new UsageError('align needs --run DIR (a finished run of the network to align, from `iit-studio train`)');
  const run = flags.run;
  const place = {
    ...(typeof flags.site === 'string' ? { site: flags.site } : {}),
    ...(flags.dims !== undefined ? { dims: positive(flags.dims, 'dims') } : {}),
    ...(typeof flags.variables === 'string' ? { variables: list(flags.variables) } : {}),
  };
  return runOnTerminal(!!flags.json, (hooks) => alignRun({ file, run, ...place, ...runOptions(flags), hooks }));
}

async function cmdEval(file: string | undefined, flags: Record<string, string | true>): Promise<number> {
  if (typeof flags.run !== 'string')
    throw new UsageError('eval needs --run DIR (a directory written by `iit-studio train`)');
  const report = await evaluateRun({
    ...(file ? { file } : {}),
    runDir: flags.run,
    backend: typeof flags.backend === 'string' ? flags.backend : undefined,
    params: !!flags.params,
  });
  print(!!flags.json, report, formatReport(report));
  return 0;
}

/** Type errors one per line on stderr (exit 2), or one line 'no type errors' on stdout. */
function cmdCheck(file: string | undefined): number {
  if (!file) throw new UsageError('check needs an experiment file');
  if (!existsSync(file)) throw new UsageError(`check: no such file '${file}'`);
  const { errors } = checkTypes(file);
  if (errors.length === 0) {
    process.stdout.write(`${path.relative(process.cwd(), path.resolve(file)) || file}: no type errors\n`);
    return 0;
  }
  for (const e of errors) process.stderr.write(e + '\n');
  process.stderr.write(`iit-studio: ${errors.length} type error${errors.length === 1 ? '' : 's'}\n`);
  return 2;
}

/** `data KIND FILE --check` (every example recomputed) or `data KIND --generate OUT` (a data set written). */
function cmdData(positionals: string[], flags: Record<string, string | true>): number {
  const kind = dataKind(positionals[0]);
  const json = !!flags.json;
  const num = (name: string) => (flags[name] === undefined ? undefined : intFlag(flags[name]!, name, 0));
  if (typeof flags.generate === 'string') {
    if (positionals[1]) throw new UsageError(`data ${kind} --generate OUT takes no file; --check reads one`);
    for (const only of kind === 'mqnli' ? ['dataset', 'worlds'] : ['train', 'validation', 'test'])
      if (flags[only] !== undefined) throw new UsageError(`data ${kind}: --${only} is not an option of ${kind}`);
    const files = generateData({
      kind,
      out: flags.generate,
      seed: num('seed') ?? 0,
      train: num('train'),
      validation: num('validation'),
      test: num('test'),
      dataset: typeof flags.dataset === 'string' ? (flags.dataset as GenerateRequest['dataset']) : undefined,
      worlds: num('worlds'),
    });
    print(json, files, files.map(shown).join('\n'));
    return 0;
  }
  const file = positionals[1];
  if (!flags.check || !file)
    throw new UsageError(
      `data ${kind}: give FILE --check, or --generate ${kind === 'mqnli' ? 'DIR [--train N --validation N --test N]' : 'FILE [--dataset attribute|length|direction --worlds N]'} [--seed S]`,
    );
  if (!existsSync(file)) throw new UsageError(`data ${kind}: no such file '${file}'`);
  const r = checkDataFile(kind, file);
  const pct = r.total ? ((100 * r.agree) / r.total).toFixed(2) : '100.00';
  const where = (d: DataDisagreement) =>
    'line' in d.at ? `${shown(file)}:${d.at.line}` : `${shown(file)}: examples.${d.at.split}[${d.at.index}]`;
  const lines = [
    `${shown(file)}: ${r.agree} of ${r.total} examples agree (${pct}%) — ${r.checked}`,
    ...r.disagreements.map((d) => `  ${where(d)}: file ${d.given}, computed ${d.computed}: ${d.example}`),
  ];
  print(json, r, lines.join('\n'));
  return r.agree === r.total ? 0 : 2;
}

async function cmdInspect(file: string, flags: Record<string, string | true>): Promise<number> {
  const { exp, session } = await openExperiment({
    file,
    config: typeof flags.config === 'string' ? flags.config : undefined,
    backend: 'cpu',
  });
  try {
    const info = describeExperiment(exp, session);
    const text = [
      `${info.experiment} (${path.relative(process.cwd(), exp.file ?? file)})`,
      `input space: ${info.inputSpaceSize} settings`,
      'variables:',
      ...info.variables.map(
        (v) =>
          `  ${v.name.padEnd(8)} ${v.role.padEnd(12)} ${v.values}${v.parents.length ? `  ← ${v.parents.join(', ')}` : ''}${v.type !== v.name ? `  type ${v.type}` : ''}`,
      ),
      'sites:',
      ...info.sites.map((s) => `  ${s.name.padEnd(8)} [${s.shape.join(', ')}]`),
      'alignment:',
      ...info.alignment.map((a) =>
        a.kind === 'neuron'
          ? `  ${a.variable.padEnd(8)} ${a.site}${a.ranges.map(([x, y]) => `[${x}:${y}]`).join('')}  ${a.neurons} neuron${a.neurons === 1 ? '' : 's'}`
          : `  ${a.variable.padEnd(8)} ${a.site} ${a.kind}${a.coords ? ` [${a.coords[0]}:${a.coords[1]}]` : ''} of ${a.neurons} neurons (learned)`,
      ),
      `output: ${info.output.variable} (${info.output.loss})`,
      `configurations: ${info.configs.join(', ')}`,
      `splits: ${Object.entries(info.splits)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    ].join('\n');
    print(!!flags.json, info, text);
    return 0;
  } finally {
    session.dispose();
  }
}

async function cmdTable(file: string, flags: Record<string, string | true>): Promise<number> {
  if (flags.configs === true)
    throw new UsageError('--configs takes a comma-separated list, e.g. --configs STANDARD,IIT');
  const configs = typeof flags.configs === 'string' ? list(flags.configs) : undefined;
  const seeds = intFlag(flags.seeds, 'seeds', 1);
  if (seeds < 1) throw new UsageError('--seeds takes a positive integer');
  const jobs = flags.jobs !== undefined ? positive(flags.jobs, 'jobs') : undefined;
  const bar = new ProgressBar(stderrIsTTY());
  const t = await runTable({
    file,
    configs,
    seeds,
    jobs,
    // Child runs start this same CLI.
    cli: { command: process.execPath, args: [process.argv[1]!] },
    backend: typeof flags.backend === 'string' ? flags.backend : undefined,
    store: typeof flags.store === 'string' ? flags.store : undefined,
    log: (line) => {
      bar.done();
      process.stderr.write(`${line}\n`);
    },
    hooks: { onStep: (p) => bar.update(p) },
  });
  bar.done();
  process.stdout.write((flags.json ? JSON.stringify(t, null, 2) : flags.md ? markdownTable(t) : formatTable(t)) + '\n');
  return 0;
}

/** A value option that must be a string when given. */
const str = (flags: Record<string, string | true>, name: string) => {
  const v = flags[name];
  if (v === true) throw new UsageError(`--${name} takes a value: --${name} VALUE`);
  return v;
};

/** The sweep stores `status` and `cancel` act on: --store, else every sweep under .iit/tables. */
function sweepStores(flags: Record<string, string | true>, sub: string): string[] {
  const given = str(flags, 'store');
  if (given) return [path.resolve(given)];
  const found = workspaceSweeps(process.cwd());
  if (!found.length)
    throw new UsageError(
      `sweep ${sub}: no sweep under .iit/tables or .iit/searches here; give its store with --store DIR`,
    );
  return found;
}

/** `sweep --search`: the cells `search` would train, from the same options. */
function searchCells(flags: Record<string, string | true>) {
  for (const o of ['configs', 'seeds'] as const)
    if (flags[o] !== undefined)
      throw new UsageError(`sweep --search takes --config and --seed (one run's search), not --${o}`);
  const run = str(flags, 'run');
  const sites = str(flags, 'sites');
  const dims = str(flags, 'dims');
  if (!run || !sites || !dims)
    throw new UsageError('sweep --search needs --run DIR --sites A,B --dims 1,2,4 (as iit-studio search)');
  const variables = str(flags, 'variables');
  const config = str(flags, 'config');
  return {
    run,
    sites: list(sites),
    dims: list(dims).map((k) => positive(k, 'dims')),
    ...(variables ? { variables: list(variables) } : {}),
    ...(config ? { config } : {}),
    seed: intFlag(flags.seed, 'seed', 0),
    ...(flags.steps !== undefined ? { steps: positive(flags.steps, 'steps') } : {}),
  };
}

async function cmdSweep(args: string[], flags: Record<string, string | true>): Promise<number> {
  const [first, ...rest] = args;
  if (first === 'task') {
    // Run by each array task of the submitted script: `sweep task <store> <index>`.
    const [store, index] = rest;
    if (!store || index === undefined || !/^\d+$/.test(index))
      throw new UsageError('sweep task takes the store and the cell index: sweep task STORE INDEX');
    const signal = stopOnSignal(() => process.stderr.write('iit-studio: stopping this cell after its step\n'));
    try {
      return await runSweepTask(store, Number(index), {
        cancelled: signal.stopped,
        log: (line) => process.stderr.write(`${line}\n`),
      });
    } finally {
      signal.dispose();
    }
  }
  if (first === 'status' || first === 'cancel') {
    if (rest.length) throw new UsageError(`sweep ${first} takes no file; give the store with --store DIR`);
    const stores = sweepStores(flags, first);
    if (first === 'cancel') {
      for (const store of stores) {
        const jobs = cancelSweep(store);
        process.stdout.write(
          jobs.length
            ? `${shown(store)}: cancelled job ${jobs.join(', ')}\n`
            : `${shown(store)}: nothing in the queue\n`,
        );
      }
      return 0;
    }
    const all = stores.map((s) => sweepStatus(s)).filter((s) => s !== undefined);
    if (!all.length) throw new UsageError(`sweep status: no sweep in ${stores.join(', ')}`);
    print(!!flags.json, flags.store ? all[0] : all, all.map(formatSweepStatus).join('\n\n'));
    return 0;
  }
  if (!first) throw new UsageError('sweep needs an experiment file (or status, cancel)');
  if (rest.length) throw new UsageError(`sweep takes one experiment file; unexpected '${rest[0]}'`);
  if (!flags.slurm)
    throw new UsageError(
      'sweep sends cells to a cluster scheduler: add --slurm (on one machine, `iit-studio table --jobs N`)',
    );
  const configs = str(flags, 'configs');
  const seeds = intFlag(flags.seeds, 'seeds', 1);
  if (seeds < 1) throw new UsageError('--seeds takes a positive integer');
  const search = flags.search ? searchCells(flags) : undefined;
  const cpus = flags['cpus-per-task'] !== undefined ? positive(flags['cpus-per-task'], 'cpus-per-task') : undefined;
  const r = await submitSweep({
    file: first,
    ...(search ? { search } : {}),
    configs: configs ? list(configs) : undefined,
    seeds,
    store: str(flags, 'store'),
    backend: str(flags, 'backend'),
    ...(flags['checkpoint-every'] !== undefined
      ? { checkpointEvery: positive(flags['checkpoint-every'], 'checkpoint-every') }
      : {}),
    resources: {
      partition: str(flags, 'partition'),
      time: str(flags, 'time'),
      ...(cpus !== undefined ? { cpusPerTask: cpus } : {}),
      gpus: str(flags, 'gpus'),
      mem: str(flags, 'mem'),
    },
    dryRun: !!flags['dry-run'],
    // Each task starts this same CLI with this Node (both must be at these paths on the compute nodes).
    cli: { command: process.execPath, args: [path.resolve(process.argv[1]!)] },
  });
  print(!!flags.json, r, formatSubmitted(r, !!flags['dry-run']));
  return 0;
}

async function cmdSearch(file: string, flags: Record<string, string | true>): Promise<number> {
  if (typeof flags.run !== 'string')
    throw new UsageError('search needs --run DIR (a finished run of the network to search, from `iit-studio train`)');
  if (typeof flags.sites !== 'string') throw new UsageError('search needs --sites, e.g. --sites h1,h2');
  if (typeof flags.dims !== 'string') throw new UsageError('search needs --dims, e.g. --dims 1,2,4,8');
  const dims = list(flags.dims).map((k) => positive(k, 'dims'));
  const bar = new ProgressBar(stderrIsTTY());
  const r = await runSearch({
    file,
    run: flags.run,
    sites: list(flags.sites),
    dims,
    ...(typeof flags.variables === 'string' ? { variables: list(flags.variables) } : {}),
    ...(typeof flags.config === 'string' ? { config: flags.config } : {}),
    seed: intFlag(flags.seed, 'seed', 0),
    ...(flags.steps !== undefined ? { steps: positive(flags.steps, 'steps') } : {}),
    ...(flags.jobs !== undefined ? { jobs: positive(flags.jobs, 'jobs') } : {}),
    backend: typeof flags.backend === 'string' ? flags.backend : undefined,
    store: typeof flags.store === 'string' ? flags.store : undefined,
    cli: { command: process.execPath, args: [process.argv[1]!] },
    log: (line) => {
      bar.done();
      process.stderr.write(`${line}\n`);
    },
    hooks: { onStep: (p) => bar.update(p) },
  });
  bar.done();
  process.stdout.write((flags.json ? JSON.stringify(r, null, 2) : formatSearch(r)) + '\n');
  return 0;
}

async function cmdDemo(): Promise<void> {
  const file = path.join(__dirname, '..', 'samples', 'conjunction', 'figure1.ts');
  const out = path.join(require('node:os').tmpdir(), `iit-demo-${process.pid}`);
  const { report } = await trainRun({ file, out, params: true });
  deleteRun(out, path.dirname(out));
  const v = report.before!.train!;
  console.log('Figure 1 of Geiger et al. (2022): boolean conjunction, linear network, alignment V1↔h1, V2↔h2');
  console.log('One IIT update on base (F,T), source (T,F), variable V1; sigmoid cross-entropy, SGD step 0.1.\n');
  console.log(
    metricsTable([
      ['before', report.before!],
      ['after', report.metrics],
    ]),
  );
  const p = report.parameters!;
  const f = (xs: number[]) => (xs.length === 1 ? xs[0]!.toFixed(4) : `[${xs.map((x) => x.toFixed(4)).join(', ')}]`);
  console.log(`\nparameters after: W1 = ${f(p.W1!)}  W2 = ${f(p.W2!)}  w = ${f(p.w!)}  b = ${f(p.b!)}`);
  console.log(`paper (Figure 1e): W1 = [0.5012, 0.05]  W2 = [0.05, 0.5512]  w = [1.0231, 1.0256]  b = -0.9488`);
  const mism = (key: string) => report.before!.train!.iia.grid?.[key]?.filter((x) => x === 0).length ?? 0;
  console.log(`\nmismatching interventions before: ${mism('V1') + mism('V2')} of ${v.iia.pairs}`);
}

async function cmdBackends(json: boolean): Promise<void> {
  const reports = await probeBackends({ workspaceRoot: process.cwd() });
  const text = reports
    .map(
      (r) =>
        `${r.name.padEnd(15)} ${r.available ? 'available' : 'unavailable'}  ${r.device ?? ''}${r.reason ? `${r.device ? '  — ' : ''}${r.reason}` : ''}`,
    )
    .join('\n');
  print(json, reports, text);
}

const v = 'value' as const;
const sw = 'switch' as const;
/** The options that place an alignment search's grid (`search`, and `sweep --search`). */
const SEARCH_GRID = { run: v, sites: v, dims: v, variables: v, config: v, seed: v, steps: v };
/** Each command's options: anything else on its command line is a usage error. */
const COMMANDS: Record<string, CommandSpec> = {
  train: {
    positionals: 1,
    options: {
      config: v,
      seed: v,
      backend: v,
      out: v,
      json: sw,
      params: sw,
      steps: v,
      batch: v,
      'checkpoint-every': v,
      resume: v,
      verbose: sw,
      help: sw,
    },
  },
  align: {
    positionals: 1,
    options: {
      run: v,
      config: v,
      site: v,
      dims: v,
      variables: v,
      seed: v,
      backend: v,
      out: v,
      steps: v,
      batch: v,
      json: sw,
      params: sw,
      verbose: sw,
      help: sw,
    },
  },
  search: {
    positionals: 1,
    options: {
      ...SEARCH_GRID,
      jobs: v,
      backend: v,
      store: v,
      json: sw,
      help: sw,
    },
  },
  eval: { positionals: 1, options: { run: v, backend: v, json: sw, params: sw, verbose: sw, help: sw } },
  inspect: { positionals: 1, options: { config: v, json: sw, help: sw } },
  check: { positionals: 1, options: { help: sw } },
  table: {
    positionals: 1,
    options: { configs: v, seeds: v, jobs: v, backend: v, store: v, json: sw, md: sw, help: sw },
  },
  sweep: {
    positionals: 3,
    options: {
      slurm: sw,
      configs: v,
      seeds: v,
      store: v,
      backend: v,
      partition: v,
      time: v,
      'cpus-per-task': v,
      gpus: v,
      mem: v,
      'checkpoint-every': v,
      'dry-run': sw,
      search: sw,
      ...SEARCH_GRID,
      json: sw,
      help: sw,
    },
  },
  data: {
    positionals: 2,
    options: {
      check: sw,
      generate: v,
      train: v,
      validation: v,
      test: v,
      dataset: v,
      worlds: v,
      seed: v,
      json: sw,
      help: sw,
    },
  },
  backends: { positionals: 0, options: { json: sw, help: sw } },
  demo: { positionals: 0, options: { verbose: sw, help: sw } },
  help: { positionals: 0, options: { help: sw } },
};

/** The commands that may load Dawn in this process, whose native warnings then go to the log (quietNative). */
const NATIVE_COMMANDS = new Set(['train', 'align', 'eval', 'demo']);

function suggestCommand(cmd: string): string {
  const near = nearestName(cmd, Object.keys(COMMANDS));
  return near ? `; did you mean '${near}'?` : `; commands: ${Object.keys(COMMANDS).join(', ')}`;
}

export async function main(argv: string[]): Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
      console.log(HELP);
      return 0;
    }
    const cmd = argv[0]!;
    if (cmd === 'serve' || cmd === 'debug-adapter')
      throw new UsageError(`'${cmd}' is served by bin/iit-studio.js (server/main.ts), not by the CLI front end`);
    const spec = COMMANDS[cmd];
    if (!spec) throw new UsageError(`unknown command '${cmd}'${suggestCommand(cmd)}`);
    const args = parseArgs(cmd, argv, spec);
    const file = args._[1];
    if (args.flags.help || cmd === 'help') {
      console.log(HELP);
      return 0;
    }
    const backend = typeof args.flags.backend === 'string' ? args.flags.backend : undefined;
    if (NATIVE_COMMANDS.has(cmd) && (await wantsFilteredChild(backend, !!args.flags.verbose)))
      return await runFilteredChild(argv);
    followParent();
    if (cmd === 'demo') await cmdDemo();
    else if (cmd === 'backends') await cmdBackends(!!args.flags.json);
    else if (cmd === 'train') return await cmdTrain(file, args.flags);
    else if (cmd === 'align') return await cmdAlign(file, args.flags);
    else if (cmd === 'eval') return await cmdEval(file, args.flags);
    else if (cmd === 'check') return cmdCheck(file);
    else if (cmd === 'sweep') return await cmdSweep(args._.slice(1), args.flags);
    else if (cmd === 'data') return cmdData(args._.slice(1), args.flags);
    else if (cmd === 'inspect' || cmd === 'table' || cmd === 'search') {
      if (!file) throw new UsageError(`${cmd} needs an experiment file`);
      return await (cmd === 'table' ? cmdTable : cmd === 'search' ? cmdSearch : cmdInspect)(file, args.flags);
    }
    return 0;
  } catch (e) {
    if (e instanceof IITError) {
      const err = located(e) as IITError;
      // Paths inside the working directory read better relative.
      if (err.location && !path.relative(process.cwd(), err.location.file).startsWith('..')) {
        err.location = { ...err.location, file: path.relative(process.cwd(), err.location.file) };
      }
      process.stderr.write(`iit-studio: ${err.oneLine()}\n`);
      return 2;
    }
    if (e instanceof UsageError) {
      // One line, as every bad input is; the full usage is a --help away.
      process.stderr.write(`iit-studio: ${e.message} (iit-studio --help lists commands and options)\n`);
      return 2;
    }
    if (e instanceof RunDirError) {
      process.stderr.write(`iit-studio: ${e.message} — ${e.fix}\n`);
      return 2;
    }
    if (e instanceof SlurmError) {
      process.stderr.write(`iit-studio: ${e.message} — ${e.fix}\n`);
      return 2;
    }
    if (e instanceof ChildError) {
      process.stderr.write(`iit-studio: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`iit-studio: internal error: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
}
