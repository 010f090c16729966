/**
 * Alignments Π: each high-level intermediate variable maps to a site of the
 * network and, by the site's intervention kind (interventions/), to a block
 * of neurons there (index ranges along any axes; the default) or to a range
 * of coordinates of a learned basis of the site (`rotate`, `lowRank`: DAS).
 * The paper requires the variables at a site not to overlap, and typed swaps
 * need variables of one type to have equal extents.
 */
import type { CausalModel, Swap } from './causal';
import { IITError, type SourceLocation } from './errors';
import { INTERVENTIONS, kindsOf, type InterventionKindName, type SitePatch, type SiteVariable } from './interventions';
import type { BoundlessDecl, MaskDecl, SubspaceDecl } from './interventions';
import type { Network } from './network';
import type { Value } from './values';

export type { SitePatch } from './interventions';

export interface AlignmentEntry {
  site: string;
  /** Half-open [start, end) per non-batch axis of the site; a missing or null axis is taken whole. */
  slice?: ReadonlyArray<readonly [number, number] | null>;
  /** DAS: `dims` coordinates of a learned rotation R of the site (shared by the variables at the site). */
  rotate?: SubspaceDecl;
  /** DAS with only an n × K orthonormal basis of the site learned (K: the dims of its variables in all). */
  lowRank?: SubspaceDecl;
  /** Boundless DAS: a learned rotation whose coordinate range per variable is learned too (soft ends, annealed). */
  boundless?: BoundlessDecl;
  /** A learned sigmoid mask over the site's neurons (annealed). */
  mask?: MaskDecl;
}

export type AlignmentDecl<M = Record<string, Value>> = { [K in keyof M]?: AlignmentEntry };

export interface AlignedNeurons {
  variable: string;
  site: string;
  type: string;
  /** The site's intervention kind. */
  kind: InterventionKindName;
  /** Resolved [start, end) for every non-batch axis (the neurons the intervention reads and writes). */
  ranges: [number, number][];
  /** Extent of the block along each axis. */
  shape: number[];
  /** Row-major indices of the block inside the flattened site. */
  flat: Int32Array;
  /** Per-example shape of the whole site. */
  siteShape: number[];
  /** Rotate / lowRank: the variable's coordinates [start, end) in the site's learned basis. */
  coords?: [number, number];
}

/** One block copy of a patch: the source's block at `from` goes to the base's block at `to`. */
export interface BlockMove {
  /** Start of the source block per non-batch axis. */
  fromBegin: number[];
  /** Extent of the block per axis. */
  size: number[];
  /** Padding that places the block at its target: [before, after] per axis. */
  toPad: [number, number][];
}

/** What a swap moves: the coordinates of a subspace variable, else its neuron block's shape. */
function extent(a: AlignedNeurons): number[] {
  return a.coords ? [a.coords[1] - a.coords[0]] : a.shape;
}

export function swapKey(swaps: readonly Swap[]): string {
  return swaps.map((s) => (s.from === s.to ? s.from : `${s.from}→${s.to}`)).join('+');
}

export class Alignment {
  readonly entries = new Map<string, AlignedNeurons>();
  private readonly plans = new Map<string, SitePatch[]>();

  /** Names (in the network's parameter map) of the parameters the interventions learn (rotations). */
  readonly parameters: string[] = [];
  /** Names (in the network's buffers) of the interventions' untrained state (temperatures). */
  readonly buffers: string[] = [];
  private readonly sitePlans = new Map<string, (swaps: { from: AlignedNeurons; to: AlignedNeurons }[]) => SitePatch>();
  private readonly schedules: ((step: number, total: number) => void)[] = [];

  constructor(
    decl: AlignmentDecl,
    model: CausalModel,
    net: Network,
    readonly location?: SourceLocation,
    /** Seeds the random initial values of learned bases. */
    seed = 0,
  ) {
    const err = (code: ConstructorParameters<typeof IITError>[0], msg: string, fix: string, subject: string) =>
      new IITError(code, `alignment: ${msg}`, fix, location, subject);
    const bySite = new Map<string, { kind: InterventionKindName; vars: SiteVariable[] }>();
    for (const [variable, entry] of Object.entries(decl)) {
      if (!entry) continue;
      if (!model.names.includes(variable)) {
        throw err(
          'unknown-variable',
          `${variable} is not a variable of the causal model`,
          `align one of ${model.intermediates.join(', ')}`,
          variable,
        );
      }
      if (!model.intermediates.includes(variable)) {
        throw err(
          'unknown-variable',
          `${variable} is an ${model.inputs.includes(variable) ? 'input' : 'output'} variable; only intermediate variables are aligned`,
          `align one of ${model.intermediates.join(', ')}`,
          variable,
        );
      }
      if (!entry.site || !net.hasSite(entry.site)) {
        throw err(
          'unknown-site',
          `${variable} is aligned to site '${entry.site}', which the network does not have`,
          `use one of ${net.sites.join(', ')}`,
          variable,
        );
      }
      const v: SiteVariable = { variable, entry, type: model.typeOf(variable) };
      const asked = kindsOf(v);
      if (asked.length > 1 || (asked.length === 1 && entry.slice)) {
        const keys = [...(entry.slice ? ['slice'] : []), ...asked.map((k) => INTERVENTIONS[k].key!)];
        throw err(
          'bad-config',
          `${variable} has both ${keys.join(' and ')}`,
          `give ${variable} one of them (slice: a neuron block; rotate / lowRank: coordinates of a learned basis)`,
          variable,
        );
      }
      const kind = asked[0] ?? 'neuron';
      const site = bySite.get(entry.site);
      if (!site) bySite.set(entry.site, { kind, vars: [v] });
      else if (site.kind !== kind) {
        const other = site.vars[0]!.variable;
        throw err(
          'overlap',
          `${variable} (${kind}) and ${other} (${site.kind}) are both at site ${entry.site}; ${kind === 'neuron' ? site.kind : kind} mixes every neuron of the site`,
          `align the variables at ${entry.site} one way (all sliced, or all with one of rotate, lowRank, boundless, mask)`,
          variable,
        );
      } else site.vars.push(v);
    }
    if (bySite.size === 0) {
      throw new IITError(
        'bad-config',
        'alignment: no variable is aligned',
        `align at least one of ${model.intermediates.join(', ')}`,
        location,
      );
    }
    const resolved = new Map<string, AlignedNeurons>();
    for (const [site, { kind, vars }] of bySite) {
      const prepared = INTERVENTIONS[kind].prepare(vars, { site, shape: net.siteShape(site), net, seed, err });
      prepared.entries.forEach((a) => resolved.set(a.variable, a));
      this.parameters.push(...prepared.parameters);
      this.buffers.push(...(prepared.buffers ?? []));
      this.sitePlans.set(site, (swaps) => prepared.plan(swaps));
      if (prepared.schedule) this.schedules.push(prepared.schedule);
    }
    // In declaration order.
    for (const v of Object.keys(decl)) if (resolved.has(v)) this.entries.set(v, resolved.get(v)!);
    // Variables of one type need equal extents for typed swaps.
    const byType = new Map<string, AlignedNeurons>();
    for (const a of this.entries.values()) {
      const first = byType.get(a.type);
      if (!first) byType.set(a.type, a);
      else if (extent(first).join('x') !== extent(a).join('x')) {
        throw err(
          'type-shape-mismatch',
          `${a.variable} (${extent(a).join('×')}) and ${first.variable} (${extent(first).join('×')}) share type ${a.type} but not ${a.coords ? 'dims' : 'neuron shape'}`,
          a.coords ? 'give them equal dims' : `give them blocks of equal shape`,
          a.variable,
        );
      }
    }
  }

  get variables(): string[] {
    return [...this.entries.keys()];
  }

  get(variable: string): AlignedNeurons {
    const a = this.entries.get(variable);
    if (!a)
      throw new IITError(
        'unknown-variable',
        `${variable} is not aligned`,
        `align it or use one of ${this.variables.join(', ')}`,
        this.location,
        variable,
      );
    return a;
  }

  /** Same-variable interventions, one per aligned variable. */
  singleSwaps(): Swap[][] {
    return this.variables.map((v) => [{ from: v, to: v }]);
  }

  /** Every typed swap V→V′ with V, V′ of one type (V′ = V included). */
  typedSwaps(): Swap[][] {
    const out: Swap[][] = [];
    for (const a of this.entries.values()) {
      for (const b of this.entries.values()) {
        if (a.type !== b.type) continue;
        // Kinds whose extents are learned (boundless, mask) swap a variable only into itself.
        const learned = [a, b].some((x) => INTERVENTIONS[x.kind].typedSwaps === false);
        if (a !== b && learned) continue;
        out.push([{ from: a.variable, to: b.variable }]);
      }
    }
    return out;
  }

  /**
   * The patch of an intervention, per site; cached since its tensors are
   * constants reused every step (kept out of tidy scopes).
   */
  plan(swaps: readonly Swap[]): SitePatch[] {
    const key = swapKey(swaps);
    const cached = this.plans.get(key);
    if (cached) return cached;
    const bySite = new Map<string, Swap[]>();
    for (const s of swaps) {
      const from = this.get(s.from);
      const to = this.get(s.to);
      if (from.site !== to.site) {
        throw new IITError(
          'type-shape-mismatch',
          `cannot swap ${s.from} (site ${from.site}) into ${s.to} (site ${to.site})`,
          'typed swaps need both variables at one site',
          this.location,
          s.to,
        );
      }
      if (extent(from).join() !== extent(to).join()) {
        throw new IITError(
          'type-shape-mismatch',
          `cannot swap ${s.from} into ${s.to}: ${from.coords ? 'dims' : 'neuron shapes'} differ`,
          'give them blocks of equal shape',
          this.location,
          s.to,
        );
      }
      bySite.set(from.site, [...(bySite.get(from.site) ?? []), s]);
    }
    const plans = [...bySite].map(([site, ss]) =>
      this.sitePlans.get(site)!(ss.map((sw) => ({ from: this.get(sw.from), to: this.get(sw.to) }))),
    );
    this.plans.set(key, plans);
    return plans;
  }

  /** Before training step `step` of `total`: the interventions' schedules (annealed temperatures). */
  schedule(step: number, total: number): void {
    for (const f of this.schedules) f(step, total);
  }

  dispose(): void {
    // Neuron masks are constants of the plan; learned bases belong to the network's parameters.
    for (const ps of this.plans.values())
      for (const p of ps) if (p.kind === 'neuron') [p.mask, p.keep].forEach((t) => t.dispose());
    this.plans.clear();
  }
}
