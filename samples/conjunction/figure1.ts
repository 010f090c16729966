/**
 * Figure 1 of Geiger et al. (2022), exactly: the linear network
 * h1 = W1·[x1,x2], h2 = W2·[x1,x2], y = w·[h1;h2] + b starts with perfect
 * behaviour but IIA 81.25%; one IIT update on base (F,T), source (T,F),
 * variable V1 (sigmoid cross-entropy, SGD with step size 0.1) gives IIA 100%.
 */
import { experiment, figure1Network } from 'iit-studio';
import { conjunction, encode } from './model';

export default experiment({
  name: 'figure1',
  model: conjunction,
  network: () => figure1Network({ W1: [0.45, 0.05], W2: [0.05, 0.5], w: [1, 1], b: -1 }),
  encode,
  alignment: {
    V1: { site: 'h1' },
    V2: { site: 'h2' },
  },
  objectives: { iit: 1 },
  training: {
    optimizer: { type: 'sgd', lr: 0.1 },
    pairs: [{ base: { X1: false, X2: true }, source: { X1: true, X2: false }, variable: 'V1' }],
    batchSize: 1,
    steps: 1,
  },
  evaluation: { before: true },
});
