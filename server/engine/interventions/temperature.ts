/**
 * The temperature of a soft intervention (boundless, mask): a sigmoid's sharpness, annealed linearly from `from` to
 * `to` over the training steps (Boundless DAS, Wu et al. 2023: high at first so the boundary can move, low at the end
 * so the mask is almost 0/1). A buffer of the network (saved with the weights, never trained), so a reloaded run
 * evaluates at the temperature it ended with.
 */
import { tf } from '../tf';
import type { PrepareContext, SiteVariable } from './kind';

export interface TemperatureDecl {
  /** Default 50. */
  from?: number;
  /** Default 0.1. */
  to?: number;
}

export const DEFAULT_TEMPERATURE = { from: 50, to: 0.1 };

/** The temperature at `step` of `total` (the first step at `from`, the last at `to`). */
export function temperatureAt(t: Required<TemperatureDecl>, step: number, total: number): number {
  const f = total > 1 ? Math.min(1, Math.max(0, step / (total - 1))) : 1;
  return t.from + (t.to - t.from) * f;
}

let uniq = 0;

/**
 * The site's one schedule (its variables' `<key>.temperature`, which must agree), checked, and its buffer
 * `<key>.<site>.temperature` (made at `from`, or the one the network has).
 */
export function temperatureBuffer(
  key: 'boundless' | 'mask',
  vars: SiteVariable[],
  { site, net, err }: PrepareContext,
): { name: string; schedule: Required<TemperatureDecl>; value: tf.Variable } {
  const decls = vars.map((v) => v.entry[key]!.temperature);
  const variable = vars[0]!.variable;
  if (new Set(decls.map((d) => JSON.stringify(d ?? {}))).size > 1)
    throw err(
      'bad-config',
      `the variables at site ${site} share one ${key} intervention but ask for different temperatures`,
      'give them one temperature schedule',
      variable,
    );
  const name = `${key}.${site}.temperature`;
  const schedule = { ...DEFAULT_TEMPERATURE, ...decls[0] };
  for (const [k, v] of Object.entries(schedule))
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
      throw err(
        'bad-config',
        `temperature.${k} = ${String(v)}`,
        'give a positive number, e.g. { from: 50, to: 0.1 }',
        variable,
      );
  let value = net.buffers.get(name);
  if (!value || value.shape.length !== 0) {
    value = tf.variable(tf.scalar(schedule.from), false, `${name}_${uniq++}`);
    net.buffers.set(name, value);
  }
  return { name, schedule, value };
}
