/**
 * Distributed Alignment Search (Geiger, Wu, Potts, Icard & Goodman 2023) on
 * hierarchical equality: an MLP trained on the task alone (STANDARD) need
 * not store WX and YZ in the two halves of its first hidden layer, so the
 * neuron-block alignment of those halves fails; DAS learns a rotation of h1
 * and finds each variable in a few of its coordinates, with the network
 * frozen (align mode: `training: { freeze: 'network' }`).
 *
 *   STANDARD  the network, task loss only, neuron halves of h1 evaluated
 *   DAS       rotate: { dims: 4 } per variable at h1, IIT loss, network frozen
 *
 * DAS aligns a trained network: train STANDARD, then DAS from its weights
 * (the weights are loaded into the DAS session; the rotation starts random).
 */
import { experiment, mlp } from 'iit-studio';
import { DIM, encode, model, test, train } from '../hierarchical-equality/experiment';

export default experiment({
  name: 'das-hierarchical-equality',
  model,
  network: ({ seed }) => mlp({ input: 4 * DIM, hidden: [16, 16], output: 2, seed }),
  encode,
  alignment: {
    WX: { site: 'h1', slice: [[0, 8]] },
    YZ: { site: 'h1', slice: [[8, 16]] },
  },
  data: { train, test },
  training: { optimizer: { type: 'adam', lr: 0.01 }, batchSize: 64, steps: 2000, pairs: 'sample' },
  evaluation: { pairs: 4000 },
  objectives: { task: 1 },
  configs: {
    STANDARD: { description: 'task loss only; the neuron halves of h1 evaluated', objectives: { task: 1 } },
    DAS: {
      description: 'a learned rotation of h1, 4 coordinates per variable; only the rotation trains',
      objectives: { iit: 1 },
      alignment: {
        WX: { site: 'h1', rotate: { dims: 4 } },
        YZ: { site: 'h1', rotate: { dims: 4 } },
      },
      training: { freeze: 'network', steps: 1500 },
    },
  },
});
