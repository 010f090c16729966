// ReaSCAN (paper §5, Figure 3b) on CPU: the authors' CNN-LSTM, narrower, trained on generated commands (walk, push
// and pull of the 45 descriptions) with all four held-out splits in one dataset, attributes and position aligned.
//   npx iit-studio train samples/reascan/quick.ts --config IIT+MULTI
//   npx iit-studio table samples/reascan/quick.ts --configs STANDARD,MULTI,IIT,IIT+MULTI --jobs 2   (Figure 3b)
import { experiment } from 'iit-studio';
import { figure3bConfigs, reascanAlignment, reascanData, reascanNetworkFor } from 'iit-studio/reascan';

const data = reascanData({ seed: 0, worldsPerCommand: 100, maxActions: 20, maxHeldOut: 400 });
const hidden = 64;

const training = {
  batchSize: 32,
  steps: 1500,
  optimizer: { type: 'adam', lr: 3e-3 },
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
    reascanNetworkFor(data, { hidden, embedding: 25, cnnChannels: 16, decoderEmbedding: 32, dropout: 0.1, seed }),
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
