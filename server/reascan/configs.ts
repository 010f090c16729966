/**
 * ReaSCAN's alignments and Figure 3b's configurations (paper §5): the position variables on two halves of the
 * decoder's hidden state after SOS, the attributes on three quarters of the encoder's output at the noun token.
 */
import type { AlignmentDecl } from '../engine/alignment';
import type { Network } from '../engine/network';
import { presets, type PresetConfig, type PresetName } from '../engine/presets';
import type { ReascanData } from './data';
import type { ReascanValues } from './model';
import { reascanNetwork, type ReascanNetworkOptions } from './network';

/** rowDiff and colDiff ↔ the first and second half of h after the decoder consumed SOS (row 0 of decoder.step1). */
export function positionAlignment(hidden = 100): AlignmentDecl<ReascanValues> {
  const half = Math.floor(hidden / 2);
  return {
    rowDiff: {
      site: 'decoder.step1',
      slice: [
        [0, 1],
        [0, half],
      ],
    },
    colDiff: {
      site: 'decoder.step1',
      slice: [
        [0, 1],
        [half, 2 * half],
      ],
    },
  };
}

/** size, colour and shape ↔ the first three quarters of the encoder's output at the noun (25-d each for H = 100). */
export function attributeAlignment(hidden = 100): AlignmentDecl<ReascanValues> {
  const q = Math.floor(hidden / 4);
  return {
    size: { site: 'encoder.noun', slice: [[0, q]] },
    color: { site: 'encoder.noun', slice: [[q, 2 * q]] },
    shape: { site: 'encoder.noun', slice: [[2 * q, 3 * q]] },
  };
}

/** Both: every variable of the causal model aligned, as IIT on one network for all four splits. */
export function reascanAlignment(hidden = 100): AlignmentDecl<ReascanValues> {
  return { ...attributeAlignment(hidden), ...positionAlignment(hidden) };
}

/** The configurations of Figure 3b. */
export const FIGURE3B_PRESETS = ['STANDARD', 'MULTI', 'IIT', 'IIT+MULTI'] as const satisfies readonly PresetName[];

/** Figure 3b's four configurations with `common` (training, evaluation, probe) merged into each. */
export function figure3bConfigs(common: PresetConfig = {}): Record<string, PresetConfig> {
  return presets(common, FIGURE3B_PRESETS);
}

/** The CNN-LSTM sized for `data` (vocabularies, command length, decoding steps, grid). */
export function reascanNetworkFor(
  data: ReascanData,
  o: Omit<ReascanNetworkOptions, keyof ReascanData['sizes']> = {},
): Network {
  return reascanNetwork({ ...data.sizes, ...o });
}
