// ReaSCAN as the paper trains it (§5, Appendix; ReaSCAN-Causal's `run_mmlstm.py`): the CNN-LSTM at its sizes (command
// embedding 25, hidden 100, three convolutions of 50 channels, action embedding 100, dropout 0.3), 13 objects per
// world, Adam at 0.002 decayed ×0.9 every 20,000 steps, batch 200, 100,000 steps, every objective weighted 1.0; size,
// colour and shape on 25-d quarters of the encoder's output at the noun, rowDiff and colDiff on 50-d halves of the
// decoder's state after SOS. For a GPU backend:
//   npx iit-studio table samples/reascan/paper.ts --configs STANDARD,MULTI,IIT,IIT+MULTI --seeds 3 --backend webgpu
// One dataset holds all four held-out splits (see docs/RESULTS.md: the paper trains one dataset per split kind).
import { experiment } from 'iit-studio';
import { figure3bConfigs, reascanAlignment, reascanData, reascanNetworkFor } from 'iit-studio/reascan';

const data = reascanData({ seed: 0, worldsPerCommand: 1200, maxObjects: 13, maxActions: 20, maxHeldOut: 8000 });

const training = {
  batchSize: 200,
  steps: 100_000,
  optimizer: { type: 'adam', lr: 2e-3 },
  schedule: { type: 'step', every: 20_000, gamma: 0.9 },
  sampling: { impactful: 0.5 },
  evalEvery: 5_000,
} as const;
const evaluation = {
  splits: ['train', 'test', 'novel-color', 'novel-size', 'novel-direction', 'novel-length'],
  pairs: 4000,
  sampling: { impactful: 0.5 },
};

export default experiment({
  name: 'reascan-paper',
  model: data.model,
  network: ({ seed }) => reascanNetworkFor(data, { seed }),
  encodeBatch: data.encodeBatch,
  tokens: data.tokens,
  data: data.splits,
  dataset: data.dataset,
  output: { variable: 'actions', teacher: 'targets' },
  alignment: reascanAlignment(100),
  objectives: { task: 1, iit: 1 },
  training,
  evaluation,
  configs: figure3bConfigs({ training, evaluation }),
});
