/**
 * ReaSCAN for experiment files, imported as 'iit-studio/reascan' (paper §5, Figure 3b): the causal model over
 * examples (attributes and position), the data (generated with the four held-out splits, or read from the released
 * files), the authors' CNN-LSTM and the alignments and configurations of Figure 3b.
 */
export {
  ATTRIBUTE_VARIABLES,
  POSITION_VARIABLES,
  NONE,
  counterfactualActions,
  descriptionOf,
  reascanCausalModel,
  type ReascanModelOptions,
  type ReascanValues,
} from './model';
export { nounPosition, reascanData, type ReascanData, type ReascanDataOptions } from './data';
export { reascanNetwork, type ReascanNetworkOptions } from './network';
export {
  FIGURE3B_PRESETS,
  attributeAlignment,
  figure3bConfigs,
  positionAlignment,
  reascanAlignment,
  reascanNetworkFor,
} from './configs';
export {
  ACTIONS,
  FIGURE_3B_SPLITS,
  generateReascanDataset,
  readReascanFile,
  simulate,
  worldTensor,
  writeReascanFile,
  type ReascanDataset,
  type ReascanExample,
} from '../data/reascan/index';
