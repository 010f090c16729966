/** Names in run-directory and run-id names; imports nothing, so the language server loads it without TensorFlow.js. */

/** A configuration or experiment name as a plain file-name part ('NO TYPING' → 'NO_TYPING', 'IIT+MULTI' → 'IIT_MULTI'). */
export function plainName(name: string): string {
  return name.replace(/[^\w.-]+/g, '_');
}
