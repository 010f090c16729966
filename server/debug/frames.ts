/**
 * The call stack a stop shows: the equation being computed (when on one) over
 * the step, each framed at its source line and named by what it computes.
 */
import { swapKey } from '../engine/alignment';
import { formatValue } from '../engine/values';
import { describeInput, type Prepared } from './launch';
import { equationAt, stepLine, stopLine, type Position } from './stops';
import type { Trace } from './trace';

export interface Frame {
  name: string;
  file: string;
  line: number;
}

/** A step's one-line title, with this intervention's values. */
function title(p: Prepared, t: Trace, step: number): string {
  switch (step) {
    case 0:
      return `start: ${swapKey(t.swaps)}, base ${describeInput(t.base)}, source ${describeInput(t.source)} (${p.weights})`;
    case 1:
      return `causal model on the base ${describeInput(t.base)}`;
    case 2:
      return `causal model on the source ${describeInput(t.source)}`;
    case 3:
      return `interchange: do(${Object.entries(t.intervention)
        .map(([k, x]) => `${k} ← ${formatValue(x)}`)
        .join(', ')}) on the base → ${t.outputVariable} = ${formatValue(t.expected)}`;
    case 4:
      return `network on the source up to ${t.site}`;
    case 5:
      return `base with ${t.site} patched`;
    default:
      return `κ = ${formatValue(t.predicted)} vs counterfactual ${formatValue(t.expected)}: ${t.verdict}`;
  }
}

export function stack(p: Prepared, t: Trace, pos: Position): Frame[] {
  const frames: Frame[] = [];
  const eq = equationAt(t, pos);
  if (eq) {
    const ps = Object.entries(eq.parents)
      .map(([k, x]) => `${k}=${formatValue(x)}`)
      .join(', ');
    const line = stopLine(p.lines, t, pos);
    frames.push({
      name: eq.intervened
        ? `do(${eq.variable} ← ${formatValue(eq.value)})`
        : `${eq.variable} = f(${ps}) → ${formatValue(eq.value)}`,
      file: line.file,
      line: line.line,
    });
  }
  const sl = stepLine(p.lines, t, pos.step);
  frames.push({ name: `${pos.step} · ${title(p, t, pos.step)}`, file: sl.file, line: sl.line });
  return frames;
}
