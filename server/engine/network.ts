/**
 * Low-level networks: a composition of named stages over TensorFlow.js. Each
 * stage's output is an intervention site; `run` can stop at sites, start from
 * known site values, or patch a site as it is computed.
 */
import { IITError } from './errors';
import { Rng } from './rng';
import { tf, type Tensor } from './tf';

export type Feeds = Record<string, Tensor>;

export interface StageContext {
  /** True while training (dropout, batch-norm statistics). */
  training: boolean;
}

export interface Stage {
  name: string;
  inputs: string[];
  /** An optional input that was not fed arrives as undefined (a decoder's teacher-forcing targets). */
  fn: (xs: Tensor[], ctx: StageContext) => Tensor;
}

export interface RunOptions {
  /** Stages (or inputs) to return; default the network's output. */
  outputs?: string[];
  /** Values already known for some stages: they are not recomputed, nor is what only they need. */
  known?: Feeds;
  /** Functions applied to a stage's output as it is computed (in-place interventions). */
  patch?: Record<string, (t: Tensor) => Tensor>;
  training?: boolean;
}

export type Initializer = 'zeros' | 'ones' | 'glorot' | 'he' | ArrayLike<number> | number;

export interface ParameterValues {
  [name: string]: { shape: number[]; values: number[] };
}

export class Network {
  private readonly byName: Map<string, Stage>;

  constructor(
    /** Input names and per-example shapes. */
    readonly inputs: Record<string, number[]>,
    readonly stages: Stage[],
    /** Trainable parameters, by name. */
    readonly params: Map<string, tf.Variable>,
    readonly output: string,
    /** Per-example output shape of every stage (the sites). */
    readonly shapes: Record<string, number[]>,
    /** Non-trainable state (e.g. batch-norm running statistics), saved with the weights. */
    readonly buffers: Map<string, tf.Variable> = new Map(),
    /** Inputs a run may leave out (their stages see undefined): teacher-forcing targets, fed while training only. */
    readonly optional: ReadonlySet<string> = new Set(),
    /**
     * Floats a forward pass holds per row inside its stages beyond the sites (a decoder loop's states and attention
     * energies): what sizes evaluation's passes.
     */
    readonly workingFloats = 0,
  ) {
    this.byName = new Map(stages.map((s) => [s.name, s]));
  }

  get sites(): string[] {
    return this.stages.map((s) => s.name);
  }

  hasSite(name: string): boolean {
    return this.byName.has(name);
  }

  siteShape(name: string): number[] {
    const s = this.shapes[name];
    if (!s)
      throw new IITError(
        'unknown-site',
        `network has no site '${name}'`,
        `use one of ${this.sites.join(', ')}`,
        undefined,
        name,
      );
    return s;
  }

  /** Stage names the outputs depend on, in stage order, given what is known. */
  private plan(outputs: string[], known: Set<string>): { stages: Stage[]; feeds: Set<string> } {
    const need = new Set<string>();
    const feeds = new Set<string>();
    const visit = (n: string) => {
      if (need.has(n) || known.has(n)) return;
      if (n in this.inputs) {
        feeds.add(n);
        return;
      }
      const st = this.byName.get(n);
      if (!st)
        throw new IITError(
          'unknown-site',
          `network has no site '${n}'`,
          `use one of ${this.sites.join(', ')}`,
          undefined,
          n,
        );
      need.add(n);
      st.inputs.forEach(visit);
    };
    outputs.forEach(visit);
    return { stages: this.stages.filter((s) => need.has(s.name)), feeds };
  }

  /** Network inputs that computing `outputs` needs when `known` stages are given. */
  requiredFeeds(outputs: string[], known: string[]): string[] {
    return [...this.plan(outputs, new Set(known)).feeds];
  }

  run(feeds: Feeds, opts: RunOptions = {}): Feeds {
    const outputs = opts.outputs ?? [this.output];
    const known = opts.known ?? {};
    const { stages, feeds: needed } = this.plan(outputs, new Set(Object.keys(known)));
    const vals: Feeds = { ...known };
    for (const f of needed) {
      const t = feeds[f];
      if (!t && this.optional.has(f)) continue;
      if (!t)
        throw new IITError(
          'bad-config',
          `network input '${f}' was not given`,
          `feed ${Object.keys(this.inputs).join(', ')}`,
        );
      vals[f] = t;
    }
    const ctx: StageContext = { training: opts.training ?? false };
    for (const st of stages) {
      let y = st.fn(
        st.inputs.map((i) => vals[i]!),
        ctx,
      );
      const p = opts.patch?.[st.name];
      if (p) y = p(y);
      vals[st.name] = y;
    }
    return Object.fromEntries(outputs.map((o) => [o, vals[o]!]));
  }

  forward(feeds: Feeds, training = false): Tensor {
    return this.run(feeds, { training })[this.output]!;
  }

  trainableVariables(): tf.Variable[] {
    return [...this.params.values()];
  }

  async getParameters(): Promise<ParameterValues> {
    const out: ParameterValues = {};
    for (const [name, v] of [...this.params, ...this.buffers]) {
      out[name] = { shape: v.shape, values: Array.from(await v.data()) };
    }
    return out;
  }

  setParameters(values: ParameterValues): void {
    for (const [name, { shape, values: xs }] of Object.entries(values)) {
      const v = this.params.get(name) ?? this.buffers.get(name);
      if (!v)
        throw new IITError(
          'bad-config',
          `network has no parameter '${name}'`,
          `parameters are ${[...this.params.keys()].join(', ')}`,
        );
      if (shape.join() !== v.shape.join()) {
        throw new IITError(
          'bad-config',
          `parameter ${name} has shape [${v.shape}], not [${shape}]`,
          `give values of shape [${v.shape}]`,
        );
      }
      v.assign(tf.tensor(xs, v.shape, 'float32'));
    }
  }

  dispose(): void {
    for (const v of [...this.params.values(), ...this.buffers.values()]) v.dispose();
  }
}

/** Builds a Network stage by stage; shapes are inferred by running each stage on a zero example. */
export class NetworkBuilder {
  private readonly stages: Stage[] = [];
  private readonly params = new Map<string, tf.Variable>();
  private readonly buffers = new Map<string, tf.Variable>();
  private readonly shapes: Record<string, number[]> = {};
  readonly rng: Rng;

  constructor(
    readonly inputs: Record<string, number[]>,
    seed = 0,
    readonly optional: ReadonlySet<string> = new Set(),
  ) {
    this.rng = new Rng(seed);
    for (const [k, s] of Object.entries(inputs)) this.shapes[k] = s;
  }

  shape(name: string): number[] {
    const s = this.shapes[name];
    if (!s) throw new Error(`no stage or input '${name}' yet (stages: ${Object.keys(this.shapes).join(', ')})`);
    return s;
  }

  /** A trainable parameter. Random initialisers draw from the builder's seeded stream. */
  param(name: string, shape: number[], init: Initializer = 'glorot'): tf.Variable {
    if (this.params.has(name)) throw new Error(`parameter '${name}' declared twice`);
    const v = tf.variable(this.initial(shape, init), true, `${name}_${uniq++}`);
    this.params.set(name, v);
    return v;
  }

  /** Non-trainable state saved with the weights (e.g. running statistics). */
  buffer(name: string, shape: number[], init: Initializer = 'zeros'): tf.Variable {
    const v = tf.variable(this.initial(shape, init), false, `${name}_${uniq++}`);
    this.buffers.set(name, v);
    return v;
  }

  private initial(shape: number[], init: Initializer): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (typeof init === 'number') data.fill(init);
    else if (init === 'ones') data.fill(1);
    else if (init === 'glorot' || init === 'he') {
      // fan-in is every axis but the last (dense [in,out]; conv [kh,kw,in,out]).
      const fanOut = shape[shape.length - 1] ?? 1;
      const fanIn = shape.length > 1 ? n / fanOut : n;
      const std = init === 'he' ? Math.sqrt(2 / fanIn) : Math.sqrt(2 / (fanIn + fanOut));
      for (let i = 0; i < n; i++) data[i] = this.rng.normal() * std;
    } else if (init !== 'zeros') {
      if (init.length !== n) throw new Error(`initial values: ${init.length} numbers for shape [${shape}] (${n})`);
      for (let i = 0; i < n; i++) data[i] = init[i]!;
    }
    return tf.tensor(data, shape, 'float32');
  }

  stage(name: string, inputs: string | string[], fn: Stage['fn']): this {
    if (name in this.shapes) throw new Error(`stage '${name}' declared twice`);
    const ins = typeof inputs === 'string' ? [inputs] : inputs;
    for (const i of ins) this.shape(i);
    const st: Stage = { name, inputs: ins, fn };
    this.shapes[name] = tf.tidy(() => {
      const y = fn(
        ins.map((i) => tf.zeros([1, ...this.shape(i)])),
        { training: false },
      );
      return y.shape.slice(1);
    });
    this.stages.push(st);
    return this;
  }

  /**
   * A site whose position depends on the example: `site` is `from` [L, ...] read at the index that input
   * `position` ([1], an integer) gives for each example, and `into` is `from` with `site` written back there, so
   * stages that read `into` see an interchange at `site`. The base and the source each read their own position
   * (ReaSCAN's noun token), and the patched value goes back at the base's.
   */
  positioned(site: string, opts: { from: string; position: string; into: string }): this {
    const [len] = this.shape(opts.from);
    if (len === undefined) throw new Error(`positioned ${site}: '${opts.from}' has no positions`);
    const oneHot = (p: Tensor): Tensor => tf.oneHot(tf.cast(tf.reshape(p, [-1]), 'int32'), len); // [B, L]
    const expand = (m: Tensor, rank: number): Tensor =>
      tf.reshape(m, [...m.shape, ...new Array<number>(rank - 2).fill(1)]);
    this.stage(site, [opts.from, opts.position], ([x, p]) => {
      const m = expand(oneHot(p!), x!.rank);
      return tf.sum(tf.mul(x!, m), 1);
    });
    return this.stage(opts.into, [opts.from, site, opts.position], ([x, v, p]) => {
      // x + m·(v − x at p): unchanged when v is x's own value there; the gradient reaches x and v.
      const m = expand(oneHot(p!), x!.rank);
      return tf.add(x!, tf.mul(m, tf.sub(tf.expandDims(v!, 1), x!)));
    });
  }

  /** Dense layer `out = act(x·W + b)` with parameters `${name}.weight` and `${name}.bias`. */
  dense(
    name: string,
    from: string,
    units: number,
    opts: { activation?: 'relu' | 'tanh' | 'linear'; bias?: boolean; init?: Initializer } = {},
  ): this {
    const inDim = this.shape(from).reduce((a, b) => a * b, 1);
    const W = this.param(`${name}.weight`, [inDim, units], opts.init ?? 'glorot');
    const b = opts.bias === false ? undefined : this.param(`${name}.bias`, [units], 'zeros');
    const act = opts.activation ?? 'linear';
    return this.stage(name, from, ([x]) => {
      const flat = x!.rank > 2 ? tf.reshape(x!, [x!.shape[0]!, inDim]) : x!;
      let y = tf.matMul(flat, W);
      if (b) y = tf.add(y, b);
      return act === 'relu' ? tf.relu(y) : act === 'tanh' ? tf.tanh(y) : y;
    });
  }

  /** `workingFloats`: see Network.workingFloats (a stage that loops keeps much more than its output). */
  build(output?: string, opts: { workingFloats?: number } = {}): Network {
    const out = output ?? this.stages[this.stages.length - 1]?.name;
    if (!out) throw new Error('network has no stages');
    return new Network(
      Object.fromEntries(Object.entries(this.inputs)),
      this.stages,
      this.params,
      out,
      Object.fromEntries(this.stages.map((s) => [s.name, this.shapes[s.name]!])),
      this.buffers,
      this.optional,
      opts.workingFloats ?? 0,
    );
  }
}

let uniq = 0;

/**
 * Starts a network with named inputs (per-example shapes); `optional` inputs may be left out of a run (stages
 * see undefined), as a decoder's teacher-forcing targets at evaluation.
 */
export function network(
  inputs: Record<string, number[]>,
  opts: { seed?: number; optional?: string[] } = {},
): NetworkBuilder {
  for (const o of opts.optional ?? [])
    if (!(o in inputs)) throw new Error(`network: optional input '${o}' is not among the inputs`);
  return new NetworkBuilder(inputs, opts.seed ?? 0, new Set(opts.optional ?? []));
}
