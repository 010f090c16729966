/**
 * Interchange intervention training (paper Figure 1d): each step samples
 * (base, source) pairs with an intervention each, computes the causal model's
 * counterfactual labels, runs the batched interchange on the network, and
 * minimises the weighted sum of the task and IIT losses.
 */
import { swapKey } from './alignment';
import type { Setting, Swap } from './causal';
import { SplitData, asSplit } from './data';
import { IITError } from './errors';
import { evaluate } from './evaluate';
import type { ExplicitPair, PairGuardFn } from './experiment';
import { interchangeForward, type PairGroup } from './intervention';
import type { Metrics } from './metrics';
import { crossEntropy, teacherFeed } from './objectives';
import { Optimizer, scheduleForRun } from './optim';
import { PairSampler } from './pairs';
import { Rng } from './rng';
import type { Session } from './session';
import { tf, type Tensor } from './tf';
import type { Value } from './values';

export interface StepProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  losses: Record<string, number>;
  lr: number;
  examplesPerSecond: number;
  etaSeconds: number;
}

export interface TrainHooks {
  onStep?: (p: StepProgress) => void;
  onEval?: (step: number, metrics: Metrics) => void;
  signal?: AbortSignal;
  /** Awaited after every step (checkpoints: the trainer's state is consistent here). */
  afterStep?: (trainer: Trainer) => Promise<void> | void;
}

/** Everything besides the weights that a resumed run needs to continue exactly. */
export interface TrainerState {
  step: number;
  rng: number;
  cursor: number;
  /** Exhaustive mode's shuffled epoch order, base64 of an Int32Array. */
  order?: string;
  optimizer: Awaited<ReturnType<Optimizer['getState']>>;
  droppedPairs?: number;
}

export interface TrainResult {
  steps: number;
  before?: Metrics;
  metrics: Metrics;
  history: { step: number; metrics: Metrics }[];
  trainSeconds: number;
  examplesPerSecond: number;
  stoppedEarly: boolean;
  cancelled: boolean;
  /** Pairs left out of the IIT losses because the causal model has no counterfactual output for them. */
  droppedPairs: number;
}

/** One step's pairs: rows of a split, with an intervention per objective. */
interface Batch {
  split: SplitData;
  bases: Int32Array;
  sources: Int32Array;
  /** Per objective ('iit' | 'typedIit'): the intervention index of each pair. */
  choice: Record<string, Int32Array>;
}

export class Trainer {
  readonly optimizer: Optimizer;
  readonly rng: Rng;
  step = 0;
  /** Pairs dropped so far (no valid counterfactual: the output equation gave a value outside its set, as null). */
  droppedPairs = 0;
  private readonly names = new Map<string, string>();
  /** Interventions of each objective that draws them: 'iit', 'typedIit', 'augment'. */
  private readonly sets: Record<string, Swap[][]> = {};
  private readonly pairSplit: SplitData;
  private readonly explicit?: { bases: Int32Array; sources: Int32Array; swaps: Swap[][] };
  private readonly sampler?: PairSampler;
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  private order?: Int32Array;
  private cursor = 0;
  /** The parameters the optimizer trains: all, or in align mode (freeze: 'network') the interventions' only. */
  readonly trainable: Map<string, tf.Variable>;
  /** Align mode: the network's weights are not trained and it runs in inference mode. */
  readonly frozen: boolean;

  constructor(
    readonly session: Session,
    seed: number,
  ) {
    const t = session.config.training;
    const w = session.config.objectives;
    t.sampling ??= { intervention: 'example', impactful: 0, guard: true, sourcesPerBase: 1 };
    this.rng = new Rng(seed ^ 0x5eed);
    for (const [name, v] of session.net.params) this.names.set(v.name, name);
    if (w.iit > 0) this.sets.iit = session.interventions('iit');
    if (w.typedIit > 0) this.sets.typedIit = session.interventions('typed');
    if (w.augment > 0) this.sets.augment = session.augmenter!.swaps;
    if (Array.isArray(t.pairs)) {
      const ex = this.explicitPairs(t.pairs as ExplicitPair<Record<string, Value>>[]);
      this.pairSplit = ex.split;
      this.explicit = ex;
    } else {
      this.pairSplit = session.split('train');
      const guard = t.sampling.guard ? session.experiment.decl.guard : undefined;
      const impactOf = w.iit > 0 ? 'iit' : w.typedIit > 0 ? 'typedIit' : w.augment > 0 ? 'augment' : undefined;
      this.sampler = new PairSampler(this.pairSplit, this.sets, impactOf, {
        intervention: t.sampling.intervention,
        impactful: t.sampling.impactful,
        sourcesPerBase: t.sampling.sourcesPerBase,
        ...(t.sampling.bases !== undefined ? { bases: t.sampling.bases, poolSeed: seed ^ 0xb05e } : {}),
        guard: guard as PairGuardFn | undefined,
        location: session.experiment.location,
      });
    }
    this.stepsPerEpoch = this.countSteps(1);
    this.totalSteps = t.steps ?? this.stepsPerEpoch * (t.epochs ?? 1);
    this.frozen = t.freeze === 'network';
    if (this.frozen) {
      const learned = new Set([...session.alignment.parameters, ...(session.probes?.parameters ?? [])]);
      if (learned.size === 0) {
        throw new IITError(
          'bad-config',
          "training.freeze: 'network' leaves nothing to train: no variable is aligned with rotate or lowRank",
          "align a variable with rotate: { dims } (or lowRank), or drop freeze: 'network'",
          session.experiment.location,
          'training',
        );
      }
      this.trainable = new Map([...session.net.params].filter(([n]) => learned.has(n)));
    } else this.trainable = session.net.params;
    // Built after the session, so the probes' and rotations' parameters (in net.params) are optimised and checkpointed too.
    this.optimizer = new Optimizer(t.optimizer, scheduleForRun(t.schedule, this.totalSteps), this.trainable);
  }

  /** Fractional epochs done. */
  get epoch(): number {
    return this.step / this.stepsPerEpoch;
  }

  private explicitPairs(pairs: ExplicitPair<Record<string, Value>>[]) {
    const s = this.session;
    const inputs: Setting<Record<string, Value>>[] = [];
    pairs.forEach((p) => inputs.push(p.base, p.source));
    for (const x of inputs) s.experiment.model.inputIndex(x); // rejects values outside the sets
    const split = new SplitData('pairs', asSplit(inputs), s.experiment.model, s.head, s.encodeRows, 0);
    const swaps = pairs.map((p) =>
      typeof p.variable === 'string' ? [{ from: p.variable, to: p.variable }] : p.variable,
    );
    swaps.forEach((sw) => s.alignment.plan(sw)); // validates the variables
    return {
      split,
      bases: Int32Array.from(pairs, (_, k) => 2 * k),
      sources: Int32Array.from(pairs, (_, k) => 2 * k + 1),
      swaps,
    };
  }

  /** The IIT objective whose interventions exhaustive mode enumerates. */
  private primary(): 'iit' | 'typedIit' | undefined {
    const o = this.session.config.objectives;
    return o.iit > 0 ? 'iit' : o.typedIit > 0 ? 'typedIit' : undefined;
  }

  /** Exhaustive mode: every (base, source, intervention) of the train split once per epoch. */
  private get exhaustive(): boolean {
    const t = this.session.config.training;
    if (this.explicit || t.pairs === 'sample') return false;
    // Impactful preference, a guard, or one intervention per batch need sampled pairs.
    const sm = t.sampling;
    if (
      sm.impactful > 0 ||
      sm.intervention === 'batch' ||
      (sm.sourcesPerBase ?? 1) > 1 ||
      (sm.guard && this.session.experiment.decl.guard)
    )
      return false;
    const n = this.pairSplit.size;
    const k = this.primary() ? this.sets[this.primary()!]!.length : 1;
    return t.pairs === 'all' || n * n * k <= 1_000_000;
  }

  private countSteps(epochs: number): number {
    const B = this.session.config.training.batchSize;
    if (this.explicit) return epochs * Math.ceil(this.explicit.bases.length / B);
    const n = this.pairSplit.size;
    const k = this.primary() ? this.sets[this.primary()!]!.length : 1;
    const perEpoch = this.exhaustive && this.primary() ? n * n * k : n;
    return epochs * Math.ceil(perEpoch / B);
  }

  private nextBatch(): Batch {
    const B = this.session.config.training.batchSize;
    const n = this.pairSplit.size;
    const prim = this.primary();
    if (this.explicit) {
      const m = this.explicit.bases.length;
      const rows = Int32Array.from({ length: Math.min(B, m) }, (_, k) => (this.cursor + k) % m);
      this.cursor = (this.cursor + rows.length) % m;
      return {
        split: this.pairSplit,
        bases: rows.map((r) => this.explicit!.bases[r]!),
        sources: rows.map((r) => this.explicit!.sources[r]!),
        choice: { explicit: rows },
      };
    }
    let batch: Batch;
    if (this.exhaustive && prim) {
      const bases = new Int32Array(B);
      const sources = new Int32Array(B);
      const choice: Record<string, Int32Array> = Object.fromEntries(
        Object.keys(this.sets).map((o) => [o, new Int32Array(B)]),
      );
      const k = this.sets[prim]!.length;
      const total = n * n * k;
      for (let r = 0; r < B; r++) {
        if (!this.order || this.cursor >= total) {
          this.order = this.rng.shuffle(
            Int32Array.from({ length: total }, (_, i) => i) as unknown as number[],
          ) as unknown as Int32Array;
          this.cursor = 0;
        }
        const t = this.order[this.cursor++]!;
        bases[r] = Math.floor(t / (n * k));
        sources[r] = Math.floor(t / k) % n;
        choice[prim]![r] = t % k;
      }
      for (const obj of Object.keys(choice)) {
        if (obj === prim) continue;
        for (let r = 0; r < B; r++) choice[obj]![r] = this.rng.int(this.sets[obj]!.length);
      }
      batch = { split: this.pairSplit, bases, sources, choice };
    } else {
      batch = { split: this.pairSplit, ...this.sampler!.sample(B, this.rng) };
    }
    return prim ? sortByChoice(batch, prim) : batch;
  }

  /** The intervention of pair r for an objective. */
  private swapsOf(batch: Batch, obj: string, r: number): Swap[] {
    return batch.choice.explicit
      ? this.explicit!.swaps[batch.choice.explicit[r]!]!
      : this.sets[obj]![batch.choice[obj]![r]!]!;
  }

  /**
   * Groups pairs that share an intervention; labels are the causal model's counterfactual outputs. A pair whose
   * counterfactual is no value of the output (ReaSCAN's unresolvable description) is dropped and counted.
   */
  private groups(batch: Batch, obj: string): { groups: PairGroup[]; labels: Int32Array[] } {
    const byKey = new Map<string, { swaps: Swap[]; rows: number[] }>();
    for (let r = 0; r < batch.bases.length; r++) {
      const swaps = this.swapsOf(batch, obj, r);
      const key = swapKey(swaps);
      const g = byKey.get(key) ?? { swaps, rows: [] };
      g.rows.push(r);
      byKey.set(key, g);
    }
    const groups: PairGroup[] = [];
    const labels: Int32Array[] = [];
    const head = this.session.head;
    for (const { swaps, rows } of byKey.values()) {
      const all = rows.map((r) => batch.split.counterfactual(batch.bases[r]!, batch.sources[r]!, swaps));
      const keep = rows.filter((_, k) => all[k]! >= 0);
      this.droppedPairs += rows.length - keep.length;
      if (keep.length === 0) continue;
      const rr = Int32Array.from(keep);
      const y = Int32Array.from(all.filter((l) => l >= 0));
      const feeds = teacherFeed(head, y);
      groups.push({ swaps, baseRows: rr, sourceRows: rr, ...(Object.keys(feeds).length ? { feeds } : {}) });
      labels.push(y);
    }
    return { groups, labels };
  }

  /** Augmented inputs of the batch's pairs (one per pair) and the causal model's labels for them. */
  private augmented(batch: Batch): { inputs: Setting<Record<string, Value>>[]; labels: Int32Array } {
    const s = this.session;
    const head = s.head;
    const inputs = Array.from(batch.bases, (b, r) =>
      s.augmenter!.make(
        batch.split.input(b),
        batch.split.input(batch.sources[r]!),
        this.swapsOf(batch, 'augment', r),
        this.rng,
      ),
    );
    const labels = Int32Array.from(inputs, (x) => head.values.indexOf(s.experiment.model.run(x)[head.variable]));
    return { inputs, labels };
  }

  /** One optimizer step; returns the losses per objective. */
  async trainStep(): Promise<Record<string, number>> {
    const s = this.session;
    s.alignment.schedule(this.step, this.totalSteps);
    const w = s.config.objectives;
    const batch = this.nextBatch();
    const iitObjs = this.explicit
      ? w.iit > 0 || w.typedIit > 0
        ? ['explicit']
        : []
      : (['iit', 'typedIit'] as const).filter((o) => batch.choice[o]);
    const weightOf = (o: string) => (o === 'explicit' ? w.iit || w.typedIit : w[o as 'iit' | 'typedIit']);
    const parts = iitObjs.map((o) => ({ o, ...this.groups(batch, o) })).filter((p) => p.groups.length > 0);
    const allGroups = parts.flatMap((p) => p.groups);
    const taskLabels = w.task > 0 ? Int32Array.from(batch.bases, (b) => batch.split.label(b)) : undefined;
    const probes = w.probe > 0 ? s.probes : undefined;
    const probeLabels = probes?.labels(batch.split, batch.bases);
    const aug = w.augment > 0 ? this.augmented(batch) : undefined;

    const losses: Record<string, Tensor> = {};
    const { value, grads } = tf.variableGrads(() => {
      // A sequence head's decoder reads the base's own targets for the task loss (teacher forcing).
      const base = { ...batch.split.features(batch.bases), ...(taskLabels ? teacherFeed(s.head, taskLabels) : {}) };
      const source = batch.split.features(batch.sources);
      const r = interchangeForward(s.net, s.alignment, base, source, allGroups, {
        withBase: !!taskLabels,
        training: !this.frozen,
        sites: probes?.sites,
      });
      let total: Tensor = tf.scalar(0);
      if (taskLabels) {
        losses.task = tf.keep(crossEntropy(s.head, r.base!, taskLabels));
        total = tf.add(total, tf.mul(losses.task, w.task));
      }
      let gi = 0;
      for (const p of parts) {
        const outs = r.groups.slice(gi, gi + p.groups.length);
        gi += p.groups.length;
        const name = p.o === 'explicit' ? (w.iit > 0 ? 'iit' : 'typedIit') : p.o;
        losses[name] = tf.keep(
          crossEntropy(s.head, outs.length === 1 ? outs[0]! : tf.concat(outs, 0), concatInt(p.labels)),
        );
        total = tf.add(total, tf.mul(losses[name]!, weightOf(p.o)));
      }
      if (probes && probeLabels) {
        // The probes read the bases' activations the interchange pass already computed.
        losses.probe = tf.keep(probes.loss(r.baseSites!, probeLabels));
        total = tf.add(total, tf.mul(losses.probe, w.probe));
      }
      if (aug) {
        const y = s.net.forward({ ...s.encodeRows(aug.inputs), ...teacherFeed(s.head, aug.labels) }, !this.frozen);
        losses.augment = tf.keep(crossEntropy(s.head, y, aug.labels));
        total = tf.add(total, tf.mul(losses.augment, w.augment));
      }
      return total as tf.Scalar;
    }, [...this.trainable.values()]);
    const named: Record<string, Tensor> = {};
    for (const [vname, g] of Object.entries(grads)) named[this.names.get(vname) ?? vname] = g;
    const out: Record<string, number> = { total: (await value.data())[0]! };
    for (const [k, t] of Object.entries(losses)) {
      out[k] = (await t.data())[0]!;
      t.dispose();
    }
    if (!Number.isFinite(out.total)) {
      value.dispose();
      Object.values(grads).forEach((g) => g.dispose());
      const bad = Object.entries(out).find(([k, v]) => k !== 'total' && !Number.isFinite(v))?.[0] ?? 'total';
      throw new IITError(
        'non-finite-loss',
        `training: the ${bad} loss became ${out.total} at step ${this.step + 1}`,
        `lower training.optimizer.lr (now ${this.optimizer.lr}) or check the inputs for NaN`,
        s.experiment.location,
        'training',
      );
    }
    this.optimizer.apply(named);
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
    this.step++;
    return out;
  }

  async getState(): Promise<TrainerState> {
    return {
      step: this.step,
      rng: this.rng.state,
      cursor: this.cursor,
      ...(this.order
        ? { order: Buffer.from(this.order.buffer, this.order.byteOffset, this.order.byteLength).toString('base64') }
        : {}),
      optimizer: await this.optimizer.getState(),
      ...(this.droppedPairs ? { droppedPairs: this.droppedPairs } : {}),
    };
  }

  setState(st: TrainerState): void {
    this.step = st.step;
    this.rng.state = st.rng;
    this.cursor = st.cursor;
    this.droppedPairs = st.droppedPairs ?? 0;
    if (st.order) {
      const b = Buffer.from(st.order, 'base64');
      this.order = new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    }
    this.optimizer.setState(st.optimizer);
  }

  dispose(): void {
    this.optimizer.dispose();
    if (this.explicit) this.pairSplit.dispose();
  }
}

/** Orders pairs by their intervention so each group is a contiguous run of rows (sliced, not gathered). */
function sortByChoice(b: Batch, key: string): Batch {
  const c = b.choice[key]!;
  const order = Array.from(c, (_, i) => i).sort((x, y) => c[x]! - c[y]! || x - y);
  const pick = (a: Int32Array) => Int32Array.from(order, (i) => a[i]!);
  return {
    split: b.split,
    bases: pick(b.bases),
    sources: pick(b.sources),
    choice: Object.fromEntries(Object.entries(b.choice).map(([k, v]) => [k, pick(v)])),
  };
}

function concatInt(xs: Int32Array[]): Int32Array {
  const out = new Int32Array(xs.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of xs) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

/** Trains the session's network to the configured number of steps (or until targets are met). */
export async function train(
  session: Session,
  opts: { seed: number; hooks?: TrainHooks; trainer?: Trainer; before?: Metrics },
): Promise<TrainResult> {
  const cfg = session.config;
  const evalOpts = { seed: opts.seed };
  // A resumed run passes the `before` it measured at its start.
  const before = opts.before ?? (cfg.evaluation.before ? await evaluate(session, evalOpts) : undefined);
  const trainer = opts.trainer ?? new Trainer(session, opts.seed);
  const history: { step: number; metrics: Metrics }[] = [];
  const B = cfg.training.batchSize;
  let trainMs = 0;
  let stoppedEarly = false;
  let cancelled = false;
  let metrics: Metrics | undefined;
  try {
    while (trainer.step < trainer.totalSteps) {
      if (opts.hooks?.signal?.aborted) {
        cancelled = true;
        break;
      }
      const s0 = performance.now();
      const losses = await trainer.trainStep();
      trainMs += performance.now() - s0;
      const eps = (trainer.step * B) / (trainMs / 1000);
      opts.hooks?.onStep?.({
        step: trainer.step,
        totalSteps: trainer.totalSteps,
        epoch: trainer.epoch,
        losses,
        lr: trainer.optimizer.lr,
        examplesPerSecond: eps,
        etaSeconds: ((trainer.totalSteps - trainer.step) * B) / eps,
      });
      const every = cfg.training.evalEvery;
      if (every > 0 && trainer.step % every === 0 && trainer.step < trainer.totalSteps) {
        metrics = await evaluate(session, evalOpts);
        history.push({ step: trainer.step, metrics });
        opts.hooks?.onEval?.(trainer.step, metrics);
        const until = cfg.training.until;
        const tr = metrics.train;
        if (
          until &&
          tr &&
          (until.iia === undefined || tr.iia.overall >= until.iia) &&
          (until.behavioral === undefined || tr.behavioral >= until.behavioral)
        ) {
          stoppedEarly = true;
          break;
        }
      }
      await opts.hooks?.afterStep?.(trainer);
      // Let the event loop breathe (cancellation, progress messages).
      if (trainer.step % 16 === 0) await new Promise((r) => setImmediate(r));
    }
    if (!stoppedEarly || !metrics) {
      metrics = await evaluate(session, evalOpts);
      history.push({ step: trainer.step, metrics });
      opts.hooks?.onEval?.(trainer.step, metrics);
    }
  } finally {
    if (!opts.trainer) trainer.dispose();
  }
  const trainSeconds = trainMs / 1000;
  return {
    steps: trainer.step,
    before,
    metrics,
    history,
    trainSeconds,
    examplesPerSecond: trainer.step ? (trainer.step * B) / trainSeconds : 0,
    stoppedEarly,
    cancelled,
    droppedPairs: trainer.droppedPairs,
  };
}
