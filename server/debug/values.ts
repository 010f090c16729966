/**
 * Values as the Variables view writes and reads them: numbers without float32
 * noise, tensors as one line, and text typed by the user parsed against a
 * variable's value set.
 */
import type { Value, ValueSet } from '../engine/values';
import type { TensorValue } from './trace';

/** Numbers as people read them: float32 noise dropped (0.44999998 → 0.45). */
export function num(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

/** A tensor as one line: its values when few, else shape, min, max, mean. */
export function summary(t: TensorValue): string {
  const shape = `[${t.shape.join(', ')}]`;
  if (t.values.length <= 8) return `[${t.values.map(num).join(', ')}]  shape ${shape}`;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const x of t.values) {
    min = Math.min(min, x);
    max = Math.max(max, x);
    sum += x;
  }
  return `shape ${shape}  min ${num(min)}  max ${num(max)}  mean ${num(sum / t.values.length)}`;
}

/** Reads a value typed in the Variables view against a value set (T/F, numbers, JSON, bare strings). */
export function parseValue(text: string, set: ValueSet): Value {
  const t = text.trim();
  const cands: unknown[] = [];
  if (/^(t|true)$/i.test(t)) cands.push(true);
  if (/^(f|false)$/i.test(t)) cands.push(false);
  if (t !== '' && !Number.isNaN(Number(t))) cands.push(Number(t));
  try {
    cands.push(JSON.parse(t.replace(/^\((.*)\)$/, '[$1]')));
  } catch {
    // not JSON: a bare string below
  }
  cands.push(t.replace(/^(['"])(.*)\1$/, '$2'));
  for (const c of cands) if (set.has(c)) return c as Value;
  throw new Error(`${t} is outside ${set.describe()}`);
}
