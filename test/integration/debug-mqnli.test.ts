/**
 * The debugger on an MQNLI intervention (test/fixtures/models/mqnli-tiny.ts: QP_obj at layer 1 above the premise's
 * verb): the model's steps show the words and QP_obj, and the patched step shows layer 1 as a token grid, 27 rows
 * named by the base's tokens, row 8 (the verb) marked as patched from the source's verb.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

const root = path.resolve(import.meta.dirname, '../..');
const file = path.join(root, 'test/fixtures/models/mqnli-tiny.ts');

async function variables(dc: DebugClient, ref: number): Promise<DebugProtocol.Variable[]> {
  return (await dc.variablesRequest({ variablesReference: ref })).body.variables;
}

async function stepVariables(dc: DebugClient): Promise<DebugProtocol.Variable[]> {
  const [top] = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  const scopes = (await dc.scopesRequest({ frameId: top!.id })).body.scopes;
  return variables(dc, scopes[0]!.variablesReference);
}

test(
  'an MQNLI intervention: the words, QP_obj, and layer 1 as a token grid with the verb patched',
  { timeout: 240_000 },
  async () => {
    const dc = new DebugClient(path.join(root, 'bin/iit-studio.js'), 'debug-adapter', 'iit', { cwd: root });
    dc.defaultTimeout = 90_000;
    await dc.start();
    try {
      await Promise.all([
        dc.configurationSequence(),
        dc.launch({ experiment: file, variable: 'QP_obj', base: 0, source: 1, split: 'test', stopOnEntry: true }),
        dc.waitForEvent('stopped'),
      ]);
      const next = async () => Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      await next(); // (1) the causal model on the base
      const base = Object.fromEntries((await stepVariables(dc)).map((v) => [v.name, v.value]));
      assert.match(base.QP_obj!, /^"?[≡⊏⊐^‿|#]"?$/);
      assert.match(base.label!, /neutral|entailment|contradiction/);
      await next(); // (2) on the source
      const source = Object.fromEntries((await stepVariables(dc)).map((v) => [v.name, v.value]));
      await next(); // (3) the high-level interchange
      await next(); // (4) the network on the source
      await next(); // (5) the base with layer 1 patched
      const step5 = await stepVariables(dc);
      const grid = step5.find((v) => v.name === 'layer1 after patch, by token');
      assert.ok(grid, `a token grid among ${step5.map((v) => v.name).join(', ')}`);
      const verb = (s: string) => s.replace(/^"|"$/g, '');
      assert.equal(grid.value, `27 tokens × 16; patched: [8] ${verb(base.P_V!)}`);
      const rows = await variables(dc, grid.variablesReference);
      assert.equal(rows.length, 27);
      assert.equal(rows[0]!.name, '[0] [CLS]');
      assert.equal(rows[8]!.name, `[8] ${verb(base.P_V!)}`);
      assert.match(rows[8]!.value, new RegExp(`^patched ← source's \\[8\\] '${verb(source.P_V!)}' · `));
      assert.equal(rows.filter((r) => r.value.startsWith('patched')).length, 1);
      // A row expands to its 16 hidden values.
      assert.equal((await variables(dc, rows[8]!.variablesReference)).length, 16);
      assert.ok(step5.some((v) => v.name === 'layer1 before patch, by token'));
    } finally {
      await dc.stop();
    }
  },
);
