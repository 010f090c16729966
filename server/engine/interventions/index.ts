/**
 * The intervention kinds, by name. Adding a kind is adding a file beside
 * these and a line here (and its alignment-entry key to AlignmentEntry and
 * declarationSchema.ts).
 */
import type { InterventionKind, InterventionKindName, PatchOf, SiteVariable } from './kind';
import { boundless } from './boundless';
import { lowRank } from './lowRank';
import { mask } from './mask';
import { neuron } from './neuron';
import { rotated } from './rotated';

export const INTERVENTIONS: { [K in InterventionKindName]: InterventionKind<PatchOf<K>> } = {
  neuron,
  rotated,
  lowRank,
  boundless,
  mask,
};

/** The kinds an alignment entry selects with a key of its own (rotate, lowRank, boundless, mask). */
const KEYED = Object.values(INTERVENTIONS).filter((k) => k.key);

/** The kinds an entry asks for: its keys among `rotate`, `lowRank`, `boundless`, `mask`; none is the neuron block. */
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
export type { BoundlessDecl, BoundlessPatch } from './boundless';
export type { MaskDecl, MaskPatch } from './mask';
export type { TemperatureDecl } from './temperature';
export { HouseholderBasis } from './subspace';
