/**
 * The debugger on a ReaSCAN intervention (test/fixtures/models/reascan-tiny.ts): the causal model's steps show the
 * example's description and position, and the result shows the greedy decode as an action sequence, token by token
 * with its probabilities, beside the counterfactual action sequence and the verdict of exact match.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { withDebugSession } from './debug-session';

const file = path.resolve(import.meta.dirname, '../fixtures/models/reascan-tiny.ts');
const TOKEN = '(walk|turn left|turn right|stay|push|pull)';
const ACTIONS = new RegExp(`^\\((${TOKEN}(,${TOKEN})*)?\\)$`);

test(
  'a ReaSCAN intervention: description and position, then the decoded actions against the counterfactual',
  { timeout: 240_000 },
  () =>
    withDebugSession({ experiment: file, variable: 'colDiff', base: 0, source: 1, split: 'train' }, async (s) => {
      await s.next(); // (1) the causal model on the base
      const base = await s.stepValues();
      assert.match(base.shape!, /circle|cylinder|square/);
      assert.match(base.colDiff!, /^-?\d$/);
      assert.match(base.actions!, ACTIONS);
      for (let k = 0; k < 5; k++) await s.next(); // through the patched pass to the result
      const all = await s.scopes();
      const result = all.find((x) => x.name === 'Result');
      assert.ok(result, `a Result scope among ${all.map((x) => x.name).join(', ')}`);
      const r = Object.fromEntries((await s.variables(result.variablesReference)).map((v) => [v.name, v]));
      assert.match(r['κ (prediction)']!.value, ACTIONS);
      assert.match(r['counterfactual actions']!.value, new RegExp(`${ACTIONS.source}|^none$`));
      assert.match(r.verdict!.value, /match|differ|no counterfactual/i);
      // One probability per decoded token, EOS included.
      const probs = await s.variables(r.probabilities!.variablesReference);
      assert.ok(probs.length >= 1 && probs.length <= 17);
      assert.match(probs.at(-1)!.name, /EOS|walk|turn|stay|push|pull/);
    }),
);
