/**
 * Dawn (the webgpu package's native code) writes its start-up warnings
 * ("maxDynamicUniformBuffersPerPipelineLayout artificially reduced …")
 * straight to file descriptor 2, where no JavaScript can catch them. So a CLI
 * command that will train on webgpu runs itself once more as a child whose
 * stderr passes through here: Dawn's lines go to the log file, everything
 * else (errors, the progress bar) to the terminal as it comes. `--verbose`
 * keeps them on the terminal.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeBackends } from '../app/backend';

/** Set in the child: its stderr is filtered already. */
const CHILD = 'IIT_STUDIO_NATIVE_FILTERED';
/** Set in the child when the parent's stderr is a terminal (the child's is a pipe). */
const TTY = 'IIT_STUDIO_STDERR_TTY';

/** Dawn's own lines: they start a line with its log level. */
const NATIVE_LINE = /^(Warning|Info|Debug): /;
const PREFIXES = ['Warning: ', 'Info: ', 'Debug: '];
/** Whether a partial line may still turn out to be one of Dawn's. */
const mayBeNative = (part: string) => NATIVE_LINE.test(part) || PREFIXES.some((p) => p.startsWith(part));

/** Whether the user's stderr is a terminal (the child asks its parent's). */
export function stderrIsTTY(): boolean {
  return process.stderr.isTTY === true || process.env[TTY] === '1';
}

/** Where Dawn's lines go: the user's cache folder. */
export function nativeLogFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'iit-studio', 'native.log');
}

/**
 * Whether this command should run as a filtered child: it will load Dawn in
 * this process (webgpu asked for, or auto with a hardware adapter; auto on a
 * software adapter trains on wasm) and the user did not ask for --verbose.
 */
export async function wantsFilteredChild(backend: string | undefined, verbose: boolean): Promise<boolean> {
  if (verbose || process.env[CHILD] === '1') return false;
  if (backend === 'webgpu') return true;
  if (backend !== undefined && backend !== 'auto') return false;
  const reports = await probeBackends();
  const gpu = reports.find((r) => r.name === 'webgpu');
  // Auto takes a hardware adapter only when no native TensorFlow backend is ahead of it.
  const ahead = reports.find((r) => r.name === 'tensorflow-gpu');
  return !!gpu?.available && !gpu.software && !ahead?.available;
}

/** In the child: die with the parent, as if the kill had reached it (a SIGKILL'd CLI leaves no trainer behind). */
export function followParent(): void {
  if (process.env[CHILD] !== '1' || !process.send) return;
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  // The channel must not keep the child alive once its work is done.
  process.channel?.unref();
  // Tell the parent each SIGINT arrived, so it forwards only those the terminal did not deliver to us.
  const onInt = () => {
    process.send?.({ sigint: true });
    // Alone, this listener would swallow Ctrl-C: a command with no handler of its own ends as it would have.
    if (process.listenerCount('SIGINT') === 1) {
      process.off('SIGINT', onInt);
      process.kill(process.pid, 'SIGINT');
    }
  };
  process.on('SIGINT', onInt);
}

/** Runs this CLI again with `argv` as a child, Dawn's lines to the log; resolves to the child's exit code. */
export function runFilteredChild(argv: string[], log = nativeLogFile()): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argv], {
    env: { ...process.env, [CHILD]: '1', ...(process.stderr.isTTY ? { [TTY]: '1' } : {}) },
    stdio: ['inherit', 'inherit', 'pipe', 'ipc'],
  });
  let pending = '';
  let logged = false;
  const toLog = (line: string) => {
    try {
      if (!logged) {
        mkdirSync(path.dirname(log), { recursive: true });
        appendFileSync(log, `--- ${new Date().toISOString()} iit-studio ${argv.join(' ')}\n`);
        logged = true;
      }
      appendFileSync(log, `${line}\n`);
    } catch {
      // A log that cannot be written loses Dawn's warnings, never the run.
    }
  };
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    let out = '';
    for (const l of lines) {
      if (NATIVE_LINE.test(l)) toLog(l);
      else out += `${l}\n`;
    }
    // A partial line is held only while it could still become one of Dawn's; the progress bar passes at once.
    if (pending && !mayBeNative(pending)) {
      out += pending;
      pending = '';
    }
    if (out) process.stderr.write(out);
  });
  // The terminal's Ctrl-C reaches the child itself (same process group); a SIGINT sent to this process alone is
  // forwarded when the child did not report one of its own within a moment.
  let childSawSigint = 0;
  child.on('message', (m: { sigint?: boolean }) => {
    if (m?.sigint) childSawSigint = Date.now();
  });
  const onSigint = () => {
    const at = Date.now();
    setTimeout(() => {
      if (childSawSigint < at - 50) child.kill('SIGINT');
    }, 200);
  };
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  const onTerm = forward('SIGTERM');
  const onHup = forward('SIGHUP');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      if (pending) process.stderr.write(NATIVE_LINE.test(pending) ? '' : pending);
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      resolve(code ?? (signal === 'SIGINT' ? 130 : 1));
    });
  });
}
