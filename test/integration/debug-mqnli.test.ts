/**
 * The debugger on an MQNLI intervention (test/fixtures/models/mqnli-tiny.ts: QP_obj at layer 1 above the premise's
 * verb): the model's steps show the words and QP_obj, and the patched step shows layer 1 as a token grid, 27 rows
 * named by the base's tokens, row 8 (the verb) marked as patched from the source's verb.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { withDebugSession } from './debug-session';

const file = path.resolve(import.meta.dirname, '../fixtures/models/mqnli-tiny.ts');

test(
  'an MQNLI intervention: the words, QP_obj, and layer 1 as a token grid with the verb patched',
  { timeout: 240_000 },
  () =>
    withDebugSession({ experiment: file, variable: 'QP_obj', base: 0, source: 1, split: 'test' }, async (s) => {
      await s.next(); // (1) the causal model on the base
      const base = await s.stepValues();
      assert.match(base.QP_obj!, /^"?[≡⊏⊐^‿|#]"?$/);
      assert.match(base.label!, /neutral|entailment|contradiction/);
      await s.next(); // (2) on the source
      const source = await s.stepValues();
      await s.next(); // (3) the high-level interchange
      await s.next(); // (4) the network on the source
      await s.next(); // (5) the base with layer 1 patched
      const step5 = await s.variables((await s.scopes())[0]!.variablesReference);
      const grid = step5.find((v) => v.name === 'layer1 after patch, by token');
      assert.ok(grid, `a token grid among ${step5.map((v) => v.name).join(', ')}`);
      const verb = (w: string) => w.replace(/^"|"$/g, '');
      assert.equal(grid.value, `27 tokens × 16; patched: [8] ${verb(base.P_V!)}`);
      const rows = await s.variables(grid.variablesReference);
      assert.equal(rows.length, 27);
      assert.equal(rows[0]!.name, '[0] [CLS]');
      assert.equal(rows[8]!.name, `[8] ${verb(base.P_V!)}`);
      assert.match(rows[8]!.value, new RegExp(`^patched ← source's \\[8\\] '${verb(source.P_V!)}' · `));
      assert.equal(rows.filter((r) => r.value.startsWith('patched')).length, 1);
      // A row expands to its 16 hidden values.
      assert.equal((await s.variables(rows[8]!.variablesReference)).length, 16);
      assert.ok(step5.some((v) => v.name === 'layer1 before patch, by token'));
    }),
);
