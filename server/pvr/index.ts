/**
 * MNIST-PVR for experiment files, imported as 'iit-studio/pvr': C_PVR, its
 * data (grids over IDX images), the quadrant alignment, the split guard and
 * the paper's Table 1.
 */
export { PVR_INPUTS, PVR_VARIABLES, pvrCausalModel, pvrOutput, type PvrValues, type PvrVariable } from './model';
export { pvrData, quadrantAlignment, quadrantSlots, admissible, type PvrData, type PvrDataOptions } from './data';
export { PAPER_TABLE1, type TableNumbers } from './paper';
export {
  defaultDataFolder,
  loadIdxDataset,
  resolveDataFolder,
  DEBIAN_FASHION_MNIST,
  DATASET_NAMES,
  type DatasetInfo,
  type DatasetName,
} from '../data/idx';
