/**
 * A deadline for synchronous code of the user's: an experiment file's top level, its equations over the data. A
 * timer cannot interrupt a loop that never yields, but V8's script watchdog can, so `fn` runs inside a one-line
 * script with a timeout; an endless loop becomes an error the caller words, instead of a process that never answers
 * (not even to Ctrl-C).
 */
import vm from 'node:vm';

const SLOT = Symbol.for('iit-studio.deadline');
const call = new vm.Script(`globalThis[Symbol.for('iit-studio.deadline')]()`, { filename: 'iit-studio-deadline' });

/** Seconds user code may run at once while an experiment loads (`IIT_LOAD_DEADLINE_S`, default 60). */
export function loadDeadlineSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.IIT_LOAD_DEADLINE_S);
  return Number.isFinite(s) && s > 0 ? s : 60;
}

/** Runs `fn`; if it has not returned after `seconds`, interrupts it and throws `timedOut()` instead. */
export function withDeadline<T>(fn: () => T, seconds: number, timedOut: () => Error): T {
  const g = globalThis as unknown as Record<symbol, (() => void) | undefined>;
  const outer = g[SLOT];
  let result: { value: T } | undefined;
  g[SLOT] = () => {
    result = { value: fn() };
  };
  try {
    call.runInThisContext({ timeout: Math.max(1, Math.round(seconds * 1000)) });
  } catch (e) {
    if ((e as { code?: string })?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw timedOut();
    throw e;
  } finally {
    g[SLOT] = outer;
  }
  return result!.value;
}
