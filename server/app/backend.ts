/**
 * Chooses the compute backend for a run. Before training, one tiny IIT step
 * (and one evaluation) runs on the cpu backend under tf.profile to list every
 * kernel the experiment needs, forward and gradient; `auto` then skips
 * backends that lack any of them (wasm has no Conv2DBackpropFilter).
 */
import { IITError } from '../engine/errors';
import type { Experiment, ResolvedConfig } from '../engine/experiment';
import { matchPairs } from '../engine/evaluate';
import { Session } from '../engine/session';
import { tf } from '../engine/tf';
import { Trainer } from '../engine/train';
import { useBackend } from '../compute/backends';

// The CLI's `backends` command lists what resolution sees.
export { probeBackends } from '../compute/backends';

export async function activateBackend(
  name: string,
  log?: (m: string) => void,
  requiredKernels?: string[],
): Promise<string> {
  try {
    return (await useBackend(name, { log, requiredKernels })).name;
  } catch (e) {
    throw new IITError(
      'backend',
      (e as Error).message,
      'run `iit-studio backends` to see which backends this machine has',
    );
  }
}

/** Kernel names one training step and one evaluation of the experiment use. */
export async function kernelsNeeded(exp: Experiment, config: ResolvedConfig, seed: number): Promise<string[]> {
  const prev = tf.getBackend();
  await tf.setBackend('cpu');
  const tiny: ResolvedConfig = { ...config, training: { ...config.training, batchSize: 2, steps: 1, pairs: 'sample' } };
  const session = new Session(exp, tiny, seed);
  try {
    const info = await tf.profile(async () => {
      const t = new Trainer(session, seed);
      try {
        await t.trainStep();
      } finally {
        t.dispose();
      }
      const split = [...session.splits.keys()][0]!;
      await matchPairs(session, split, session.interventions('iit')[0]!, Int32Array.of(0), Int32Array.of(0));
    });
    return info.kernelNames;
  } finally {
    session.dispose();
    if (prev) await tf.setBackend(prev);
  }
}
