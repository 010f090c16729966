/**
 * Optimizers (SGD with momentum, Adam, AdamW) and learning-rate schedules.
 * Written over tf ops rather than tf.train so their state is plain named
 * tensors that checkpoints can save and restore.
 */
import { IITError } from './errors';
import { tf, type Tensor } from './tf';

export type OptimizerDecl =
  | { type: 'sgd'; lr: number; momentum?: number; weightDecay?: number }
  | { type: 'adam' | 'adamw'; lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number };

export type ScheduleDecl =
  | { type: 'constant' }
  | { type: 'step'; every: number; gamma: number }
  /** Linear warm-up from 0 over `warmup` steps, then linear decay to 0 at `total`. */
  | { type: 'warmup-linear'; warmup: number; total: number };

export function learningRate(base: number, s: ScheduleDecl | undefined, step: number): number {
  if (!s || s.type === 'constant') return base;
  if (s.type === 'step') return base * Math.pow(s.gamma, Math.floor(step / s.every));
  if (step < s.warmup) return (base * (step + 1)) / s.warmup;
  return base * Math.max(0, (s.total - step) / Math.max(1, s.total - s.warmup));
}

export class Optimizer {
  step = 0;
  private readonly slots = new Map<string, tf.Variable[]>();

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
    for (const [n, s] of this.slots)
      slots[n] = await Promise.all(s.map(async (v) => ({ shape: v.shape, values: Array.from(await v.data()) })));
    return { step: this.step, slots };
  }

  setState(st: { step: number; slots: Record<string, { shape: number[]; values: number[] }[]> }): void {
    this.step = st.step;
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
  }
}
