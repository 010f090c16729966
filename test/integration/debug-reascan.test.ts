/**
 * The debugger on a ReaSCAN intervention (test/fixtures/models/reascan-tiny.ts): the causal model's steps show the
 * example's description and position, and the result shows the greedy decode as an action sequence, token by token
 * with its probabilities, beside the counterfactual action sequence and the verdict of exact match.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

const root = path.resolve(import.meta.dirname, '../..');
const file = path.join(root, 'test/fixtures/models/reascan-tiny.ts');

async function variables(dc: DebugClient, ref: number): Promise<DebugProtocol.Variable[]> {
  return (await dc.variablesRequest({ variablesReference: ref })).body.variables;
}

async function scopes(dc: DebugClient): Promise<DebugProtocol.Scope[]> {
  const [top] = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  return (await dc.scopesRequest({ frameId: top!.id })).body.scopes;
}

const TOKEN = '(walk|turn left|turn right|stay|push|pull)';
const ACTIONS = new RegExp(`^\\((${TOKEN}(,${TOKEN})*)?\\)$`);

test(
  'a ReaSCAN intervention: description and position, then the decoded actions against the counterfactual',
  { timeout: 240_000 },
  async () => {
    const dc = new DebugClient(path.join(root, 'bin/iit-studio.js'), 'debug-adapter', 'iit', { cwd: root });
    dc.defaultTimeout = 90_000;
    await dc.start();
    try {
      await Promise.all([
        dc.configurationSequence(),
        dc.launch({ experiment: file, variable: 'colDiff', base: 0, source: 1, split: 'train', stopOnEntry: true }),
        dc.waitForEvent('stopped'),
      ]);
      const next = async () => Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      await next(); // (1) the causal model on the base
      const [step] = await scopes(dc);
      const base = Object.fromEntries((await variables(dc, step!.variablesReference)).map((v) => [v.name, v.value]));
      assert.match(base.shape!, /circle|cylinder|square/);
      assert.match(base.colDiff!, /^-?\d$/);
      assert.match(base.actions!, ACTIONS);
      for (let k = 0; k < 5; k++) await next(); // through the patched pass to the result
      const all = await scopes(dc);
      const result = all.find((s) => s.name === 'Result');
      assert.ok(result, `a Result scope among ${all.map((s) => s.name).join(', ')}`);
      const r = Object.fromEntries((await variables(dc, result.variablesReference)).map((v) => [v.name, v]));
      assert.match(r['κ (prediction)']!.value, ACTIONS);
      assert.match(r['counterfactual actions']!.value, new RegExp(`${ACTIONS.source}|^none$`));
      assert.match(r.verdict!.value, /match|differ|no counterfactual/i);
      // One probability per decoded token, EOS included.
      const probs = await variables(dc, r.probabilities!.variablesReference);
      assert.ok(probs.length >= 1 && probs.length <= 17);
      assert.match(probs.at(-1)!.name, /EOS|walk|turn|stay|push|pull/);
    } finally {
      await dc.stop();
    }
  },
);
