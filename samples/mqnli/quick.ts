// MQNLI (paper §6, Figure 4) on CPU: a small BERT-shaped encoder trained from scratch on the hardest split, with
// QP_obj aligned above the premise's verb at layers 0, 2 and 4 of 6.
//   npx iit-studio train samples/mqnli/quick.ts --config 'IIT @ layer4'
//   npx iit-studio table samples/mqnli/quick.ts --configs 'STANDARD @ layer0,IIT @ layer0,...'   (Figure 4's panels)
// No pretrained BERT can be downloaded here, so this encoder starts from random weights: see docs/RESULTS.md.
import { experiment } from 'iit-studio';
import { layerSweep, mqnliData, mqnliEncoder, qpObjAlignment } from 'iit-studio/mqnli';

const data = mqnliData({ train: 20_000, validation: 1_000, test: 2_000, seed: 0 });

const training = {
  batchSize: 32,
  steps: 1500,
  optimizer: { type: 'adamw', lr: 1e-3 },
  schedule: { type: 'warmup-linear', warmup: 150 },
  // About half the pairs impactful, as the paper's. Its 50,000 bases × 20 sources are shuffled into batches, so a
  // batch's bases are drawn independently: sourcesPerBase: 20 would put only two bases in a batch of 32.
  sampling: { impactful: 0.5 },
} as const;
const evaluation = { splits: ['train', 'test'], pairs: 1000, sampling: { impactful: 0.5 } };

export default experiment({
  name: 'mqnli-quick',
  model: data.model,
  network: ({ seed }) =>
    mqnliEncoder({ vocabSize: data.vocabSize, hidden: 64, layers: 6, heads: 4, intermediate: 128, seed }),
  encodeBatch: data.encodeBatch,
  // The debugger shows the aligned layer as a token grid.
  tokens: data.tokens,
  data: data.splits,
  dataset: data.dataset,
  output: { variable: 'label' },
  // The default configuration: IIT at layer 4 (the sweep's configurations override the alignment).
  alignment: qpObjAlignment(4),
  objectives: { task: 1, iit: 1 },
  training,
  evaluation,
  configs: layerSweep([0, 2, 4], { training, evaluation }),
});
