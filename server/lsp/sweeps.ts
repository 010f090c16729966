/**
 * iit/sweepSubmit, iit/sweeps and iit/sweepCancel: sweeps on Slurm from the editor. Submitting loads the experiment,
 * so a worker does it (server/app/sweep.ts, as the CLI); listing and cancelling read the store and Slurm's queue
 * here (server/cluster, no engine). Only files and stores inside a trusted workspace folder are touched.
 */
import path from 'node:path';
import { ErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { cancelSweep, sweepStatus, workspaceSweeps } from '../cluster/status';
import { SlurmError } from '../cluster/slurm';
import type { SlurmResources, SweepStatus, SweepSubmitted } from '../protocol/results';
import type { SweepSubmitParams } from '../protocol/index';
import { optional, bad, formatError, paramsObject } from './params';
import { startWorker } from './supervisor';
import type { Workspace } from './workspace';

function resources(raw: unknown): SlurmResources | undefined {
  if (raw === undefined || raw === null) return undefined;
  const r = paramsObject(raw, 'resources');
  for (const k of ['partition', 'time', 'gpus', 'mem'] as const) optional(r, k, 'string');
  optional(r, 'cpusPerTask', 'integer');
  const out: SlurmResources = {};
  for (const k of ['partition', 'time', 'gpus', 'mem'] as const) if (typeof r[k] === 'string' && r[k]) out[k] = r[k];
  if (typeof r.cpusPerTask === 'number') out.cpusPerTask = r.cpusPerTask;
  return out;
}

export class Sweeps {
  constructor(private readonly workspace: Workspace) {}

  async submit(raw: unknown): Promise<SweepSubmitted> {
    const p = paramsObject(raw, 'iit/sweepSubmit') as Partial<SweepSubmitParams> & Record<string, unknown>;
    const file = this.workspace.fileOf(p.uri);
    optional(p, 'seeds', 'integer');
    optional(p, 'backend', 'string');
    if (p.configs !== undefined && (!Array.isArray(p.configs) || !p.configs.every((c) => typeof c === 'string')))
      throw bad('configs must be an array of configuration names');
    if ((p.seeds ?? 1) < 1) throw bad('seeds must be a positive integer');
    this.workspace.requireTrust();
    const res = resources(p.resources);
    const r = await startWorker(
      {
        kind: 'sweep',
        file,
        root: this.workspace.rootOf(file),
        ...(p.configs?.length ? { configs: p.configs } : {}),
        seeds: p.seeds ?? 1,
        ...(p.backend ? { backend: p.backend } : {}),
        ...(res ? { resources: res } : {}),
        dryRun: p.dryRun === true,
        // Tasks run this installation's CLI with this Node (the compute nodes must see both paths).
        cli: { command: process.execPath, args: [path.join(__dirname, '..', 'bin', 'iit-studio.js')] },
      },
      () => undefined,
      // Loading the experiment and one sbatch: a worker that takes longer is stuck.
      120_000,
    ).done;
    if (r.type !== 'submitted')
      throw new ResponseError(
        ErrorCodes.InvalidParams,
        r.type === 'error' ? formatError(r.error) : `unexpected worker answer ${r.type}`,
      );
    return r.submitted;
  }

  /** Every sweep under the workspace folders' tables and searches. */
  list(): SweepStatus[] {
    this.workspace.requireInitialized();
    return this.workspace.roots
      .flatMap((root) => workspaceSweeps(root))
      .map((store) => sweepStatus(store))
      .filter((s): s is SweepStatus => s !== undefined);
  }

  cancel(raw: unknown): { jobs: string[] } {
    const p = paramsObject(raw, 'iit/sweepCancel');
    this.workspace.requireInitialized();
    if (typeof p.store !== 'string') throw bad('store must be the path of a sweep store');
    const store = path.resolve(p.store);
    if (!this.workspace.insideWorkspace(store)) throw bad(`${store} is outside the workspace`);
    this.workspace.requireTrust();
    try {
      return { jobs: cancelSweep(store) };
    } catch (e) {
      if (e instanceof SlurmError) throw new ResponseError(ErrorCodes.InvalidParams, `${e.message} — ${e.fix}`);
      throw e;
    }
  }
}
