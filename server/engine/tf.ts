/**
 * The one TensorFlow.js instance the engine, experiment files and backends share.
 * PROD silences tfjs's console nags (e.g. "install tfjs-node") that would
 * corrupt the CLI's JSON output; backend choice lives in server/compute.
 */
import * as tf from '@tensorflow/tfjs';

tf.env().set('PROD', true);

export { tf };
export type Tensor = tf.Tensor;
