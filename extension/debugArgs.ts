/**
 * The argument of `iit.debugIntervention` that a heatmap click sends: one
 * interchange intervention (base, source, variable or typed from → to) of an
 * experiment file, optionally with the run whose weights to use. Pure, so the
 * shape is unit-tested; docs/PROTOCOL.md documents it for the debugger.
 */
import path from 'node:path';
import type { PairRef, RunView } from '../server/protocol/webview';

export interface DebugInterventionArgs {
  /** The experiment file, as a file: URI string. */
  uri: string;
  config?: string;
  /** The run whose trained weights to load: its id (the directory's name) and directory (absent: untrained). */
  runId?: string;
  runDir?: string;
  /** The variable intervened on, or a typed swap source → target. */
  variable: string | { from: string; to: string };
  /** Indices of the base and source inputs in the split, in the order of the IIA grids. */
  base: number;
  source: number;
  split?: string;
}

/** A grid or typed swap key ('V', 'A→B') as the debugger's variable. */
export function swapVariable(key: string): string | { from: string; to: string } {
  const parts = key.split('→');
  return parts.length === 2 ? { from: parts[0]!, to: parts[1]! } : key;
}

export function debugArgs(
  run: RunView,
  pair: PairRef,
  fileUri: (file: string) => string,
): DebugInterventionArgs | undefined {
  if (!run.file) return undefined;
  return {
    uri: fileUri(run.file),
    config: run.config,
    ...(run.runDir ? { runId: path.basename(run.runDir), runDir: run.runDir } : {}),
    variable: swapVariable(pair.variable),
    base: pair.base,
    source: pair.source,
    split: pair.split,
  };
}
