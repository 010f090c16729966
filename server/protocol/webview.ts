/**
 * The typed message protocol between the extension and its results webview.
 * Both sides import these types, so a renamed field fails to compile on both
 * ends instead of silently dropping a message (cf. vscode-lean4's EditorApi /
 * InfoviewApi). Type-only, over the shapes of ./results: nothing here pulls
 * the engine into the webview.
 */
import type { EvalPoint, LossPoint, Report, RunStatus } from './results';

/** Everything the results view draws for one run. */
export interface RunView {
  /** Stable id: the run directory while it exists, else a temporary id. */
  id: string;
  runDir?: string;
  experiment: string;
  /** Experiment file, for opening pairs in the debugger. */
  file?: string;
  config: string;
  backend: string;
  seed: number;
  status: RunStatus;
  startedAt: string;
  step?: number;
  totalSteps?: number;
  report?: Report;
  history: EvalPoint[];
  losses: LossPoint[];
  /** Labels of the inputs of each split, in the order of the IIA grids. */
  inputLabels?: Record<string, string[]>;
  /** Site each variable is aligned to (for sweeps and the causal graph). */
  sites?: Record<string, string>;
  error?: string;
  /** An unfinished run with a checkpoint to resume from. */
  resumable?: boolean;
}

export type ExportFormat = 'svg' | 'png' | 'csv';

/** Extension → webview. */
export type ToWebview =
  | { type: 'results'; run: RunView }
  | { type: 'compare'; runs: RunView[] }
  /** Training progress: the latest step, and the loss points since the last message. */
  | { type: 'progress'; runId: string; step: number; totalSteps: number; points: LossPoint[] }
  | { type: 'eval'; runId: string; point: EvalPoint }
  | { type: 'finished'; run: RunView }
  /** Asks the webview to produce an export (command palette / tests). */
  | { type: 'export'; format: ExportFormat; requestId: number };

/** A heatmap cell the user clicked: one interchange intervention to debug. */
export interface PairRef {
  runId: string;
  variable: string;
  split: string;
  base: number;
  source: number;
}

/** Webview → extension. */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'openPair'; pair: PairRef }
  | { type: 'openRun'; runId: string }
  /** An export's content: text for SVG/CSV, base64 for PNG. requestId echoes an `export` request. */
  | {
      type: 'exported';
      format: ExportFormat;
      name: string;
      data: string;
      encoding: 'utf8' | 'base64';
      requestId?: number;
    }
  | { type: 'error'; message: string };

/** State the webview keeps across reloads (vscode.setState), also handed to the serializer. */
export interface WebviewState {
  mode: 'results' | 'compare';
  runDirs: string[];
}

export function isFromWebview(m: unknown): m is FromWebview {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}
