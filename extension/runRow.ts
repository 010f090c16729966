/**
 * How a run reads in the Runs tree: `h1 · seed 0` — `finished · cpu · IIA
 * 100.0% · <start time>`. No `vscode` here, so it is unit-tested in Node.
 */
import type { RunView } from '../server/protocol/webview';
import { bestIia } from '../server/runs/view';

export function runLabel(run: RunView): string {
  return `${run.config} · seed ${run.seed}`;
}

/** The row's description: status (with the step of a run that has not finished), backend, best IIA, start time. */
export function runDescription(run: RunView, locale?: string): string {
  const best = bestIia(run);
  const step =
    (run.status === 'running' || run.status === 'cancelled' || run.status === 'failed') && run.step !== undefined
      ? ` step ${run.step}${run.totalSteps ? `/${run.totalSteps}` : ''}`
      : '';
  const when = run.startedAt ? ` · ${new Date(run.startedAt).toLocaleString(locale)}` : '';
  return `${run.status}${step} · ${run.backend}${best !== undefined ? ` · IIA ${(best * 100).toFixed(1)}%` : ''}${when}`;
}
