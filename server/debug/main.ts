/**
 * Entry points of the debug adapter: on stdio (`iit-studio debug-adapter`,
 * used by tests and by editors other than VS Code) and inline in the
 * extension host (dist/debug.js, loaded when a session starts).
 */
import { DebugSession } from '@vscode/debugadapter';
import { IitDebugSession } from './session';

export { IitDebugSession } from './session';
export { RUN_ALL_PAIRS } from '../protocol/debug';

/** A session for vscode.DebugAdapterInlineImplementation. */
export function createSession(): IitDebugSession {
  return new IitDebugSession();
}

/** Serves DAP on stdin/stdout until the client disconnects. */
export function runStdio(): void {
  // stdout carries the protocol: anything an experiment or TensorFlow.js prints goes to stderr.
  const toStderr = (...xs: unknown[]) => process.stderr.write(xs.map(String).join(' ') + '\n');
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  DebugSession.run(IitDebugSession);
}
