/**
 * A real VS Code for end-to-end tests: code-server 4.100.3 (VS Code 1.100.3),
 * installed offline from npm into .cache/code-server with the recipe in
 * BRIEF §4, launched on a loopback port with fresh user-data and extension
 * folders, this repository loaded as an unpacked extension.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '../../..');
const VERSION = '4.100.3';
const cacheDir = path.join(root, '.cache', 'code-server');
const csDir = path.join(cacheDir, 'node_modules', 'code-server');
const stamp = path.join(cacheDir, `installed-${VERSION}`);

function run(cmd: string, args: string[], cwd: string, log: string): void {
  try {
    execFileSync(cmd, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_yes: 'true' },
      maxBuffer: 64 << 20,
    });
  } catch (e) {
    const err = e as { stdout?: Buffer; stderr?: Buffer };
    writeFileSync(path.join(cacheDir, log), `${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd} (see .cache/code-server/${log})`);
  }
}

/** Installs code-server once (a stamp file marks a complete install). */
export function ensureCodeServer(): string {
  if (existsSync(stamp)) return csDir;
  for (const bin of ['/usr/bin/chromium', '/usr/bin/rg']) {
    if (!existsSync(bin))
      throw new Error(`${bin} is missing: run .ci/install-e2e.sh (apt-get install chromium ripgrep libkrb5-dev)`);
  }
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(path.join(cacheDir, 'package.json'), JSON.stringify({ name: 'iit-e2e-code-server', private: true }));
  run(
    'npm',
    ['install', '--ignore-scripts', '--no-audit', '--no-fund', `code-server@${VERSION}`],
    cacheDir,
    'install.log',
  );
  const vscodeDir = path.join(csDir, 'lib', 'vscode');
  for (const dir of [vscodeDir, path.join(vscodeDir, 'extensions')]) {
    run('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], dir, 'vscode-install.log');
  }
  // @vscode/ripgrep downloads its binary in a postinstall; Debian's rg stands in.
  const rg = path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(rg, { recursive: true });
  copyFileSync('/usr/bin/rg', path.join(rg, 'rg'));
  for (const dir of [vscodeDir, path.join(vscodeDir, 'extensions')]) run('npm', ['rebuild'], dir, 'rebuild.log');
  // argon2 (code-server's password hashing) is hoisted to the top node_modules; its native module needs building.
  run('npm', ['rebuild', 'argon2'], cacheDir, 'rebuild-argon2.log');
  writeFileSync(stamp, new Date().toISOString());
  return csDir;
}

export interface CodeServer {
  url: string;
  /** code-server's process id (its extension host and the extension's processes are descendants). */
  pid: number;
  workspace: string;
  /** The user-data folder: settings, and logs/ with each extension's output channels. */
  userDataDir: string;
  logs: () => string;
  /** The extension host's and IIT Studio's output-channel logs, for a failing test's report. */
  extensionLogs: () => string;
  close: () => Promise<void>;
}

/**
 * Installs a .vsix into an extensions folder with code-server's own CLI (`--install-extension`), as a user
 * would; returns the CLI's output.
 */
export function installVsix(vsix: string, extensionsDir: string): string {
  const dir = ensureCodeServer();
  const userData = mkdtempSync(path.join(os.tmpdir(), 'iit-e2e-install-'));
  try {
    return execFileSync(
      process.execPath,
      [
        path.join(dir, 'out', 'node', 'entry.js'),
        '--install-extension',
        vsix,
        '--extensions-dir',
        extensionsDir,
        '--user-data-dir',
        userData,
      ],
      {
        env: { ...process.env, VSCODE_IPC_HOOK_CLI: '' },
        encoding: 'utf8',
        maxBuffer: 16 << 20,
      },
    );
  } finally {
    rmSync(userData, { recursive: true, force: true });
  }
}

/**
 * Starts code-server on `workspace` with this repository as an unpacked extension, or with the extensions
 * already installed in `extensionsDir` (e.g. by installVsix).
 */
export async function launchCodeServer(opts: {
  workspace: string;
  settings?: Record<string, unknown>;
  extensionsDir?: string;
  workspaceTrust?: boolean;
}): Promise<CodeServer> {
  const dir = ensureCodeServer();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-e2e-'));
  const userData = path.join(tmp, 'user');
  const extensions = opts.extensionsDir ?? path.join(tmp, 'extensions');
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  if (!opts.extensionsDir) {
    mkdirSync(extensions, { recursive: true });
    symlinkSync(root, path.join(extensions, 'iit-studio.iit-studio-0.1.0'));
  }
  writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'security.workspace.trust.enabled': opts.workspaceTrust === true,
      'workbench.tips.enabled': false,
      ...opts.settings,
    }),
  );
  writeFileSync(path.join(userData, 'config.yaml'), 'auth: none\n');
  let log = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.join(dir, 'out', 'node', 'entry.js'),
      '--auth',
      'none',
      '--bind-addr',
      '127.0.0.1:0',
      '--disable-telemetry',
      '--disable-update-check',
      ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--user-data-dir',
      userData,
      '--extensions-dir',
      extensions,
      '--config',
      path.join(userData, 'config.yaml'),
      opts.workspace,
    ],
    {
      env: { ...process.env, VSCODE_IPC_HOOK_CLI: '', XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
      detached: true,
    },
  );
  const close = async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(tmp, { recursive: true, force: true });
  };
  const url = await new Promise<string>((resolve, reject) => {
    const on = (b: Buffer) => {
      log += b.toString();
      const m = /HTTP server listening on (http:\/\/\S+)/.exec(log);
      if (m) resolve(m[1]!.replace(/\/$/, ''));
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.on('exit', (code) => reject(new Error(`code-server exited (${code}):\n${log}`)));
    setTimeout(() => reject(new Error(`code-server did not start in 90 s:\n${log}`)), 90_000);
  }).catch(async (e) => {
    await close();
    throw e;
  });
  return {
    url,
    pid: child.pid!,
    workspace: opts.workspace,
    userDataDir: userData,
    logs: () => log,
    extensionLogs: () => collectLogs(path.join(userData, 'logs')),
    close,
  };
}

/** Concatenates the log files whose names mention the extension host or IIT Studio (IIT Studio's last, so a tail keeps it). */
function collectLogs(dir: string): string {
  const out: string[] = [];
  const iit: string[] = [];
  const walk = (d: string): void => {
    let entries: string[] = [];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/exthost|IIT/i.test(p) && p.endsWith('.log'))
        (/IIT/.test(e) ? iit : out).push(`--- ${path.relative(dir, p)}\n${readFileSync(p, 'utf8').slice(-20_000)}`);
    }
  };
  walk(dir);
  return [...out, ...iit].join('\n');
}
