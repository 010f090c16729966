/** Activates a compute backend by name ('auto' picks the best available). */
import { tf } from './engine/tf';

export async function activateBackend(name: string, log?: (m: string) => void): Promise<string> {
  const want = name === 'auto' ? 'cpu' : name;
  if (!(await tf.setBackend(want))) throw new Error(`backend ${want} is not available`);
  await tf.ready();
  log?.(`backend: ${tf.getBackend()}`);
  return tf.getBackend();
}
