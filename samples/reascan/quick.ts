// ReaSCAN (paper §5, Figure 3b) on CPU: the authors' CNN-LSTM, narrower (hidden 64), trained on generated walk
// commands to the 45 descriptions in worlds of 6 objects, all four held-out splits in one dataset, attributes and
// position aligned. About 9 min of training a run for STANDARD and 18 for IIT+MULTI on one core (docs/RESULTS.md).
//   npx iit-studio train samples/reascan/quick.ts --config IIT+MULTI
//   npx iit-studio table samples/reascan/quick.ts --configs STANDARD,MULTI,IIT,IIT+MULTI --jobs 2   (Figure 3b)
import { experiment } from 'iit-studio';
import { figure3bConfigs, reascanAlignment, reascanData, reascanNetworkFor } from 'iit-studio/reascan';

const data = reascanData({
  seed: 0,
  commands: 'simple',
  worldsPerCommand: 600,
  maxObjects: 6,
  // A walk on a 6×6 grid takes at most 13 actions: the decoder decodes 14 steps (EOS).
  maxActions: 13,
  maxHeldOut: 400,
});
const hidden = 64;

const training = {
  batchSize: 64,
  steps: 1200,
  optimizer: { type: 'adam', lr: 6e-3 },
  schedule: { type: 'warmup-linear', warmup: 100 },
  // Half the pairs change the counterfactual actions; pairs with none (an unresolvable description) are dropped.
  sampling: { impactful: 0.5 },
} as const;
const evaluation = {
  splits: ['train', 'test', 'novel-color', 'novel-size', 'novel-direction', 'novel-length'],
  pairs: 400,
  sampling: { impactful: 0.5 },
};

export default experiment({
  name: 'reascan-quick',
  model: data.model,
  network: ({ seed }) =>
    reascanNetworkFor(data, { hidden, embedding: 25, cnnChannels: 50, decoderEmbedding: 32, dropout: 0.1, seed }),
  encodeBatch: data.encodeBatch,
  tokens: data.tokens,
  data: data.splits,
  dataset: data.dataset,
  output: { variable: 'actions', teacher: 'targets' },
  alignment: reascanAlignment(hidden),
  objectives: { task: 1, iit: 1 },
  training,
  evaluation,
  configs: figure3bConfigs({ training, evaluation }),
});
