/** Whole-or-nothing file writes and fsynced appends: a killed run never leaves a torn file. */
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/** Writes a file whole or not at all (temp file, fsync, rename). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Appends lines and fsyncs them, so a killed run keeps every line it reported. */
export function appendLines(file: string, lines: unknown[]): void {
  if (!lines.length) return;
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, lines.map((l) => JSON.stringify(l) + '\n').join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The parseable lines of a JSON-lines file (a torn last line is skipped); [] when there is none. */
export function readJsonLines<T>(file: string): T[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const l of text.split('\n')) {
    if (!l.trim()) continue;
    try {
      out.push(JSON.parse(l) as T);
    } catch {
      // the line a kill cut short
    }
  }
  return out;
}

/** Whether a process with this pid runs. */
export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists, owned by someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes the temporary files (`<name>.tmp-<pid>`) that processes killed mid-write left in `dir`. */
export function sweepTemps(dir: string): string[] {
  const swept: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return swept;
  }
  for (const name of names) {
    const m = /\.tmp-(\d+)$/.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    rmSync(path.join(dir, name), { force: true });
    swept.push(name);
  }
  return swept;
}
