/** The causal model of Figure 1: O = V1 ∧ V2 with V1 = X1, V2 = X2. */
import { bool, causalModel } from 'iit-studio';

export const conjunction = causalModel({
  X1: { values: bool },
  X2: { values: bool },
  V1: { values: bool, parents: ['X1'], f: ({ X1 }) => X1 },
  V2: { values: bool, parents: ['X2'], f: ({ X2 }) => X2 },
  O: { values: bool, parents: ['V1', 'V2'], f: ({ V1, V2 }) => V1 && V2 },
});

/** Inputs are 0 for False and 1 for True. */
export const encode = ({ X1, X2 }: { X1?: boolean; X2?: boolean }) => [Number(X1), Number(X2)];
