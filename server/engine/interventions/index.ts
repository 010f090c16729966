/**
 * The intervention kinds, by name. Adding a kind is adding a file beside
 * these and a line here (and its alignment-entry key to AlignmentEntry and
 * declarationSchema.ts).
 */
import type { InterventionKind, InterventionKindName, PatchOf, SiteVariable } from './kind';
import { lowRank } from './lowRank';
import { neuron } from './neuron';
import { rotated } from './rotated';

export const INTERVENTIONS: { [K in InterventionKindName]: InterventionKind<PatchOf<K>> } = {
  neuron,
  rotated,
  lowRank,
};

/** The kinds an alignment entry selects with a key of its own (rotate, lowRank). */
const KEYED = Object.values(INTERVENTIONS).filter((k) => k.key);

/** The kinds an entry asks for: its keys among `rotate`, `lowRank`; none is the neuron block. */
export function kindsOf(v: SiteVariable): InterventionKindName[] {
  const e = v.entry as unknown as Record<string, unknown>;
  return KEYED.filter((k) => e[k.key!] !== undefined).map((k) => k.name);
}

export type {
  InterventionKind,
  InterventionKindName,
  PatchMemo,
  PrepareContext,
  PreparedSite,
  SitePatch,
  SiteVariable,
} from './kind';
export type { NeuronPatch } from './neuron';
export type { SubspaceDecl, SubspacePatch } from './subspace';
export { HouseholderBasis } from './subspace';
