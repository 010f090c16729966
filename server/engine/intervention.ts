/**
 * Interchange interventions on the network (paper Eq. 1 and Eq. 6), batched.
 *
 * Bases and sources go through the network up to the aligned sites in one
 * batch; each group of pairs that shares an intervention takes the source's
 * aligned neurons into the base's (a select, so gradients reach both the base
 * and the source computation: the paper's "double update", Figure 2); all
 * patched rows, plus the unpatched bases when asked, continue from the site
 * in one pass. No per-example JavaScript runs here.
 *
 * What "takes the source's aligned neurons" means is the site's intervention
 * kind (interventions/: a neuron block, or coordinates of a learned rotation
 * for DAS); `patchSite` dispatches to it.
 */
import type { Alignment } from './alignment';
import { INTERVENTIONS, type PatchMemo, type SitePatch } from './interventions';
import type { Swap } from './causal';
import type { Feeds, Network } from './network';
import { tf, type Tensor } from './tf';

/** Pairs (rows of the base and source batches) that share one intervention. */
export interface PairGroup {
  swaps: Swap[];
  baseRows: Int32Array;
  sourceRows: Int32Array;
  /**
   * Feeds for the patched rows' continuation, one row per pair, in place of the base's by key: a decoder's
   * teacher-forcing targets, which are the counterfactual's tokens, not the base's.
   */
  feeds?: Feeds;
}

export interface InterchangeOutput {
  /** Network output on the unpatched bases (when `withBase`). */
  base?: Tensor;
  /** Network output on the patched bases, one tensor per group. */
  groups: Tensor[];
  /** Site activations, when `keepSites`: base and source, by site. */
  sites?: Record<string, { base: Tensor; source: Tensor }>;
  /** The bases' activations at the sites asked for with `sites` (e.g. for probes). */
  baseSites?: Record<string, Tensor>;
}

/**
 * **The interchange intervention** at one site: the base's activations
 * (both [R, ...site shape]) with the source's value of the aligned variables
 * written in, by the kind that planned the patch. A neuron block
 * (interventions/neuron.ts) is base·(1−m) + source·m with a 0/1 mask; a
 * rotated or low-rank variable (interventions/subspace.ts) is swapped in a
 * learned orthonormal basis. Either way the gradient reaches the base and the
 * source computations (and the basis). `memo` shares per-pass tensors (a
 * rotation built from its parameters) between the patches of one pass.
 */
export function patchSite(base: Tensor, source: Tensor, p: SitePatch, memo?: PatchMemo): Tensor {
  return (INTERVENTIONS[p.kind].patch as (b: Tensor, s: Tensor, p: SitePatch, m?: PatchMemo) => Tensor)(
    base,
    source,
    p,
    memo,
  );
}

/**
 * Rows of t as slices of its runs of consecutive rows, concatenated: one slice when they are contiguous. Not a
 * gather: its gradient is a segment sum, which the wasm backend lacks (a group whose dropped pairs leave holes).
 */
export function takeRows(t: Tensor, rows: Int32Array): Tensor {
  const runs: [number, number][] = [];
  for (const r of rows) {
    const last = runs[runs.length - 1];
    if (last && r === last[0] + last[1]) last[1]++;
    else runs.push([r, 1]);
  }
  if (runs.length === 1 && runs[0]![1] === t.shape[0]) return t;
  const parts = runs.map(([start, n]) => tf.slice(t, start, n));
  return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
}

function rowsOf(feeds: Feeds): number {
  return Object.values(feeds)[0]!.shape[0]!;
}

/** Row-wise concatenation of the inputs every part has (an optional input one part lacks is left out). */
function concatFeeds(...parts: Feeds[]): Feeds {
  if (parts.length === 1) return parts[0]!;
  const keys = Object.keys(parts[0]!).filter((k) => parts.every((p) => p[k]));
  return Object.fromEntries(
    keys.map((k) => [
      k,
      tf.concat(
        parts.map((p) => p[k]!),
        0,
      ),
    ]),
  );
}

/** The base rows of a group, with the group's own feeds over them. */
function groupFeeds(base: Feeds, g: PairGroup): Feeds {
  return { ...gatherFeeds(base, tf.tensor1d(g.baseRows, 'int32')), ...g.feeds };
}

function gatherFeeds(f: Feeds, rows: Tensor): Feeds {
  return Object.fromEntries(Object.entries(f).map(([k, t]) => [k, tf.gather(t, rows)]));
}

/**
 * Runs every group's interchange intervention in as few passes as the sites
 * allow: one shared pass to the sites, then one continuation per site.
 */
export function interchangeForward(
  net: Network,
  alignment: Alignment,
  base: Feeds,
  source: Feeds,
  groups: PairGroup[],
  opts: { withBase?: boolean; training?: boolean; keepSites?: boolean; sites?: string[] } = {},
): InterchangeOutput {
  const training = opts.training ?? false;
  const plans = groups.map((g) => alignment.plan(g.swaps));
  const extra = opts.sites ?? [];
  const sites = [...new Set([...plans.flatMap((ps) => ps.map((p) => p.site)), ...extra])];
  const nb = rowsOf(base);
  if (groups.length === 0) {
    // No interchange: one pass over the bases for the output and the asked-for sites.
    if (!opts.withBase && extra.length === 0) return { groups: [] };
    const outs = net.run(base, { outputs: [...extra, ...(opts.withBase ? [net.output] : [])], training });
    return {
      base: opts.withBase ? outs[net.output] : undefined,
      groups: [],
      ...(extra.length ? { baseSites: Object.fromEntries(extra.map((s) => [s, outs[s]!])) } : {}),
    };
  }
  // One pass for bases and sources together up to every aligned site.
  const acts = net.run(concatFeeds(base, source), { outputs: sites, training });
  const baseAct: Record<string, Tensor> = {};
  const srcAct: Record<string, Tensor> = {};
  for (const s of sites) {
    const t = acts[s]!;
    baseAct[s] = tf.slice(t, 0, nb);
    srcAct[s] = tf.slice(t, nb, t.shape[0]! - nb);
  }

  const out: InterchangeOutput = { groups: new Array(groups.length) };
  if (extra.length) out.baseSites = Object.fromEntries(extra.map((s) => [s, baseAct[s]!]));
  if (opts.keepSites) {
    out.sites = Object.fromEntries(sites.map((s) => [s, { base: baseAct[s]!, source: srcAct[s]! }]));
  }
  const single = plans.map((ps) => (ps.length === 1 ? ps[0]!.site : undefined));
  const memo: PatchMemo = new Map();
  let baseDone = !opts.withBase;

  // Groups patched at one site continue together from that site.
  for (const site of sites) {
    const members = groups.map((_, i) => i).filter((i) => single[i] === site);
    const withBase = !baseDone;
    if (members.length === 0 && !withBase) continue;
    // Stages the output needs besides the site (skip connections around it, a decoder's targets) see the same rows.
    const needFeeds = net.requiredFeeds([net.output], [site]);
    const parts: Tensor[] = withBase ? [baseAct[site]!] : [];
    const sizes: number[] = withBase ? [nb] : [];
    const feedParts: Feeds[] = withBase ? [base] : [];
    for (const i of members) {
      const g = groups[i]!;
      const b = takeRows(baseAct[site]!, g.baseRows);
      const s = takeRows(srcAct[site]!, g.sourceRows);
      parts.push(patchSite(b, s, plans[i]![0]!, memo));
      sizes.push(g.baseRows.length);
      if (needFeeds.length) feedParts.push(groupFeeds(base, g));
    }
    const known = { [site]: parts.length === 1 ? parts[0]! : tf.concat(parts, 0) };
    const feeds = needFeeds.length ? concatFeeds(...feedParts) : {};
    const y = net.run(feeds, { known, training })[net.output]!;
    const pieces = sizes.length === 1 ? [y] : tf.split(y, sizes, 0);
    let k = 0;
    if (withBase) {
      out.base = pieces[k++];
      baseDone = true;
    }
    for (const i of members) out.groups[i] = pieces[k++]!;
  }

  // Interventions spanning several sites patch each site as the base's pass computes it.
  groups.forEach((g, i) => {
    if (single[i] !== undefined) return;
    const patch: Record<string, (t: Tensor) => Tensor> = {};
    for (const p of plans[i]!) patch[p.site] = (t) => patchSite(t, takeRows(srcAct[p.site]!, g.sourceRows), p, memo);
    out.groups[i] = net.run(groupFeeds(base, g), { patch, training })[net.output]!;
  });
  return out;
}
