/** Deleting a run: only a run directory inside the runs directory, never anything else. */
import { realpathSync, rmSync } from 'node:fs';
import path from 'node:path';
import { RunDirError } from './errors';
import { inside } from './layout';
import { readRunConfig } from './runDir';

export function deleteRun(runDir: string, runsDir: string): void {
  let real: string;
  let root: string;
  try {
    real = realpathSync(runDir);
    root = realpathSync(runsDir);
  } catch {
    throw new RunDirError(`${runDir} does not exist`, 'refresh the Runs view');
  }
  if (real === root || !inside(root, real) || path.dirname(real) !== root)
    throw new RunDirError(`${runDir} is not a run of ${runsDir}`, 'delete runs from the Runs view of their workspace');
  if (!readRunConfig(real))
    throw new RunDirError(`${runDir} is not a run directory (no config.json)`, 'delete it by hand');
  rmSync(real, { recursive: true, force: true });
}
