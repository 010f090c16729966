/**
 * Checking an experiment file as it is edited (the server's worker): it
 * loads, its default configuration builds, and every other configuration
 * resolves and has an alignment that fits the network. The answer is the
 * description the editor shows.
 */
import { Alignment } from '../engine/alignment';
import { IITError } from '../engine/errors';
import type { Experiment } from '../engine/experiment';
import type { Session } from '../engine/session';
import type { ExperimentInfo } from '../protocol/results';
import { describeExperiment } from './describe';
import { openExperiment } from './open';

/** Every configuration besides the default one, as far as it can be checked without building another network. */
function checkConfigs(exp: Experiment, session: Session): void {
  const own = JSON.stringify(session.config.alignment);
  for (const name of exp.configNames.slice(1)) {
    try {
      const c = exp.resolve(name);
      if (JSON.stringify(c.alignment) !== own)
        new Alignment(c.alignment, exp.model as never, session.net, exp.location).dispose();
    } catch (e) {
      if (!(e instanceof IITError) || e.message.startsWith(`configuration ${name}:`)) throw e;
      // Name the configuration, so the editor puts the error on its declaration.
      throw new IITError(e.code, `configuration ${name}: ${e.message}`, e.fix, e.location, e.subject);
    }
  }
}

/**
 * Encodes the first rows of every split, so that an encoder giving NaN or ±Infinity (encode checks every row it
 * encodes, encodeBatch its first batch) is a diagnostic on its line now, not a NaN loss in a training later. Small
 * splits were encoded whole when the session was built.
 */
function encodeFirstRows(session: Session): void {
  for (const split of session.splits.values()) {
    const rows = Int32Array.from({ length: Math.min(64, split.size) }, (_, i) => i);
    Object.values(split.features(rows)).forEach((t) => t.dispose());
  }
}

export async function checkExperiment(file: string, config?: string): Promise<ExperimentInfo> {
  const { exp, session } = await openExperiment({ file, config, backend: 'cpu' });
  try {
    if (config === undefined) checkConfigs(exp, session);
    encodeFirstRows(session);
    return describeExperiment(exp, session);
  } finally {
    session.dispose();
  }
}
