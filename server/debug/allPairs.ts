/**
 * Run All Pairs: the session's variable over every ordered (base, source)
 * pair of its split, or over sampled pairs above the configuration's
 * `exactLimit` (with a 95% Wilson interval), with the engine's `matchPairs`,
 * the function IIA is computed with.
 */
import { swapKey } from '../engine/alignment';
import { matchPairs } from '../engine/evaluate';
import { wilson } from '../engine/metrics';
import { Rng } from '../engine/rng';
import type { AllPairsResult, RunAllPairsArgs } from '../protocol/debug';
import { describeInput, type Prepared } from './launch';

/** Mismatching pairs listed in the result, at most. */
const MAX_MISMATCHES = 500;
/** Pairs per matchPairs call: bounds the tensors one call builds. */
const CHUNK = 4096;

export async function runAllPairs(p: Prepared, opts: RunAllPairsArgs = {}): Promise<AllPairsResult> {
  const s = p.session;
  const data = s.split(p.split);
  const n = data.size;
  const limit = opts.limit ?? s.config.evaluation.exactLimit;
  const exact = n * n <= limit;
  const total = exact ? n * n : (opts.sample ?? s.config.evaluation.pairs);
  const rng = new Rng(opts.seed ?? 0);
  let matches = 0;
  const mismatches: AllPairsResult['mismatches'] = [];
  const fmt = (i: number) => describeInput({ index: i, input: data.input(i) });
  for (let start = 0; start < total; start += CHUNK) {
    const m = Math.min(CHUNK, total - start);
    const bases = new Int32Array(m);
    const sources = new Int32Array(m);
    for (let k = 0; k < m; k++) {
      bases[k] = exact ? Math.floor((start + k) / n) : rng.int(n);
      sources[k] = exact ? (start + k) % n : rng.int(n);
    }
    const hit = await matchPairs(s, p.split, p.swaps, bases, sources);
    for (let k = 0; k < m; k++) {
      if (hit[k]) matches++;
      else if (mismatches.length < MAX_MISMATCHES)
        mismatches.push({
          base: bases[k]!,
          source: sources[k]!,
          baseInput: fmt(bases[k]!),
          sourceInput: fmt(sources[k]!),
        });
    }
  }
  return {
    variable: swapKey(p.swaps),
    split: p.split,
    pairs: total,
    matches,
    iia: matches / total,
    exact,
    ...(exact ? {} : { interval: wilson(matches, total) }),
    mismatches,
  };
}
