/**
 * Behavioural accuracy and interchange intervention accuracy (IIA, Eq. 3):
 * the fraction of aligned interchange interventions where κ of the network's
 * output equals the causal model's counterfactual output. Exact over all
 * ordered (base, source) pairs when the split is small enough, otherwise over
 * seeded samples with a Wilson interval. Beside IIA, its chance level: the
 * fraction of the same pairs whose counterfactual output is the base's own
 * output (what a network that ignores the intervention scores).
 */
import { swapKey } from './alignment';
import { IITError } from './errors';
import type { PairGuardFn } from './experiment';
import { PairSampler } from './pairs';
import type { Swap } from './causal';
import { interchangeForward, type PairGroup } from './intervention';
import { wilson, type IiaMetrics, type Metrics, type SplitMetrics } from './metrics';
import { predict, predictedLabels } from './objectives';
import { Rng } from './rng';
import type { Session } from './session';
import { tf } from './tf';

export interface EvalOptions {
  splits?: string[];
  /** Pairs per intervention when sampling. */
  pairs?: number;
  exactLimit?: number;
  seed?: number;
  /** Rows per forward pass. */
  chunk?: number;
  /** Behavioural accuracy over the first this many examples of each split (default: all), for quick looks at large splits. */
  examples?: number;
  /** Pair sampling (impactful fraction, guard); default the configuration's `evaluation.sampling`. */
  sampling?: { impactful: number; guard: boolean; sourcesPerBase?: number };
}

/** Floats of activations one evaluation pass may hold at once (~256 MB; wasm's heap is a few GB at most). */
const CHUNK_FLOATS = 1 << 26;

/**
 * Rows per forward pass: 4096, or fewer when the network's sites are large (a transformer's [27, H] per layer), since
 * a pass keeps every stage's output until it is read. Sites count four times for what stages hold inside.
 */
export function evaluationChunk(net: Session['net']): number {
  const perRow = Object.values(net.shapes).reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
  return Math.max(1, Math.min(4096, Math.floor(CHUNK_FLOATS / (4 * perRow + net.workingFloats))));
}

/** Largest split whose full base × source match grid goes into the metrics. */
export const GRID_MAX_INPUTS = 16;

export async function evaluate(session: Session, opts: EvalOptions = {}): Promise<Metrics> {
  const cfg = session.config.evaluation;
  const names = opts.splits?.length ? opts.splits : cfg.splits.length ? cfg.splits : [...session.splits.keys()];
  const out: Metrics = {};
  for (const name of names)
    out[name] = await evaluateSplit(session, name, {
      ...opts,
      pairs: opts.pairs ?? cfg.pairs,
      exactLimit: opts.exactLimit ?? cfg.exactLimit,
    });
  return out;
}

async function evaluateSplit(session: Session, name: string, opts: EvalOptions): Promise<SplitMetrics> {
  const split = session.split(name);
  const chunk = opts.chunk ?? evaluationChunk(session.net);
  const n = split.size;
  const nb = Math.min(n, opts.examples ?? n);

  // Behaviour: κ(network(input)) against the causal model's output; probes read the same pass.
  let correct = 0;
  const probes = session.probes;
  const probeHits = new Array<number>(probes?.variables.length ?? 0).fill(0);
  for (let start = 0; start < nb; start += chunk) {
    const rows = Int32Array.from({ length: Math.min(chunk, nb - start) }, (_, k) => start + k);
    // Labels first: a sequence output numbers its values as it meets them, and a prediction is found among them.
    const want = Int32Array.from(rows, (i) => split.label(i));
    const preds = tf.tidy(() => {
      const outs = session.net.run(split.features(rows), { outputs: [session.net.output, ...(probes?.sites ?? [])] });
      return [predict(session.head, outs[session.net.output]!), ...(probes ? probes.predict(outs) : [])];
    });
    // Asynchronous reads: the webgpu backend in Node cannot read synchronously.
    const [p, ...pp] = await Promise.all(preds.map((t) => t.data()));
    preds.forEach((t) => t.dispose());
    const got = predictedLabels(session.head, p!, rows.length);
    rows.forEach((_, k) => (correct += got[k] === want[k] ? 1 : 0));
    if (probes) {
      const labels = probes.labels(split, rows);
      labels.forEach((ls, v) => ls.forEach((l, k) => (probeHits[v]! += pp[v]![k] === l ? 1 : 0)));
    }
  }

  const single = session.interventions('iit');
  const typed = session.hasTypes ? session.interventions('typed').filter((s) => s[0]!.from !== s[0]!.to) : [];
  const all = [...single, ...typed];
  const sampling = opts.sampling ?? session.config.evaluation.sampling ?? { impactful: 0, guard: false };
  const guard = sampling.guard ? session.experiment.decl.guard : undefined;
  if (sampling.guard && !guard)
    throw new IITError(
      'bad-config',
      'evaluation.sampling.guard is set but the experiment has no guard',
      'add guard: (base, source, swaps) => boolean to the experiment',
      session.experiment.location,
      'evaluation',
    );
  // Impactful preference and guards apply to sampled pairs.
  const exact =
    n * n * all.length <= opts.exactLimit! &&
    !(sampling.impactful > 0) &&
    !guard &&
    !((sampling.sourcesPerBase ?? 1) > 1);
  const rng = new Rng(opts.seed ?? 0);
  // `same`: pairs whose counterfactual output is the base's own output (the chance level's numerator).
  const hits = new Map<string, { k: number; n: number; same: number; dropped: number; grid?: number[] }>();
  for (const swaps of all) {
    const key = swapKey(swaps);
    const total = exact ? n * n : opts.pairs!;
    const cell = {
      k: 0,
      n: 0,
      same: 0,
      dropped: 0,
      grid: exact && n <= GRID_MAX_INPUTS ? new Array<number>(n * n).fill(0) : undefined,
    };
    hits.set(key, cell);
    const sampler = exact
      ? undefined
      : new PairSampler(split, { eval: [swaps] }, 'eval', {
          intervention: 'example',
          impactful: sampling.impactful,
          sourcesPerBase: sampling.sourcesPerBase ?? 1,
          guard: guard as PairGuardFn | undefined,
          location: session.experiment.location,
        });
    for (let start = 0; start < total; start += chunk) {
      const m = Math.min(chunk, total - start);
      let bases: Int32Array = new Int32Array(m);
      let sources: Int32Array = new Int32Array(m);
      if (sampler) ({ bases, sources } = sampler.sample(m, rng));
      else {
        for (let k = 0; k < m; k++) {
          bases[k] = Math.floor((start + k) / n);
          sources[k] = (start + k) % n;
        }
      }
      const { matches, labels } = await matchAndLabel(session, name, swaps, bases, sources);
      for (let k = 0; k < m; k++) {
        if (labels[k]! < 0) {
          cell.dropped++;
          continue;
        }
        cell.n++;
        cell.k += matches[k]!;
        if (labels[k] === split.label(bases[k]!)) cell.same++;
        if (cell.grid) cell.grid[bases[k]! * n + sources[k]!] = matches[k]!;
      }
    }
  }

  const byVariable: Record<string, number> = {};
  const dropped: Record<string, number> = {};
  const rate = (c: { k: number; n: number }) => (c.n ? c.k / c.n : 0);
  let k = 0;
  let total = 0;
  let same = 0;
  for (const swaps of single) {
    const c = hits.get(swapKey(swaps))!;
    byVariable[swaps[0]!.from] = rate(c);
    if (c.dropped) dropped[swaps[0]!.from] = c.dropped;
    k += c.k;
    total += c.n;
    same += c.same;
  }
  const iia: IiaMetrics = { overall: total ? k / total : 0, byVariable, pairs: total, exact };
  if (Object.keys(dropped).length) iia.dropped = dropped;
  if (total > 0) iia.chance = same / total;
  if (!exact) iia.interval = wilson(k, total);
  if (typed.length) {
    iia.typed = Object.fromEntries([...single, ...typed].map((s) => [swapKey(s), rate(hits.get(swapKey(s))!)]));
  }
  const grids = [...hits].filter(([, c]) => c.grid);
  if (grids.length) iia.grid = Object.fromEntries(grids.map(([key, c]) => [key, c.grid!]));
  const out: SplitMetrics = { behavioral: correct / nb, examples: nb, iia };
  if (probes) out.probe = Object.fromEntries(probes.variables.map((v, i) => [v, probeHits[i]! / nb]));
  return out;
}

/** 1 where κ(network under the interchange) equals the causal model's counterfactual output (0 where it has none). */
export async function matchPairs(
  session: Session,
  splitName: string,
  swaps: Swap[],
  bases: Int32Array,
  sources: Int32Array,
): Promise<Uint8Array> {
  return (await matchAndLabel(session, splitName, swaps, bases, sources)).matches;
}

/** `matchPairs`, with the counterfactual label index of each pair. */
async function matchAndLabel(
  session: Session,
  splitName: string,
  swaps: Swap[],
  bases: Int32Array,
  sources: Int32Array,
): Promise<{ matches: Uint8Array; labels: Int32Array }> {
  const split = session.split(splitName);
  const labels = Int32Array.from(bases, (b, k) => split.counterfactual(b, sources[k]!, swaps));
  const group: PairGroup = {
    swaps,
    baseRows: Int32Array.from(bases, (_, k) => k),
    sourceRows: Int32Array.from(bases, (_, k) => k),
  };
  const pred = tf.tidy(() => {
    const r = interchangeForward(session.net, session.alignment, split.features(bases), split.features(sources), [
      group,
    ]);
    return predict(session.head, r.groups[0]!);
  });
  const p = await pred.data();
  pred.dispose();
  const got = predictedLabels(session.head, p, bases.length);
  return { matches: Uint8Array.from(labels, (l, k) => (l >= 0 && got[k] === l ? 1 : 0)), labels };
}
