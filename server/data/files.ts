/**
 * Writing a data file atomically: into a temporary file in the same folder (so the rename cannot cross file systems),
 * flushed to disk, then renamed over the file. A reader never sees half a file; a failed write removes the temporary
 * file and leaves the old one as it was. (server/runs has its own for run directories: data never imports runs.)
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { DataError } from './idx';

/** Strings are gathered up to this many characters before a write, so huge files go out in few system calls. */
const WRITE_CHARS = 1 << 22;

/** Writes `chunks` (text or bytes, in order) to `file` atomically; errors are DataErrors naming the file. */
export function writeDataFile(file: string, chunks: Iterable<string | Uint8Array>): void {
  const target = path.resolve(file);
  const tmp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    let pending: string[] = [];
    let size = 0;
    const flush = () => {
      if (pending.length) writeSync(fd!, pending.join(''));
      [pending, size] = [[], 0];
    };
    for (const c of chunks) {
      if (typeof c === 'string') {
        pending.push(c);
        size += c.length;
        if (size > WRITE_CHARS) flush();
        continue;
      }
      flush();
      for (let at = 0; at < c.length;) at += writeSync(fd, c, at, c.length - at);
    }
    flush();
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    if (e instanceof DataError) throw e;
    throw new DataError(
      `${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      'check that the folder exists and is writable and that the disk has room',
      file,
    );
  }
}
