/**
 * The causal model C_PVR of the paper (§4): four image inputs I_w, four
 * variables Y_w = O_MNIST(I_w) of one type (the image's class, read from the
 * dataset's labels: the oracle), and the output O = Y_TR, Y_BL or Y_BR as the
 * pointer Y_TL is in 0–3, 4–6 or 7–9.
 *
 * An input's value is a global image id: train images are 0..n_train−1 and
 * test images follow, so one value set covers both splits and the oracle is
 * one table look-up. The input space (≈ 70,000⁴ settings) is never
 * enumerated: experiments give sampled splits.
 */
import { causalModel, type CausalModel } from '../engine/causal';
import { range } from '../engine/values';
import { pointedQuadrant } from '../data/pvr';

export const PVR_INPUTS = ['ITL', 'ITR', 'IBL', 'IBR'] as const;
export const PVR_VARIABLES = ['YTL', 'YTR', 'YBL', 'YBR'] as const;
export type PvrVariable = (typeof PVR_VARIABLES)[number];

export type PvrValues = {
  ITL: number;
  ITR: number;
  IBL: number;
  IBR: number;
  YTL: number;
  YTR: number;
  YBL: number;
  YBR: number;
  O: number;
};

/** The output equation F_O: the class of the quadrant the pointer (Y_TL) points at. */
export function pvrOutput(y: { YTL: number; YTR: number; YBL: number; YBR: number }): number {
  const q = pointedQuadrant(y.YTL);
  return q === 1 ? y.YTR : q === 2 ? y.YBL : y.YBR;
}

/**
 * C_PVR over images with these labels (global ids, see above). `labels[i]` is
 * O_MNIST of image i; classes are 0..9.
 */
export function pvrCausalModel(labels: ArrayLike<number>): CausalModel<PvrValues> {
  if (labels.length === 0) throw new Error('C_PVR needs at least one labelled image');
  const images = range(0, labels.length - 1);
  const cls = range(0, 9);
  const oracle = (i: number) => labels[i]!;
  return causalModel<PvrValues>({
    ITL: { values: images },
    ITR: { values: images },
    IBL: { values: images },
    IBR: { values: images },
    YTL: { values: cls, parents: ['ITL'], f: ({ ITL }) => oracle(ITL), type: 'Y' },
    YTR: { values: cls, parents: ['ITR'], f: ({ ITR }) => oracle(ITR), type: 'Y' },
    YBL: { values: cls, parents: ['IBL'], f: ({ IBL }) => oracle(IBL), type: 'Y' },
    YBR: { values: cls, parents: ['IBR'], f: ({ IBR }) => oracle(IBR), type: 'Y' },
    O: { values: cls, parents: ['YTL', 'YTR', 'YBL', 'YBR'], f: pvrOutput },
  });
}
