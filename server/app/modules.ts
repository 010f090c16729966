/**
 * The libraries experiment files may import beside 'iit-studio' itself (the
 * engine's API, which the loader provides): registered here, explicitly,
 * before any experiment loads. A new dataset library is one line here.
 */
import { provideModule } from '../engine/loader';
import * as mqnli from '../mqnli/index';
import * as reascan from '../reascan/index';
import * as pvr from '../pvr/index';

let registered = false;

export function registerExperimentModules(): void {
  if (registered) return;
  registered = true;
  provideModule('iit-studio/pvr', pvr);
  provideModule('iit-studio/mqnli', mqnli);
  provideModule('iit-studio/reascan', reascan);
}
