/**
 * Breakpoints and their conditions. A breakpoint binds to an equation
 * (anywhere in a variable's declaration) or an alignment entry and moves to
 * that declaration's line; elsewhere it stays unverified with a message. A
 * condition is JavaScript over the values the stop shows (`value`, an
 * equation's parents); one that throws stops there and says why.
 */
import path from 'node:path';
import type { SourceLine } from './lines';

export interface BreakpointSpec {
  line: number;
  condition?: string;
}

export interface ResolvedBreakpoint {
  id: number;
  verified: boolean;
  line: number;
  message?: string;
}

interface Bp extends ResolvedBreakpoint {
  file: string;
  condition?: string;
}

const UNBOUND =
  'not an equation or alignment entry of this experiment: breakpoints stop where a variable is computed or an alignment entry is applied';

export class Breakpoints {
  private readonly byFile = new Map<string, Bp[]>();
  private nextId = 1;

  /** `warn` receives a Debug Console line when a condition throws. */
  constructor(private readonly warn: (text: string) => void) {}

  /** Replaces a file's breakpoints, binding each to the target (equation or alignment entry) whose lines hold it. */
  set(file: string, specs: BreakpointSpec[], targets: SourceLine[]): ResolvedBreakpoint[] {
    const abs = path.resolve(file);
    const here = targets.filter((t) => t.file === abs);
    const bps: Bp[] = specs.map((s) => {
      const t = here.find((x) => x.first <= s.line && s.line <= x.last);
      return t
        ? { id: this.nextId++, file: abs, verified: true, line: t.line, condition: s.condition?.trim() || undefined }
        : { id: this.nextId++, file: abs, verified: false, line: s.line, message: UNBOUND };
    });
    this.byFile.set(abs, bps);
    return bps.map(({ id, verified, line, message }) => ({ id, verified, line, ...(message ? { message } : {}) }));
  }

  /** The ids of the breakpoints on `line` whose condition holds (`env`: the stop's values, built when a condition needs them). */
  hits(line: SourceLine, env: () => Record<string, unknown>): number[] {
    const out: number[] = [];
    for (const bp of this.byFile.get(line.file) ?? []) {
      if (!bp.verified || bp.line !== line.line) continue;
      if (!bp.condition || this.holds(bp.condition, env(), line)) out.push(bp.id);
    }
    return out;
  }

  private holds(cond: string, env: Record<string, unknown>, line: SourceLine): boolean {
    try {
      return !!new Function(...Object.keys(env), `"use strict"; return (${cond});`)(...Object.values(env));
    } catch (e) {
      this.warn(
        `breakpoint condition \`${cond}\` at ${path.basename(line.file)}:${line.line} throws: ${(e as Error).message}; stopping there\n`,
      );
      return true;
    }
  }
}
