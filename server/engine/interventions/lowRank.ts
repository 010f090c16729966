/**
 * The low-rank intervention: `lowRank: { dims }` — only an n × K orthonormal
 * basis of the site (K: the coordinates its variables take in all), the
 * first K columns of a product of K Householder reflections, its parameter
 * `lowRank.<site>.householder` [K, n] (subspace.ts). It reaches the same
 * subspaces as `rotate` at O(n²K) per step, so it suits wide sites.
 */
import { subspaceKind } from './subspace';

export const lowRank = subspaceKind('lowRank', 'lowRank', (_n, K) => K, false);
