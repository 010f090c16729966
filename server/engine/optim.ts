/**
 * Optimizers (SGD with momentum, Adam, AdamW) and learning-rate schedules.
 * Written over tf ops rather than tf.train so their state is plain named
 * tensors that checkpoints can save and restore.
 *
 * Adam and AdamW update every parameter in one pass over the concatenated
 * gradients, with their moments kept as two flat tensors: a dozen kernels per
 * step instead of a dozen per parameter, which is most of the optimizer's
 * cost on small networks (per-kernel dispatch dominates there). Each element
 * sees the same float32 operations in the same order as a per-parameter
 * update, so the result is identical; checkpoints still hold the moments per
 * parameter name.
 */
import { IITError } from './errors';
import { tf, type Tensor } from './tf';

export type OptimizerDecl =
  | { type: 'sgd'; lr: number; momentum?: number; weightDecay?: number }
  | { type: 'adam' | 'adamw'; lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number };

export type ScheduleDecl =
  | { type: 'constant' }
  | { type: 'step'; every: number; gamma: number }
  /**
   * Linear warm-up from 0 over `warmup` steps, then linear decay to 0 at `total` (default: the run's length,
   * so `--steps` overrides and epoch-based runs decay where they end).
   */
  | { type: 'warmup-linear'; warmup: number; total?: number };

/** The schedule with its defaults filled in for a run of `runSteps` steps. */
export function scheduleForRun(s: ScheduleDecl | undefined, runSteps: number): ScheduleDecl | undefined {
  return s?.type === 'warmup-linear' && s.total === undefined ? { ...s, total: runSteps } : s;
}

export function learningRate(base: number, s: ScheduleDecl | undefined, step: number): number {
  if (!s || s.type === 'constant') return base;
  if (s.type === 'step') return base * Math.pow(s.gamma, Math.floor(step / s.every));
  if (s.total === undefined)
    throw new IITError('bad-config', 'warmup-linear schedule without a total', 'give schedule.total (steps)');
  if (step < s.warmup) return (base * (step + 1)) / s.warmup;
  return base * Math.max(0, (s.total - step) / Math.max(1, s.total - s.warmup));
}

/** A non-trainable variable holding t's values; t itself is released. */
function owned(t: Tensor): tf.Variable {
  const v = tf.variable(t, false);
  t.dispose();
  return v;
}

/** Parameters updated together, in order, with their flat sizes. */
interface FusedLayout {
  names: string[];
  sizes: number[];
  /** Moments m and s over the concatenated parameters. */
  m: tf.Variable;
  s: tf.Variable;
}

export class Optimizer {
  step = 0;
  private readonly slots = new Map<string, tf.Variable[]>();
  private fused?: FusedLayout;

  constructor(
    readonly decl: OptimizerDecl,
    readonly schedule: ScheduleDecl | undefined,
    private readonly vars: Map<string, tf.Variable>,
  ) {
    if (!(decl.lr > 0))
      throw new IITError('bad-config', `optimizer lr must be > 0, got ${decl.lr}`, 'set training.optimizer.lr');
  }

  get lr(): number {
    return learningRate(this.decl.lr, this.schedule, this.step);
  }

  private slot(name: string, v: tf.Variable, k: number): tf.Variable {
    let s = this.slots.get(name);
    if (!s) {
      s = [];
      this.slots.set(name, s);
    }
    if (!s[k]) s[k] = tf.variable(tf.zerosLike(v), false);
    return s[k]!;
  }

  /** Applies gradients keyed by parameter name. */
  apply(grads: Record<string, Tensor>): void {
    const d = this.decl;
    if (d.type !== 'sgd') {
      const names = [...this.vars.keys()].filter((n) => grads[n]);
      if (names.length > 1 && this.fuse(names)) {
        this.applyFused(grads);
        this.step++;
        return;
      }
    }
    this.applyEach(grads);
  }

  /**
   * Moves to (or keeps) the flat layout for these parameters; false when the
   * set of parameters differs from the layout's (then per-parameter slots are used).
   */
  private fuse(names: string[]): boolean {
    const f = this.fused;
    if (f) {
      if (f.names.length === names.length && f.names.every((n, i) => n === names[i])) return true;
      this.unfuse();
    }
    if (names.some((n) => this.slots.has(n) !== this.slots.has(names[0]!))) return false;
    const vars = names.map((n) => this.vars.get(n)!);
    if (vars.some((v) => v.dtype !== 'float32')) return false;
    const sizes = vars.map((v) => v.size);
    const flat = (k: number) =>
      tf.tidy(() =>
        this.slots.has(names[0]!)
          ? tf.concat(names.map((n) => tf.reshape(this.slots.get(n)![k]!, [-1])))
          : tf.zeros([sizes.reduce((a, b) => a + b, 0)]),
      );
    const m = owned(flat(0));
    const s = owned(flat(1));
    for (const n of names) this.slots.get(n)?.forEach((v) => v.dispose());
    for (const n of names) this.slots.delete(n);
    this.fused = { names, sizes, m, s };
    return true;
  }

  /** Back to per-parameter slots (the parameters being updated changed, or for checkpoints). */
  private unfuse(): void {
    const f = this.fused;
    if (!f) return;
    const parts = (flat: tf.Variable) => tf.split(flat, f.sizes);
    const ms = parts(f.m);
    const ss = parts(f.s);
    f.names.forEach((n, i) => {
      const shape = this.vars.get(n)!.shape;
      this.slots.set(n, [tf.variable(tf.reshape(ms[i]!, shape), false), tf.variable(tf.reshape(ss[i]!, shape), false)]);
    });
    [...ms, ...ss, f.m, f.s].forEach((t) => t.dispose());
    this.fused = undefined;
  }

  private applyFused(grads: Record<string, Tensor>): void {
    const f = this.fused!;
    const d = this.decl as Extract<OptimizerDecl, { type: 'adam' | 'adamw' }>;
    const lr = this.lr;
    const t = this.step + 1;
    tf.tidy(() => {
      const b1 = d.beta1 ?? 0.9;
      const b2 = d.beta2 ?? 0.999;
      const eps = d.eps ?? 1e-8;
      const wd = d.weightDecay ?? (d.type === 'adamw' ? 0.01 : 0);
      const vars = f.names.map((n) => this.vars.get(n)!);
      let g = tf.concat(f.names.map((n) => tf.reshape(grads[n]!, [-1])));
      const p = wd ? tf.concat(vars.map((v) => tf.reshape(v, [-1]))) : undefined;
      // Exactly the per-parameter update below, element by element.
      if (d.type === 'adam' && wd) g = tf.add(g, tf.mul(p!, wd));
      f.m.assign(tf.add(tf.mul(f.m, b1), tf.mul(g, 1 - b1)));
      f.s.assign(tf.add(tf.mul(f.s, b2), tf.mul(tf.square(g), 1 - b2)));
      const mHat = tf.div(f.m, 1 - Math.pow(b1, t));
      const sHat = tf.div(f.s, 1 - Math.pow(b2, t));
      let upd = tf.div(mHat, tf.add(tf.sqrt(sHat), eps));
      if (d.type === 'adamw' && wd) upd = tf.add(upd, tf.mul(p!, wd));
      const steps = tf.split(tf.mul(upd, lr), f.sizes);
      vars.forEach((v, i) => v.assign(tf.sub(v, tf.reshape(steps[i]!, v.shape))));
    });
  }

  private applyEach(grads: Record<string, Tensor>): void {
    const lr = this.lr;
    const d = this.decl;
    const t = this.step + 1;
    tf.tidy(() => {
      for (const [name, v] of this.vars) {
        let g = grads[name];
        if (!g) continue;
        if (d.type === 'sgd') {
          if (d.weightDecay) g = tf.add(g, tf.mul(v, d.weightDecay));
          if (d.momentum) {
            const m = this.slot(name, v, 0);
            m.assign(tf.add(tf.mul(m, d.momentum), g));
            g = m;
          }
          v.assign(tf.sub(v, tf.mul(g, lr)));
        } else {
          const b1 = d.beta1 ?? 0.9;
          const b2 = d.beta2 ?? 0.999;
          const eps = d.eps ?? 1e-8;
          const wd = d.weightDecay ?? (d.type === 'adamw' ? 0.01 : 0);
          // Adam folds weight decay into the gradient; AdamW decays the weights directly.
          if (d.type === 'adam' && wd) g = tf.add(g, tf.mul(v, wd));
          const m = this.slot(name, v, 0);
          const s = this.slot(name, v, 1);
          m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
          s.assign(tf.add(tf.mul(s, b2), tf.mul(tf.square(g), 1 - b2)));
          const mHat = tf.div(m, 1 - Math.pow(b1, t));
          const sHat = tf.div(s, 1 - Math.pow(b2, t));
          let upd = tf.div(mHat, tf.add(tf.sqrt(sHat), eps));
          if (d.type === 'adamw' && wd) upd = tf.add(upd, tf.mul(v, wd));
          v.assign(tf.sub(v, tf.mul(upd, lr)));
        }
      }
    });
    this.step++;
  }

  /** Slot tensors by name, for checkpoints. */
  async getState(): Promise<{ step: number; slots: Record<string, { shape: number[]; values: number[] }[]> }> {
    const slots: Record<string, { shape: number[]; values: number[] }[]> = {};
    const f = this.fused;
    if (f) {
      const [m, s] = await Promise.all([f.m.data(), f.s.data()]);
      let at = 0;
      f.names.forEach((n, i) => {
        const shape = this.vars.get(n)!.shape;
        const end = at + f.sizes[i]!;
        slots[n] = [m, s].map((flat) => ({ shape, values: Array.from(flat.subarray(at, end)) }));
        at = end;
      });
    }
    for (const [n, s] of this.slots)
      slots[n] = await Promise.all(s.map(async (v) => ({ shape: v.shape, values: Array.from(await v.data()) })));
    return { step: this.step, slots };
  }

  setState(st: { step: number; slots: Record<string, { shape: number[]; values: number[] }[]> }): void {
    this.step = st.step;
    // Per-parameter slots; the next fused step concatenates them again.
    if (this.fused) {
      this.fused.m.dispose();
      this.fused.s.dispose();
      this.fused = undefined;
    }
    for (const [n, ss] of Object.entries(st.slots)) {
      this.slots.set(
        n,
        ss.map((s) => tf.variable(tf.tensor(s.values, s.shape, 'float32'), false)),
      );
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) s.forEach((v) => v.dispose());
    this.slots.clear();
    this.fused?.m.dispose();
    this.fused?.s.dispose();
    this.fused = undefined;
  }
}
