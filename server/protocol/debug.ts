/**
 * The debugger's custom DAP request, shared by the adapter (server/debug/session.ts, which serves it) and the
 * extension (extension/debug.ts, which sends it for "Run All Pairs"). DAP is not JSON-RPC, so it is a name and two
 * shapes rather than a RequestType.
 */

/** IIA of the session's variable over every ordered (base, source) pair of its split, or over sampled pairs. */
export const RUN_ALL_PAIRS = 'iit/runAllPairs';

/** Arguments of `iit/runAllPairs`, all optional. */
export interface RunAllPairsArgs {
  /** Evaluate every ordered pair when the split has at most this many (default: the configuration's `exactLimit`). */
  limit?: number;
  /** Pairs to sample above the limit (default: the configuration's evaluation `pairs`). */
  sample?: number;
  /** Seed of the sampled pairs (default 0). */
  seed?: number;
}

/** The response body of `iit/runAllPairs`. */
export interface AllPairsResult {
  variable: string;
  split: string;
  pairs: number;
  matches: number;
  iia: number;
  exact: boolean;
  /** 95% Wilson interval of `iia`, for sampled pairs. */
  interval?: [number, number];
  /** Mismatching (base, source) indices in the split, with their inputs (at most 500). */
  mismatches: { base: number; source: number; baseInput: string; sourceInput: string }[];
}
