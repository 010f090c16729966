/**
 * MQNLI's alignment, encoder and Figure 4's configurations: QP_obj at the first sentence's verb (position 8 of the
 * 27 tokens) at layer ℓ, and each configuration once per layer of the sweep, named `<configuration> @ layer<ℓ>` so
 * `iit-studio table` lays out Figure 4's panels.
 */
import type { AlignmentDecl } from '../engine/alignment';
import type { ConfigDecl } from '../engine/experiment';
import type { Network } from '../engine/network';
import { presets, type PresetConfig, type PresetName } from '../engine/presets';
import { bertEncoder, type BertOptions } from '../engine/transformer';
import { PREMISE_VERB_POSITION, SEQUENCE_LENGTH } from '../data/mqnli/index';
import type { MqnliValues } from './model';

/**
 * QP_obj ↔ the representation above the premise's verb at `layer${layer}` (the paper's alignment); `dims` picks a
 * hidden range [lo, hi) of it, the whole vector by default.
 */
export function qpObjAlignment(layer: number, dims?: [number, number]): AlignmentDecl<MqnliValues> {
  const token: [number, number] = [PREMISE_VERB_POSITION, PREMISE_VERB_POSITION + 1];
  return { QP_obj: { site: `layer${layer}`, slice: dims ? [token, dims] : [token] } };
}

/** The configurations of Figure 4 (the paper's five; NO TYPING needs two variables of a type). */
export const FIGURE4_PRESETS = [
  'STANDARD',
  'MULTI',
  'IIT',
  'IIT+MULTI',
  'AUGMENT',
] as const satisfies readonly PresetName[];

/** `<configuration> @ layer<ℓ>`: the name `iit-studio table` reads as a layer sweep. */
export const sweptName = (config: string, layer: number) => `${config} @ layer${layer}`;

/**
 * Each preset at each layer: the preset's objectives with `common` (training, evaluation, probe), aligned at that
 * layer. The multi-task probe is the paper's low-rank one (ℓ = 32) unless `common.probe` says otherwise.
 */
export function layerSweep(
  layers: readonly number[],
  common: PresetConfig = {},
  only: readonly PresetName[] = FIGURE4_PRESETS,
  dims?: [number, number],
): Record<string, ConfigDecl<MqnliValues>> {
  const base = presets({ probe: { kind: 'lowRank', rank: 32 }, ...common }, only);
  const out: Record<string, ConfigDecl<MqnliValues>> = {};
  for (const layer of layers)
    for (const [name, cfg] of Object.entries(base))
      out[sweptName(name, layer)] = {
        ...(cfg as ConfigDecl<MqnliValues>),
        description: `${cfg.description ?? name}; QP_obj at layer ${layer}`,
        alignment: qpObjAlignment(layer, dims),
      };
  return out;
}

export type MqnliEncoderOptions = Omit<BertOptions, 'vocabSize' | 'length' | 'classes'> & { vocabSize: number };

/** A BERT-shaped encoder over MQNLI's 27 tokens with a 3-way head (neutral, entailment, contradiction). */
export function mqnliEncoder(o: MqnliEncoderOptions): Network {
  return bertEncoder({ ...o, length: SEQUENCE_LENGTH, classes: 3 });
}
