// MQNLI as the paper trains it (§6, Appendix C): BERT-base (12 layers, hidden 768), AdamW at 5e-5, batch 32, the
// learning rate warmed up over the first half of epoch 1 then decayed linearly to 0, 5 epochs of 50,000 bases × 20
// sources (about half impactful), every objective weighted 1.0, QP_obj above the premise's verb at layers
// {0, 2, 4, 6, 8, 10}. For a GPU backend.
//
// IIT_BERT_DIR: a Hugging Face bert-base-uncased folder (config.json, model.safetensors, vocab.txt) to fine-tune, as
// the paper does; its vocabulary must hold every MQNLI word (the loader names those it lacks). Without it the same
// architecture starts from random weights (no checkpoint can be downloaded here: docs/RESULTS.md).
import path from 'node:path';
import { bertEncoder, experiment } from 'iit-studio';
import { layerSweep, loadBertCheckpoint, mqnliData, qpObjAlignment, readVocab } from 'iit-studio/mqnli';

const checkpoint = process.env.IIT_BERT_DIR;
const data = mqnliData({
  train: 500_000,
  validation: 60_000,
  test: 10_000,
  seed: 0,
  vocab: checkpoint ? readVocab(path.join(checkpoint, 'vocab.txt')) : undefined,
});

// 50,000 bases × 20 sources per epoch, 32 pairs a step, 5 epochs.
const STEPS_PER_EPOCH = (50_000 * 20) / 32;
const training = {
  batchSize: 32,
  steps: 5 * STEPS_PER_EPOCH,
  optimizer: { type: 'adamw', lr: 5e-5 },
  schedule: { type: 'warmup-linear', warmup: STEPS_PER_EPOCH / 2 },
  // The paper's pairs: a pool of 50,000 bases × 20 sources, about half impactful, drawn into batches at random.
  sampling: { bases: 50_000, sourcesPerBase: 20, impactful: 0.5 },
  evalEvery: STEPS_PER_EPOCH,
} as const;
const evaluation = { splits: ['train', 'test'], pairs: 10_000, sampling: { impactful: 0.5 } };

export default experiment({
  name: 'mqnli-paper',
  model: data.model,
  network: ({ seed }) => {
    if (!checkpoint)
      return bertEncoder({
        vocabSize: data.vocabSize,
        length: 27,
        hidden: 768,
        layers: 12,
        heads: 12,
        intermediate: 3072,
        classes: 3,
        dropout: 0.1,
        seed,
      });
    // The pretrained encoder with a fresh 3-way head (bert-base-uncased has no classifier).
    const ck = loadBertCheckpoint(checkpoint, { length: 27, classes: 3, dropClassifier: true, dropout: 0.1, seed });
    const net = bertEncoder(ck.options);
    ck.apply(net);
    return net;
  },
  encodeBatch: data.encodeBatch,
  // The debugger shows the aligned layer as a token grid.
  tokens: data.tokens,
  data: data.splits,
  dataset: data.dataset,
  output: { variable: 'label' },
  alignment: qpObjAlignment(6),
  objectives: { task: 1, iit: 1 },
  training,
  evaluation,
  configs: layerSweep([0, 2, 4, 6, 8, 10], { training, evaluation }),
});
