/** Test fixture: the hand-built network with IIT+MULTI low-rank probes, loaded as an experiment file by the runner. */
import { experiment, presets } from 'iit-studio';
import { encodeMod, handNetwork, modModel } from './hand-network';

export default experiment({
  name: 'multi-fixture',
  model: modModel(),
  network: () => handNetwork(),
  encode: encodeMod,
  alignment: { Y1: { site: 'h', slice: [[0, 3]] }, Y2: { site: 'h', slice: [[3, 6]] } },
  configs: presets(
    {
      training: { optimizer: { type: 'adam', lr: 0.05 }, batchSize: 9, pairs: 'sample', steps: 60 },
      probe: { kind: 'lowRank', rank: 4 },
    },
    ['IIT+MULTI'],
  ),
});
