/**
 * A learned neuron mask (pyvene's SigmoidMaskIntervention): `mask: { temperature? }` — in the site's own basis, a
 * variable takes neuron i with weight w_i = σ(l_i/τ), l its learned logits (`mask.<site>.logits`, one row per
 * variable, starting at 0), τ annealed from 50 to 0.1 (temperature.ts). The swap is x′ = b + w ⊙ (s − b), so at the
 * end of training the mask says which neurons hold the variable. Typed swaps are not offered (two masks need not
 * have one size).
 */
import type { AlignedNeurons } from '../alignment';
import { tf } from '../tf';
import type { InterventionKind, PreparedSite } from './kind';
import { selection } from './boundless';
import { wholeSiteEntries } from './subspace';
import { temperatureAt, temperatureBuffer, type TemperatureDecl } from './temperature';

export interface MaskDecl {
  temperature?: TemperatureDecl;
}

export interface MaskPatch {
  kind: 'mask';
  site: string;
  shape: number[];
  /** [V, n]: each variable's mask logits. */
  logits: tf.Variable;
  rows: number[];
  temperature: tf.Variable;
}

let uniq = 0;

export const mask: InterventionKind<MaskPatch> = {
  name: 'mask',
  key: 'mask',
  typedSwaps: false,

  prepare(vars, ctx): PreparedSite {
    const { site, shape, net, err } = ctx;
    const n = shape.reduce((a, b) => a * b, 1);
    const lname = `mask.${site}.logits`;
    let logits = net.params.get(lname);
    if (!logits || logits.shape.join() !== `${vars.length},${n}`) {
      logits = tf.variable(tf.zeros([vars.length, n]), true, `${lname}_${uniq++}`);
      net.params.set(lname, logits);
    }
    const t = temperatureBuffer('mask', vars, ctx);
    const row = new Map(vars.map((v, i) => [v.variable, i]));
    const l = logits;
    return {
      entries: wholeSiteEntries(vars, 'mask', site, shape),
      parameters: [lname],
      buffers: [t.name],
      plan: (swaps: { from: AlignedNeurons; to: AlignedNeurons }[]) => {
        const typed = swaps.find((s) => s.from.variable !== s.to.variable);
        if (typed)
          throw err(
            'bad-config',
            `cannot swap ${typed.from.variable} into ${typed.to.variable}: learned masks need not be of one size`,
            'use slice or rotate for typed swaps, or leave typedIit off',
            typed.to.variable,
          );
        return {
          kind: 'mask',
          site,
          shape,
          logits: l,
          rows: swaps.map((s) => row.get(s.to.variable)!),
          temperature: t.value,
        };
      },
      schedule: (step, total) => t.value.assign(tf.scalar(temperatureAt(t.schedule, step, total))),
    };
  },

  patch(base, source, p) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const sel = tf.matMul(selection(p.rows, p.logits.shape[0]!), p.logits);
    const w = tf.sum(tf.sigmoid(tf.div(sel, p.temperature)), 0, true); // [1, n]
    const b = tf.reshape(base, [-1, n]);
    const d = tf.sub(tf.reshape(source, [-1, n]), b);
    return tf.reshape(tf.add(b, tf.mul(d, w)), base.shape);
  },
};
