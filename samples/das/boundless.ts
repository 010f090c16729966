/**
 * Boundless DAS (Wu et al. 2023) on the same network as experiment.ts: the rotation of h1 is learned together with
 * each variable's range of coordinates (soft ends, the sigmoid's temperature annealed from 50 to 0.1), starting
 * from 4 coordinates each. Align a STANDARD run of experiment.ts with it:
 *
 *   npx iit-studio align samples/das/boundless.ts --run <run of experiment.ts --config STANDARD>
 */
import { experiment } from 'iit-studio';
import das from './experiment';

const { name: _name, configs: _configs, ...shared } = das.decl;

export default experiment({
  ...shared,
  name: 'das-boundless-hierarchical-equality',
  configs: {
    BOUNDLESS: {
      description: 'a learned rotation of h1 and a learned range of its coordinates per variable; only they train',
      objectives: { iit: 1 },
      alignment: {
        WX: { site: 'h1', boundless: { dims: 4 } },
        YZ: { site: 'h1', boundless: { dims: 4 } },
      },
      training: { freeze: 'network', steps: 1500, optimizer: { type: 'adam', lr: 0.01 } },
    },
  },
});
