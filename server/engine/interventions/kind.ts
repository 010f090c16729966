/**
 * What an intervention kind is: how the variables aligned at one site are
 * resolved (and their parameters made), and how a source's value of those
 * variables is written into a base's activations. One file per kind
 * (neuron.ts, rotated.ts, lowRank.ts, boundless.ts, mask.ts), registered in index.ts; Alignment
 * (alignment.ts) groups the declared variables by site and hands each site to
 * its kind, and the interchange (intervention.ts) dispatches each patch to
 * the kind that planned it.
 */
import type { AlignedNeurons, AlignmentEntry } from '../alignment';
import type { IITError } from '../errors';
import type { Network } from '../network';
import type { Tensor } from '../tf';
import type { NeuronPatch } from './neuron';
import type { BoundlessPatch } from './boundless';
import type { MaskPatch } from './mask';
import type { SubspacePatch } from './subspace';

/** The kinds there are (a file of this folder each). */
export type InterventionKindName = 'neuron' | 'rotated' | 'lowRank' | 'boundless' | 'mask';

/** What a patch does at one site; `kind` names the file that applies it. */
export type SitePatch = NeuronPatch | SubspacePatch | BoundlessPatch | MaskPatch;

/** The patch type of a kind (a patch type may serve several kinds). */
export type PatchOf<K extends InterventionKindName> = SitePatch extends infer P
  ? P extends SitePatch
    ? K extends P['kind']
      ? P
      : never
    : never
  : never;

/** A variable declared at a site. */
export interface SiteVariable {
  variable: string;
  entry: AlignmentEntry;
  type: string;
}

export interface PrepareContext {
  site: string;
  /** Per-example shape of the site. */
  shape: number[];
  net: Network;
  /** Seeds random initial values of the kind's parameters. */
  seed: number;
  /** An alignment error (located on the experiment) about a variable. */
  err: (code: ConstructorParameters<typeof IITError>[0], msg: string, fix: string, subject: string) => IITError;
}

/** The variables of one site, resolved by their kind. */
export interface PreparedSite {
  /** One per variable, in declaration order. */
  entries: AlignedNeurons[];
  /** Names (in the network's parameter map) of the parameters this site's intervention learns. */
  parameters: string[];
  /** Names (in the network's buffers) of the untrained state it keeps (a temperature), saved with the weights. */
  buffers?: string[];
  /** The patch of some swaps at this site (both variables of each swap are at it, with equal extents). */
  plan(swaps: { from: AlignedNeurons; to: AlignedNeurons }[]): SitePatch;
  /** Before each training step: schedules of the kind's own (a temperature annealed over `total` steps). */
  schedule?(step: number, total: number): void;
}

/** Tensors computed once per interchange pass and shared by its patches (e.g. a rotation built from its parameters). */
export type PatchMemo = Map<object, Tensor>;

export interface InterventionKind<P extends SitePatch = SitePatch> {
  readonly name: P['kind'];
  /** The alignment entry's key that selects this kind (none: the default, a neuron block). */
  readonly key?: 'rotate' | 'lowRank' | 'boundless' | 'mask';
  /** False when the kind cannot swap one variable into another of its type (its extents are learned). */
  readonly typedSwaps?: false;
  prepare(vars: SiteVariable[], ctx: PrepareContext): PreparedSite;
  /** The base's activations [R, ...site shape] with the source's (same shape) written in as the patch says. */
  patch(base: Tensor, source: Tensor, p: P, memo?: PatchMemo): Tensor;
}
