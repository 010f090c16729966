/**
 * A prepared run: the experiment's network built from a seed, its alignment
 * validated against that network, the output head and the data splits. The
 * trainer, the evaluator, the language server and the debugger all start here.
 */
import { Alignment } from './alignment';
import { Augmenter } from './augment';
import type { Setting, Swap } from './causal';
import { SplitData, asSplit, type Split } from './data';
import { IITError } from './errors';
import type { Experiment, ResolvedConfig } from './experiment';
import type { Feeds, Network } from './network';
import { checkHead, type OutputHead } from './objectives';
import { Probes } from './probes';
import { tf } from './tf';
import { isSequenceSet } from './values';
import type { Value } from './values';

export class Session<M extends Record<string, Value> = Record<string, Value>> {
  readonly net: Network;
  readonly alignment: Alignment;
  readonly head: OutputHead;
  readonly splits = new Map<string, SplitData<M>>();
  /** The multi-task probes, when the configuration trains them (their parameters live in `net.params`). */
  readonly probes?: Probes;
  /** Makes augmented inputs, when the configuration has the augment objective. */
  readonly augmenter?: Augmenter;
  /** Network inputs for a batch of high-level inputs. */
  readonly encodeRows: (inputs: Setting<M>[]) => Feeds;
  private readonly featureSize: number;

  constructor(
    readonly experiment: Experiment<M>,
    readonly config: ResolvedConfig,
    readonly seed: number,
  ) {
    const decl = experiment.decl;
    const model = experiment.model;
    const loc = experiment.location;
    this.net = decl.network({ seed });
    if (!this.net || typeof this.net.run !== 'function') {
      throw new IITError(
        'bad-config',
        'network() did not return a Network',
        'return network(...).build() or a ready-made builder such as mlp()',
        loc,
        'network',
      );
    }
    try {
      this.alignment = new Alignment(config.alignment, model as never, this.net, loc, seed);
      const outVar = decl.output?.variable ?? this.pickOutput();
      const values = model.valueSet(outVar);
      const outShape = this.net.siteShape(this.net.output);
      const loss =
        decl.output?.loss ??
        (isSequenceSet(values)
          ? 'sequence'
          : values.size === 2 && outShape.reduce((a, b) => a * b, 1) === 1
            ? 'sigmoid'
            : 'softmax');
      this.head = { variable: outVar, loss, values, teacher: decl.output?.teacher };
      checkHead(this.head, outShape);
      if (loss === 'sequence') this.checkTeacher(loc);
      for (const v of this.alignment.variables) {
        if (!model.dependsOn(outVar, v)) {
          throw new IITError(
            'bad-config',
            `alignment: output ${outVar} does not depend on aligned variable ${v}`,
            `align a variable on a path to ${outVar}`,
            loc,
            v,
          );
        }
      }
      if (config.objectives.probe > 0)
        this.probes = new Probes(this.net, this.alignment, model as never, config.probe, seed, loc);
      if (config.objectives.augment > 0)
        this.augmenter = new Augmenter(model as never, this.alignment.typedSwaps(), decl.augment as never, loc);
      this.encodeRows = this.encoder();
      const data = decl.data ?? { train: model.enumerateInputs() };
      this.featureSize = Object.values(this.net.inputs).reduce((n, sh) => n + sh.reduce((a, b) => a * b, 1), 0);
      for (const [name, s] of Object.entries(data)) this.addSplit(name, s as Split<Setting<M>>);
    } catch (e) {
      this.net.dispose();
      throw e;
    }
  }

  /** A sequence head's teacher input must be an optional input of the network (fed in training only). */
  private checkTeacher(loc: Experiment<M>['location']): void {
    const t = this.head.teacher;
    const optional = [...this.net.optional];
    if (!t || !this.net.optional.has(t))
      throw new IITError(
        'bad-config',
        t
          ? `output.teacher '${t}' is not an optional input of the network`
          : `output ${this.head.variable} is a sequence, but output.teacher does not say which network input takes the target tokens`,
        optional.length
          ? `set output.teacher to ${optional.map((o) => `'${o}'`).join(' or ')}`
          : `declare the targets input optional: network({ ..., targets: [T] }, { optional: ['targets'] }) and set output.teacher: 'targets'`,
        loc,
        'output',
      );
  }

  private pickOutput(): keyof M & string {
    const outs = this.experiment.model.outputs;
    if (outs.length !== 1) {
      throw new IITError(
        'bad-config',
        `the causal model has ${outs.length} outputs (${outs.join(', ')})`,
        'name one with output: { variable }',
        this.experiment.location,
        'output',
      );
    }
    return outs[0]!;
  }

  private encoder(): (inputs: Setting<M>[]) => Feeds {
    const d = this.experiment.decl;
    if (d.encodeBatch) return this.checkedBatches(d.encodeBatch);
    // Optional inputs (a decoder's teacher-forcing targets) are fed by the trainer, not by encode().
    const names = Object.keys(this.net.inputs).filter((n) => !this.net.optional.has(n));
    if (names.length !== 1) {
      throw new IITError(
        'bad-config',
        `the network has ${names.length} inputs; encode() feeds only one`,
        'give encodeBatch: (inputs) => ({ name: tensor, ... })',
        this.experiment.location,
        'encode',
      );
    }
    const name = names[0]!;
    const shape = this.net.inputs[name]!;
    const size = shape.reduce((a, b) => a * b, 1);
    const encode = d.encode!;
    return (inputs) => {
      const buf = new Float32Array(inputs.length * size);
      inputs.forEach((x, r) => {
        const f = encode(x);
        if (f.length !== size) {
          throw new IITError(
            'bad-config',
            `encode() gave ${f.length} features for ${this.experiment.model.formatSetting(x)}; the network's input ${name} takes ${size}`,
            `return ${size} numbers`,
            this.experiment.location,
            'encode',
          );
        }
        // A NaN or ±Infinity here would surface later as a NaN loss blamed on the training settings.
        for (let j = 0; j < size; j++)
          if (!Number.isFinite(f[j]))
            throw new IITError(
              'bad-config',
              `encode() gave ${f[j]} as feature ${j} for ${this.experiment.model.formatSetting(x)}`,
              'return finite numbers (look for a division by zero or a missing value)',
              this.experiment.location,
              'encode',
            );
        buf.set(f as ArrayLike<number>, r * size);
      });
      return { [name]: tf.tensor(buf, [inputs.length, ...shape]) };
    };
  }

  /**
   * `encodeBatch` with its first batch read back and checked: a NaN or ±Infinity there would surface later as a NaN
   * loss blamed on the training settings. Later batches are not read back (that would stall every step).
   */
  private checkedBatches(encodeBatch: (inputs: Setting<M>[]) => Feeds): (inputs: Setting<M>[]) => Feeds {
    let checked = false;
    return (inputs) => {
      const feeds = encodeBatch(inputs);
      if (checked || inputs.length === 0) return feeds;
      checked = true;
      for (const [name, t] of Object.entries(feeds)) {
        const v = t.dataSync();
        const per = v.length / inputs.length;
        for (let i = 0; i < v.length; i++) {
          if (Number.isFinite(v[i])) continue;
          const x = inputs[Math.floor(i / per)]!;
          Object.values(feeds).forEach((f) => f.dispose());
          throw new IITError(
            'bad-config',
            `encodeBatch() gave ${v[i]} in input ${name} (element ${i % per}) for ${this.experiment.model.formatSetting(x)}`,
            'return finite numbers (look for a division by zero or a missing value)',
            this.experiment.location,
            'encodeBatch',
          );
        }
      }
      return feeds;
    };
  }

  /** Adds (or replaces) a split, e.g. the explicit inputs of a debugger session. */
  addSplit(name: string, inputs: readonly Setting<M>[] | Split<Setting<M>>): SplitData<M> {
    this.splits.get(name)?.dispose();
    const sd = new SplitData(
      name,
      asSplit(inputs),
      this.experiment.model,
      this.head,
      this.encodeRows,
      this.featureSize,
    );
    this.splits.set(name, sd);
    return sd;
  }

  split(name: string): SplitData<M> {
    const s = this.splits.get(name);
    if (!s)
      throw new IITError(
        'bad-config',
        `no data split '${name}'`,
        `use one of ${[...this.splits.keys()].join(', ')}`,
        this.experiment.location,
        'data',
      );
    return s;
  }

  /** Interventions the IIT objectives and the IIA metric use. */
  interventions(kind: 'iit' | 'typed'): Swap[][] {
    return kind === 'typed' ? this.alignment.typedSwaps() : this.alignment.singleSwaps();
  }

  /** Whether any variable shares its type with another (so typed IIA is meaningful). */
  get hasTypes(): boolean {
    return this.alignment.typedSwaps().length > this.alignment.variables.length;
  }

  dispose(): void {
    this.splits.forEach((s) => s.dispose());
    this.alignment.dispose();
    this.net.dispose();
  }
}
