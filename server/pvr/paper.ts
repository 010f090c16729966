/** Table 1 of Geiger et al. (2022): ResNet-18 on MNIST-PVR, percentages. */
export interface TableNumbers {
  train: { behavioral: number; iia: number };
  test: { behavioral: number; iia: number };
}

const row = (trB: number, teB: number, trI: number, teI: number): TableNumbers => ({
  train: { behavioral: trB, iia: trI },
  test: { behavioral: teB, iia: teI },
});

export const PAPER_TABLE1: Record<string, TableNumbers> = {
  STANDARD: row(99.1, 0.0, 88.8, 20.6),
  IIT: row(99.6, 93.93, 99.0, 94.85),
  MULTI: row(99.64, 0.0, 89.35, 20.5),
  'IIT+MULTI': row(99.6, 96.01, 99.1, 96.64),
  AUGMENT: row(99.4, 90.9, 98.9, 92.0),
  'NO TYPING': row(99.41, 0.09, 99.47, 16.88),
};
