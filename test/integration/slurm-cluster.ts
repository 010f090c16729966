/**
 * A real single-node Slurm cluster for the sweep tests: munged, slurmctld and slurmd from Debian's packages
 * (.ci/install-slurm.sh), each started in the foreground by this process with a generated configuration in a
 * temporary folder, on free ports. `stop` ends every daemon it started, by PID, and also runs when the test process
 * exits on a failure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const started = new Set<ChildProcess>();
process.once('exit', () => started.forEach((c) => c.kill('SIGKILL')));

export class SlurmCluster {
  private daemons: { name: string; child: ChildProcess; log: string }[] = [];

  private constructor(
    readonly dir: string,
    /** The environment Slurm's commands (and sweeps) need to reach this cluster. */
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Starts munged, slurmctld and slurmd, and waits (within a deadline) until the node is idle. */
  static async start(): Promise<SlurmCluster> {
    for (const d of ['munged', 'slurmctld', 'slurmd', 'sbatch', 'sinfo'])
      if (spawnSync('sh', ['-c', `command -v ${d}`]).status !== 0)
        throw new Error(`${d} is not installed: run .ci/install-slurm.sh (npm test runs it as root)`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'iit-slurm-'));
    const munge = path.join(dir, 'munge');
    mkdirSync(munge, { mode: 0o700 });
    for (const d of ['state', 'spool', 'log']) mkdirSync(path.join(dir, d));
    const key = path.join(munge, 'munge.key');
    writeFileSync(key, randomBytes(1024), { mode: 0o600 });
    chmodSync(key, 0o600);
    const socket = path.join(munge, 'munge.socket');
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    const host = os.hostname().split('.')[0]!;
    const user = os.userInfo().username;
    const conf = path.join(dir, 'slurm.conf');
    writeFileSync(
      conf,
      [
        'ClusterName=iittest',
        `SlurmctldHost=${host}(127.0.0.1)`,
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${dPort}`,
        `SlurmUser=${user}`,
        `SlurmdUser=${user}`,
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${socket}`,
        `StateSaveLocation=${dir}/state`,
        `SlurmdSpoolDir=${dir}/spool`,
        `SlurmctldPidFile=${dir}/slurmctld.pid`,
        `SlurmdPidFile=${dir}/slurmd.pid`,
        `SlurmctldLogFile=${dir}/log/slurmctld.log`,
        `SlurmdLogFile=${dir}/log/slurmd.log`,
        // As on a machine like CI's: no cgroup management, processes tracked by parentage.
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'SchedulerType=sched/builtin',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'ReturnToService=2',
        'MpiDefault=none',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'JobCompType=jobcomp/none',
        'SlurmdParameters=config_overrides',
        'KillWait=30',
        `NodeName=iitnode NodeAddr=127.0.0.1 CPUs=${Math.max(2, os.availableParallelism())} RealMemory=2000 State=UNKNOWN`,
        'PartitionName=debug Nodes=iitnode Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'cgroup.conf'), 'CgroupPlugin=autodetect\nIgnoreSystemd=yes\n');
    const env = { ...process.env, SLURM_CONF: conf };
    const cluster = new SlurmCluster(dir, env);
    try {
      cluster.daemon('munged', [
        '--foreground',
        ...(process.getuid?.() === 0 ? ['--force'] : []),
        `--key-file=${key}`,
        `--socket=${socket}`,
        `--pid-file=${munge}/munged.pid`,
        `--log-file=${dir}/log/munged.log`,
        `--seed-file=${munge}/munged.seed`,
      ]);
      await cluster.until('munged made its socket', () => existsSync(socket), 15_000);
      cluster.daemon('slurmctld', ['-D', '-f', conf]);
      cluster.daemon('slurmd', ['-D', '-f', conf, '-N', 'iitnode']);
      await cluster.until(
        'the node is idle',
        () =>
          spawnSync('sinfo', ['-h', '-o', '%T'], { env, encoding: 'utf8', timeout: 10_000 }).stdout?.trim() === 'idle',
        60_000,
      );
    } catch (e) {
      const logs = cluster.logs();
      await cluster.stop();
      throw new Error(`${(e as Error).message}\n${logs}`);
    }
    return cluster;
  }

  private daemon(name: string, args: string[]): void {
    const log = path.join(this.dir, 'log', `${name}.out`);
    const fd = openSync(log, 'a');
    const child = spawn(name, args, { env: this.env, stdio: ['ignore', fd, fd] });
    started.add(child);
    child.on('exit', () => started.delete(child));
    this.daemons.push({ name, child, log });
  }

  /** Polls `ok` until it holds; past the deadline, an error naming what was awaited (and any daemon that died). */
  async until(what: string, ok: () => boolean, deadlineMs: number): Promise<void> {
    const end = Date.now() + deadlineMs;
    while (!ok()) {
      const dead = this.daemons.find((d) => d.child.exitCode !== null || d.child.signalCode !== null);
      if (dead) throw new Error(`${dead.name} exited (${dead.child.exitCode ?? dead.child.signalCode}) before ${what}`);
      if (Date.now() > end) throw new Error(`no ${what} within ${deadlineMs / 1000} s`);
      await sleep(200);
    }
  }

  /** squeue's rows, one per task (empty: nothing queued or running). */
  queue(): string {
    return (
      spawnSync('squeue', ['-h', '-r', '-o', '%i %T'], { env: this.env, encoding: 'utf8', timeout: 10_000 }).stdout ??
      ''
    ).trim();
  }

  /** The daemons' logs, for a failure's message. */
  logs(): string {
    const files = ['munged.log', 'slurmctld.log', 'slurmd.log', ...this.daemons.map((d) => path.basename(d.log))];
    return files
      .map((f) => path.join(this.dir, 'log', f))
      .filter((f) => existsSync(f))
      .map((f) => `--- ${path.basename(f)}\n${readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}`)
      .join('\n');
  }

  /** Stops every daemon this cluster started (SIGTERM, then SIGKILL after a grace), then removes its folder. */
  async stop(): Promise<void> {
    // Jobs first, so no task outlives the cluster (slurmstepd would keep them running).
    if (this.daemons.some((d) => d.name === 'slurmctld' && d.child.exitCode === null)) {
      spawnSync('scancel', ['--user', os.userInfo().username], { env: this.env, timeout: 10_000 });
      await this.until('empty queue', () => this.queue() === '', 30_000).catch(() => undefined);
    }
    for (const d of [...this.daemons].reverse()) {
      if (d.child.exitCode !== null || d.child.signalCode !== null) continue;
      d.child.kill('SIGTERM');
      const end = Date.now() + 10_000;
      while (d.child.exitCode === null && d.child.signalCode === null && Date.now() < end) await sleep(100);
      if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    }
    this.daemons = [];
    rmSync(this.dir, { recursive: true, force: true });
  }
}
