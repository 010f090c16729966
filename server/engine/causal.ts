/**
 * High-level structural causal models (paper §3): variables with finite value
 * sets, parents and structural equations; interventions, interchange
 * interventions (Eq. 1) and typed interchange interventions (Eq. 6).
 */
import { IITError, callerLocation, type SourceLocation } from './errors';
import type { Rng } from './rng';
import { formatValue, type Value, type ValueSet } from './values';

export interface VariableDecl<M, K extends keyof M> {
  values: ValueSet<M[K] & Value>;
  /** Parents of the variable; none makes it an input. */
  parents?: readonly (keyof M & string)[];
  /** Structural equation: receives the parents' values (only those). */
  f?: (parents: M) => M[K];
  /** Variables of one type share value set and neuron shape, so typed interchanges may swap them. */
  type?: string;
}

export type ModelDecls<M> = { [K in keyof M]: VariableDecl<M, K> };

/** A setting of some variables. */
export type Setting<M> = Partial<M>;

/** One interchange: the value `from` takes on the source is written into `to` on the base. */
export interface Swap<K extends string = string> {
  from: K;
  to: K;
}

const MAX_CHECKED_INPUTS = 4096;

export class CausalModel<M extends Record<string, Value> = Record<string, Value>> {
  readonly names: (keyof M & string)[];
  /** Topological order: every variable after its parents. */
  readonly order: (keyof M & string)[];
  readonly inputs: (keyof M & string)[];
  readonly outputs: (keyof M & string)[];
  readonly intermediates: (keyof M & string)[];
  readonly parents: Record<string, readonly string[]>;
  readonly children: Record<string, string[]>;

  constructor(
    readonly decls: ModelDecls<M>,
    readonly location?: SourceLocation,
  ) {
    this.names = Object.keys(decls) as (keyof M & string)[];
    this.parents = {};
    this.children = Object.fromEntries(this.names.map((n) => [n, [] as string[]]));
    for (const name of this.names) {
      const d = decls[name] as VariableDecl<M, typeof name> | undefined;
      if (!d || typeof d !== 'object' || !d.values || typeof d.values.indexOf !== 'function') {
        throw this.err(
          'bad-declaration',
          `variable ${name} has no value set`,
          `give ${name} { values: bool | range(lo, hi) | oneOf(...) | tuple(...) }`,
          name,
        );
      }
      const ps = d.parents ?? [];
      for (const p of ps) {
        if (!(p in decls)) {
          throw this.err(
            'unknown-parent',
            `variable ${name} lists unknown parent '${String(p)}'`,
            `declare ${String(p)} in the causal model or remove it from ${name}.parents`,
            name,
          );
        }
      }
      if (ps.length === 0 && d.f) {
        throw this.err(
          'bad-declaration',
          `variable ${name} has an equation but no parents`,
          `list the variables ${name}.f reads in ${name}.parents, or drop f to make ${name} an input`,
          name,
        );
      }
      if (ps.length > 0 && typeof d.f !== 'function') {
        throw this.err(
          'bad-declaration',
          `variable ${name} has parents but no equation f`,
          `add f: (${ps.join(', ')}) => value to ${name}`,
          name,
        );
      }
      this.parents[name] = ps;
      for (const p of ps) this.children[p]!.push(name);
    }
    this.order = this.topoSort();
    this.inputs = this.names.filter((n) => this.parents[n]!.length === 0);
    this.outputs = this.names.filter((n) => this.children[n]!.length === 0 && this.parents[n]!.length > 0);
    this.intermediates = this.order.filter((n) => !this.inputs.includes(n) && !this.outputs.includes(n));
    this.check();
  }

  private err(code: ConstructorParameters<typeof IITError>[0], msg: string, fix: string, subject?: string) {
    return new IITError(code, `causal model: ${msg}`, fix, this.location, subject);
  }

  private topoSort(): (keyof M & string)[] {
    const state = new Map<string, 1 | 2>();
    const out: (keyof M & string)[] = [];
    const visit = (n: string, path: string[]) => {
      if (state.get(n) === 2) return;
      if (state.get(n) === 1) {
        const cycle = [...path.slice(path.indexOf(n)), n];
        throw this.err(
          'cycle',
          `cycle ${cycle.join(' → ')}`,
          `remove one of these parent links so the model is acyclic`,
          n,
        );
      }
      state.set(n, 1);
      for (const p of this.parents[n]!) visit(p, [...path, n]);
      state.set(n, 2);
      out.push(n as keyof M & string);
    };
    for (const n of this.names) visit(n, []);
    return out;
  }

  /** Runs every equation on some inputs so that bad equations fail at declaration time. */
  private check(): void {
    const size = this.inputSpaceSize;
    const n = Math.min(size, MAX_CHECKED_INPUTS);
    // Small spaces are checked whole; large ones on an evenly spread subset (deterministic).
    for (let k = 0; k < n; k++) {
      const idx = size <= MAX_CHECKED_INPUTS ? k : Math.floor((k * size) / n);
      this.runChecked(this.inputAt(idx));
    }
  }

  private runChecked(input: Setting<M>): M {
    const vals: Record<string, Value> = {};
    for (const name of this.order) {
      const d = this.decls[name];
      if (this.parents[name]!.length === 0) {
        vals[name] = input[name] as Value;
        continue;
      }
      const ps = this.parents[name]!;
      const view = new Proxy(this.parentValues(name, vals) as M, {
        get: (t, key) => {
          if (typeof key === 'string' && key in this.decls && !ps.includes(key)) {
            throw this.err(
              'bad-declaration',
              `${name}'s equation reads ${key}, which is not among its parents [${ps.join(', ')}]`,
              `add '${key}' to ${name}.parents`,
              name,
            );
          }
          return t[key as keyof M];
        },
      });
      let v: unknown;
      try {
        v = d.f!(view);
      } catch (e) {
        if (e instanceof IITError) throw e;
        throw this.err(
          'equation-throws',
          `${name}'s equation throws on input ${this.formatSetting(input)}: ${(e as Error).message}`,
          `make ${name}.f total over its parents' values`,
          name,
        );
      }
      if (!d.values.has(v)) {
        throw this.err(
          'value-out-of-set',
          `${name}'s equation returns ${JSON.stringify(v)} on input ${this.formatSetting(input)}, outside ${d.values.describe()}`,
          `widen ${name}.values or fix ${name}.f`,
          name,
        );
      }
      vals[name] = v as Value;
    }
    return vals as M;
  }

  private parentValues(name: string, vals: Record<string, Value>): Record<string, Value> {
    const p: Record<string, Value> = {};
    for (const q of this.parents[name]!) p[q] = vals[q]!;
    return p;
  }

  /** Number of settings of the input variables. */
  get inputSpaceSize(): number {
    return this.inputs.reduce((n, i) => n * this.decls[i].values.size, 1);
  }

  valueSet<K extends keyof M & string>(name: K): ValueSet<M[K] & Value> {
    const d = this.decls[name];
    if (!d) throw new IITError('unknown-variable', `unknown variable '${name}'`, `use one of ${this.names.join(', ')}`);
    return d.values;
  }

  typeOf(name: keyof M & string): string {
    return this.decls[name].type ?? name;
  }

  /** The input setting with dense index i (mixed radix over inputs, last fastest). */
  inputAt(i: number): Setting<M> {
    const out: Record<string, Value> = {};
    for (let k = this.inputs.length - 1; k >= 0; k--) {
      const name = this.inputs[k]!;
      const s = this.decls[name].values;
      out[name] = s.at(i % s.size);
      i = Math.floor(i / s.size);
    }
    // Keep declaration order in the object for readable output.
    return Object.fromEntries(this.inputs.map((n) => [n, out[n]])) as Setting<M>;
  }

  inputIndex(input: Setting<M>): number {
    let idx = 0;
    for (const name of this.inputs) {
      const s = this.decls[name].values;
      const j = s.indexOf(input[name]);
      if (j < 0)
        throw new IITError(
          'value-out-of-set',
          `input ${name}=${JSON.stringify(input[name])} is outside ${s.describe()}`,
          `give ${name} a value in its set`,
          undefined,
          name,
        );
      idx = idx * s.size + j;
    }
    return idx;
  }

  /** Every input setting, when there are at most `limit`. */
  enumerateInputs(limit = 1 << 20): Setting<M>[] {
    const n = this.inputSpaceSize;
    if (n > limit)
      throw this.err(
        'bad-config',
        `the input space has ${n} settings, more than the ${limit} that can be listed`,
        'declare the data the runs use: data: { train, test } with splits drawn from the model (see "Data splits" in the README)',
      );
    return Array.from({ length: n }, (_, i) => this.inputAt(i));
  }

  sampleInput(rng: Rng): Setting<M> {
    const out: Record<string, Value> = {};
    for (const name of this.inputs) {
      const s = this.decls[name].values;
      out[name] = s.at(rng.int(s.size));
    }
    return out as Setting<M>;
  }

  /** All variable values on `input`, with `intervention` (do(V←v)) overriding equations. */
  run(input: Setting<M>, intervention: Setting<M> = {}): M {
    const vals: Record<string, Value> = {};
    for (const name of this.order) {
      if (name in intervention && intervention[name] !== undefined) {
        const v = intervention[name];
        if (!this.decls[name].values.has(v)) {
          throw new IITError(
            'value-out-of-set',
            `do(${name} ← ${JSON.stringify(v)}): outside ${this.decls[name].values.describe()}`,
            `intervene with a value in ${name}'s set`,
            undefined,
            name,
          );
        }
        vals[name] = v as Value;
      } else if (this.parents[name]!.length === 0) {
        const v = input[name];
        if (v === undefined)
          throw new IITError(
            'bad-config',
            `input ${name} is missing`,
            `give every input: ${this.inputs.join(', ')}`,
            undefined,
            name,
          );
        vals[name] = v as Value;
      } else {
        vals[name] = this.decls[name].f!(this.parentValues(name, vals) as M) as Value;
      }
    }
    return vals as M;
  }

  /** The model with the equations of the given variables replaced by constants (Pearl's do). */
  intervene(values: Setting<M>): { run: (input: Setting<M>) => M } {
    return { run: (input) => this.run(input, values) };
  }

  /** INTINV(M, base, source, V) of Eq. 1, for one or several variables at once. */
  interchange(base: Setting<M>, source: Setting<M>, variables: (keyof M & string) | (keyof M & string)[]): M {
    const vs = Array.isArray(variables) ? variables : [variables];
    return this.typedInterchange(
      base,
      source,
      vs.map((v) => ({ from: v, to: v })),
    );
  }

  /** T-INTINV of Eq. 6: each `to` is set to the value its `from` takes on the source. */
  typedInterchange(base: Setting<M>, source: Setting<M>, swaps: Swap<keyof M & string>[]): M {
    const src = this.run(source);
    const intervention: Record<string, Value> = {};
    for (const { from, to } of swaps) {
      if (this.typeOf(from) !== this.typeOf(to)) {
        throw new IITError(
          'type-shape-mismatch',
          `cannot swap ${from} into ${to}: types ${this.typeOf(from)} and ${this.typeOf(to)} differ`,
          `give both the same type`,
          undefined,
          to,
        );
      }
      intervention[to] = src[from];
    }
    return this.run(base, intervention as Setting<M>);
  }

  /** Whether `output` depends on `variable` (a directed path exists). */
  dependsOn(output: string, variable: string): boolean {
    const seen = new Set<string>();
    const stack = [output];
    while (stack.length) {
      const n = stack.pop()!;
      if (n === variable) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...this.parents[n]!);
    }
    return false;
  }

  formatSetting(s: Setting<M>): string {
    return `{${Object.entries(s)
      .map(([k, v]) => `${k}=${formatValue(v)}`)
      .join(', ')}}`;
  }
}

/**
 * Declares a causal model. Value types flow from each `values` into the
 * equations' parameters, so `f: ({ X1, X2 }) => X1 && X2` is checked by tsc.
 */
export function causalModel<M extends Record<string, Value>>(decls: ModelDecls<M>): CausalModel<M> {
  return new CausalModel(decls, callerLocation());
}
