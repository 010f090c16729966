/**
 * The rotated intervention (DAS): `rotate: { dims }` — a learned orthogonal
 * R (n × n) of the site, flattened per example; the variables at the site
 * take consecutive coordinate ranges of R·x and the swap happens there
 * (subspace.ts). R is the product of n Householder reflections, its
 * parameter `rotate.<site>.householder` [n, n]; the whole R is built (O(n³)
 * per step; for wide sites prefer lowRank).
 */
import { subspaceKind } from './subspace';

export const rotated = subspaceKind('rotated', 'rotate', (n) => n, true);
