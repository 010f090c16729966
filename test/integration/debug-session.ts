/**
 * Test helper: the debug adapter (dist, `iit-studio debug-adapter`) launched on one intervention and stopped on entry,
 * with F10 and the Variables view's reads that the debugger tests share.
 */
import path from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

const root = path.resolve(import.meta.dirname, '../..');

export interface DebugSession {
  dc: DebugClient;
  /** F10, until the adapter stops again. */
  next(): Promise<void>;
  /** The scopes of the top frame (the step's own first, then Causal model, Network, Result as they fill). */
  scopes(): Promise<DebugProtocol.Scope[]>;
  variables(ref: number): Promise<DebugProtocol.Variable[]>;
  /** The current step's variables, name → value. */
  stepValues(): Promise<Record<string, string>>;
}

export async function withDebugSession(
  launch: { experiment: string; variable: string; base: number; source: number; split: string },
  body: (s: DebugSession) => Promise<void>,
): Promise<void> {
  const dc = new DebugClient(path.join(root, 'bin/iit-studio.js'), 'debug-adapter', 'iit', { cwd: root });
  dc.defaultTimeout = 90_000;
  await dc.start();
  const variables = async (ref: number) => (await dc.variablesRequest({ variablesReference: ref })).body.variables;
  const scopes = async () => {
    const [top] = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    return (await dc.scopesRequest({ frameId: top!.id })).body.scopes;
  };
  try {
    await Promise.all([
      dc.configurationSequence(),
      dc.launch({ ...launch, stopOnEntry: true } as DebugProtocol.LaunchRequestArguments),
      dc.waitForEvent('stopped'),
    ]);
    await body({
      dc,
      next: async () => {
        await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      },
      scopes,
      variables,
      stepValues: async () =>
        Object.fromEntries((await variables((await scopes())[0]!.variablesReference)).map((v) => [v.name, v.value])),
    });
  } finally {
    await dc.stop();
  }
}
