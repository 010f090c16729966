/**
 * Multi-task probes (paper Eq. 8 and 12): for each aligned variable, a
 * softmax classifier that predicts the variable's value (its index in the
 * value set) from the variable's aligned neurons on the base input, trained
 * jointly with the network. 'linear' is W·h + b; 'lowRank' factorises W as
 * L·R with inner dimension ℓ (Appendix C, after Hewitt & Liang 2019).
 *
 * The probe parameters are added to the network's parameter map (named
 * `probe.<V>.<W|L|R|b>`), so the optimizer, checkpoints and saved weights
 * carry them like any other parameter.
 */
import type { AlignedNeurons, Alignment } from './alignment';
import type { CausalModel } from './causal';
import type { SplitData } from './data';
import { IITError, type SourceLocation } from './errors';
import type { ResolvedConfig } from './experiment';
import type { Network } from './network';
import { Rng } from './rng';
import { tf, type Tensor } from './tf';
import type { ValueSet } from './values';

/** tf variable names must be unique per process (several sessions may probe one variable). */
let uniq = 0;

interface Probe {
  variable: string;
  block: AlignedNeurons;
  values: ValueSet;
  /** Linear: [W]; low rank: [R (d×ℓ), L (ℓ×C)]. */
  weights: tf.Variable[];
  bias: tf.Variable;
}

export class Probes {
  private readonly probes: Probe[] = [];
  /** Names of the probes' parameters in the network's parameter map. */
  readonly parameters: string[] = [];

  constructor(
    net: Network,
    alignment: Alignment,
    model: CausalModel,
    decl: ResolvedConfig['probe'],
    seed: number,
    location?: SourceLocation,
  ) {
    const vars = decl.variables ?? alignment.variables;
    const rng = new Rng(seed ^ 0x9b0be);
    for (const v of vars) {
      if (!alignment.entries.has(v)) {
        throw new IITError(
          'unknown-variable',
          `probe: ${v} has no alignment, so there are no neurons to probe`,
          `align ${v} or probe one of ${alignment.variables.join(', ')}`,
          location,
          v,
        );
      }
      const block = alignment.get(v);
      if (block.coords) {
        throw new IITError(
          'bad-config',
          `probe: ${v} is aligned to coordinates of a learned basis (${block.kind}); probes read neuron blocks`,
          `probe the sliced variables only (probe: { variables: [...] }) or align ${v} with slice`,
          location,
          v,
        );
      }
      const values = model.valueSet(v);
      const d = block.flat.length;
      const C = values.size;
      const mk = (suffix: string, shape: number[], fanIn: number, fanOut: number) => {
        // Glorot-uniform from the run's seed, so a seed reproduces the probes too.
        const lim = Math.sqrt(6 / (fanIn + fanOut));
        const init = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (2 * rng.next() - 1) * lim);
        const name = `probe.${v}.${suffix}`;
        if (net.params.has(name))
          throw new IITError(
            'bad-config',
            `network already has a parameter ${name}`,
            'rename that parameter',
            location,
            v,
          );
        const t = tf.variable(tf.tensor(init, shape), true, `${name}_${uniq++}`);
        net.params.set(name, t);
        this.parameters.push(name);
        return t;
      };
      const weights =
        decl.kind === 'lowRank'
          ? [mk('R', [d, decl.rank], d, decl.rank), mk('L', [decl.rank, C], decl.rank, C)]
          : [mk('W', [d, C], d, C)];
      const bias = tf.variable(tf.zeros([C]), true, `probe.${v}.b_${uniq++}`);
      net.params.set(`probe.${v}.b`, bias);
      this.parameters.push(`probe.${v}.b`);
      this.probes.push({ variable: v, block, values, weights, bias });
    }
  }

  get variables(): string[] {
    return this.probes.map((p) => p.variable);
  }

  /** Sites whose activations the probes read. */
  get sites(): string[] {
    return [...new Set(this.probes.map((p) => p.block.site))];
  }

  /** Logits [R, |values|] of each probe, from the sites' activations on the bases. */
  logits(acts: Record<string, Tensor>): Tensor[] {
    return this.probes.map((p) => {
      const a = acts[p.block.site]!;
      const begin = [0, ...p.block.ranges.map(([s]) => s)];
      const h = tf.reshape(tf.slice(a, begin, [-1, ...p.block.shape]), [-1, p.block.flat.length]);
      const z = p.weights.reduce((x, w) => tf.matMul(x, w), h);
      return tf.add(z, p.bias);
    });
  }

  /** Each probe's label indices for some rows of a split: the causal model's value of the variable. */
  labels(split: SplitData, rows: Int32Array): Int32Array[] {
    return this.probes.map((p) => Int32Array.from(rows, (r) => p.values.indexOf(split.valuesAt(r)[p.variable])));
  }

  /** Mean over probes of each probe's mean softmax cross-entropy. */
  loss(acts: Record<string, Tensor>, labels: Int32Array[]): Tensor {
    return tf.tidy(() => {
      const parts = this.logits(acts).map((z, i) => {
        const y = tf.oneHot(tf.tensor1d(labels[i]!, 'int32'), z.shape[1]!);
        return tf.mean(tf.sub(tf.logSumExp(z, 1), tf.sum(tf.mul(y, z), 1)));
      });
      return tf.div(tf.addN(parts), parts.length);
    });
  }

  /** Predicted value indices per probe. */
  predict(acts: Record<string, Tensor>): Tensor[] {
    return tf.tidy(() => this.logits(acts).map((z) => tf.cast(tf.argMax(z, 1), 'int32')));
  }
}
