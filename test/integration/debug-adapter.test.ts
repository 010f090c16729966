/**
 * The debugger as an editor drives it: `iit-studio debug-adapter` (bin →
 * dist/cli.js, built by `npm test` first) over stdio with
 * @vscode/debugadapter-testsupport's DebugClient, on Figure 1c's pair:
 * base (F,T) = index 1, source (T,F) = index 2, variable V1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { evaluate, loadExperiment, Session, tf } from 'iit-studio';

const root = path.resolve(import.meta.dirname, '../..');
const figure1 = path.join(root, 'samples/conjunction/figure1.ts');
const modelFile = path.join(root, 'samples/conjunction/model.ts');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-dap-'));
const trained = path.join(tmp, 'figure1-run');
const FIG1C = { experiment: figure1, variable: 'V1', base: 1, source: 2 };

/** 1-based line of the first line matching re in a file (so the test follows edits of the sample). */
function lineOf(file: string, re: RegExp): number {
  const i = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => re.test(l));
  assert.ok(i >= 0, `${re} in ${file}`);
  return i + 1;
}

before(() => {
  // A real run: the Figure 1 one-step IIT update, trained by the CLI.
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'bin/iit-studio.js'), 'train', figure1, '--backend', 'cpu', '--out', trained],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

async function adapter(): Promise<DebugClient> {
  // The CLI as a user runs it: bin/iit-studio.js debug-adapter, DAP on stdio.
  const dc = new DebugClient(
    path.join(root, 'bin/iit-studio.js'),
    'debug-adapter',
    'iit',
    { cwd: root },
    !!process.env.IIT_DAP_STDERR,
  );
  // Loading TensorFlow.js on a busy machine can take seconds; this only bounds a hang.
  dc.defaultTimeout = 60_000;
  await dc.start();
  return dc;
}

async function launch(dc: DebugClient, args: Record<string, unknown>): Promise<DebugProtocol.StoppedEvent> {
  const [, , stopped] = await Promise.all([dc.configurationSequence(), dc.launch(args), dc.waitForEvent('stopped')]);
  return stopped as DebugProtocol.StoppedEvent;
}

async function move(
  dc: DebugClient,
  how: 'next' | 'stepIn' | 'stepOut' | 'stepBack' | 'continue' | 'reverseContinue',
): Promise<DebugProtocol.StoppedEvent> {
  const req = {
    next: () => dc.nextRequest({ threadId: 1 }),
    stepIn: () => dc.stepInRequest({ threadId: 1 }),
    stepOut: () => dc.stepOutRequest({ threadId: 1 }),
    stepBack: () => dc.stepBackRequest({ threadId: 1 }),
    continue: () => dc.continueRequest({ threadId: 1 }),
    reverseContinue: () => dc.reverseContinueRequest({ threadId: 1 }),
  }[how];
  const [, ev] = await Promise.all([req(), dc.waitForEvent('stopped')]);
  return ev as DebugProtocol.StoppedEvent;
}

async function frames(dc: DebugClient): Promise<DebugProtocol.StackFrame[]> {
  return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
}

interface Shown {
  scopes: string[];
  /** Name → value of the current step's scope (the first). */
  step: Record<string, string>;
  ref: number;
  scopeRefs: Record<string, number>;
}

async function shown(dc: DebugClient): Promise<Shown> {
  const [top] = await frames(dc);
  const scopes = (await dc.scopesRequest({ frameId: top!.id })).body.scopes;
  const ref = scopes[0]!.variablesReference;
  const vars = (await dc.variablesRequest({ variablesReference: ref })).body.variables;
  return {
    scopes: scopes.map((s) => s.name),
    step: Object.fromEntries(vars.map((v) => [v.name, v.value])),
    ref,
    scopeRefs: Object.fromEntries(scopes.map((s) => [s.name, s.variablesReference])),
  };
}

/** The numbers a tensor summary starts with: "[0.45]  shape [1]" → [0.45]. */
function numbers(value: string | undefined): number[] {
  const m = /^\[([^\]]*)\]/.exec(value ?? '');
  assert.ok(m, `a tensor value: ${value}`);
  return m[1]!.split(',').map(Number);
}

test(
  'steps through the six steps of Figure 1c: h1 = 0.45 from the source patched into the base, y = −0.05, mismatch; step back',
  { timeout: 180_000 },
  async () => {
    const dc = await adapter();
    try {
      const entry = await launch(dc, { ...FIG1C, stopOnEntry: true });
      assert.equal(entry.body.reason, 'entry');
      let s = await shown(dc);
      assert.equal(s.step.variable, 'V1');
      assert.equal(s.step.base, '{X1=F, X2=T}');
      assert.equal(s.step.source, '{X1=T, X2=F}');
      assert.match(s.step.weights!, /untrained/);

      // (1) the causal model on the base; the frame is the model's declaration.
      await move(dc, 'next');
      let [f] = await frames(dc);
      assert.equal(f!.source!.path, modelFile);
      assert.equal(f!.line, lineOf(modelFile, /causalModel\(/));
      s = await shown(dc);
      assert.deepEqual(s.step, { X1: 'F', X2: 'T', V1: 'F', V2: 'T', O: 'F' });

      // (2) on the source.
      await move(dc, 'next');
      s = await shown(dc);
      assert.deepEqual(s.step, { X1: 'T', X2: 'F', V1: 'T', V2: 'F', O: 'F' });

      // (3) the high-level interchange: do(V1 ← T) on the base makes O true.
      await move(dc, 'next');
      s = await shown(dc);
      assert.equal(s.step['do(V1)'], 'T');
      assert.equal(s.step.O, 'T');
      assert.ok(s.scopes.includes('Causal model'));

      // (4) the network on the source up to h1; the frame is V1's alignment entry.
      await move(dc, 'next');
      [f] = await frames(dc);
      assert.equal(f!.source!.path, figure1);
      assert.equal(f!.line, lineOf(figure1, /^\s*V1: \{ site/));
      s = await shown(dc);
      assert.deepEqual(numbers(s.step['h1 (source)']), [0.45]);
      assert.equal(s.step['aligned neurons'], '[0.45]');

      // (5) the base's pass with the source's h1 patched in.
      await move(dc, 'next');
      s = await shown(dc);
      assert.deepEqual(numbers(s.step['h1 before patch']), [0.05]);
      assert.deepEqual(numbers(s.step['h1 after patch']), [0.45]);
      assert.deepEqual(numbers(s.step.h2), [0.5]);
      assert.deepEqual(numbers(s.step.y), [-0.05]);
      const step5 = s.step;

      // (6) κ against the counterfactual label.
      await move(dc, 'next');
      s = await shown(dc);
      assert.deepEqual(numbers(s.step.logits), [-0.05]);
      assert.equal(s.step['κ (prediction)'], 'F');
      assert.equal(s.step['counterfactual O'], 'T');
      assert.equal(s.step.verdict, 'mismatch');
      assert.ok(s.scopes.includes('Result') && s.scopes.includes('Network'));
      // Probabilities expand per output value: σ(−0.05) for TRUE.
      const probs = (await dc.variablesRequest({ variablesReference: s.scopeRefs.Result! })).body.variables.find(
        (v) => v.name === 'probabilities',
      )!;
      const ps = (await dc.variablesRequest({ variablesReference: probs.variablesReference })).body.variables;
      assert.equal(
        Number(ps.find((v) => v.name === 'P(O=T)')!.value).toFixed(4),
        (1 / (1 + Math.exp(0.05))).toFixed(4),
      );

      // Step back: the previous step's values again.
      const back = await move(dc, 'stepBack');
      assert.equal(back.body.reason, 'step');
      assert.deepEqual((await shown(dc)).step, step5);

      await move(dc, 'next');
      await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
    } finally {
      await dc.stop();
    }
  },
);

test(
  'with the weights of a run trained by the Figure 1 update, the same pair matches',
  { timeout: 180_000 },
  async () => {
    const dc = await adapter();
    try {
      await launch(dc, { ...FIG1C, runDir: trained, stopOnEntry: true });
      assert.match((await shown(dc)).step.weights!, /^run /);
      for (let k = 0; k < 5; k++) await move(dc, 'next');
      const s5 = await shown(dc);
      // W1 = [0.5012, 0.05] after the update: the source's h1 is 0.5012.
      assert.equal(numbers(s5.step['h1 after patch'])[0]!.toFixed(4), '0.5012');
      assert.ok(numbers(s5.step.y)[0]! > 0);
      await move(dc, 'next');
      const s6 = await shown(dc);
      assert.equal(s6.step['κ (prediction)'], 'T');
      assert.equal(s6.step.verdict, 'match');
    } finally {
      await dc.stop();
    }
  },
);

test(
  "a breakpoint on V2's equation line stops there, in each pass; a conditional one only where it holds",
  { timeout: 180_000 },
  async () => {
    const dc = await adapter();
    try {
      const v2 = lineOf(modelFile, /^\s*V2:/);
      await dc.hitBreakpoint({ ...FIG1C, stopOnEntry: false }, { path: modelFile, line: v2 });
      let fs = await frames(dc);
      assert.equal(fs[0]!.line, v2);
      assert.equal(fs[0]!.source!.path, modelFile);
      assert.match(fs[0]!.name, /^V2 = f\(X2=T\) → T$/);
      assert.match(fs[1]!.name, /^1 · causal model on the base/);
      assert.deepEqual((await shown(dc)).step, { V2: 'T', X2: 'T' });

      // Continue: the source's pass computes V2 next.
      const again = await move(dc, 'continue');
      assert.equal(again.body.reason, 'breakpoint');
      fs = await frames(dc);
      assert.match(fs[1]!.name, /^2 · causal model on the source/);

      // A condition on the computed value: only where V2 is true (the base and the counterfactual).
      const set = await dc.setBreakpointsRequest({
        source: { path: modelFile },
        breakpoints: [{ line: v2, condition: 'value === true' }],
      });
      assert.equal(set.body.breakpoints[0]!.verified, true);
      await move(dc, 'continue');
      fs = await frames(dc);
      assert.match(fs[1]!.name, /^3 · interchange/);
      assert.equal(fs[0]!.line, v2);

      // A line that is no equation does not bind.
      const none = await dc.setBreakpointsRequest({ source: { path: modelFile }, breakpoints: [{ line: 1 }] });
      assert.equal(none.body.breakpoints[0]!.verified, false);
    } finally {
      await dc.stop();
    }
  },
);

test(
  'step in walks the equations in topological order, step out returns to the step; restart goes back to the entry',
  { timeout: 180_000 },
  async () => {
    const dc = await adapter();
    try {
      await launch(dc, { ...FIG1C, stopOnEntry: true });
      const order: string[] = [];
      await move(dc, 'stepIn');
      let fs = await frames(dc);
      assert.equal(fs.length, 2);
      order.push(fs[0]!.name.split(' ')[0]!);
      await move(dc, 'next');
      order.push((await frames(dc))[0]!.name.split(' ')[0]!);
      assert.deepEqual(order, ['V1', 'V2']);
      assert.equal((await frames(dc))[0]!.line, lineOf(modelFile, /^\s*V2:/));
      await move(dc, 'stepOut');
      fs = await frames(dc);
      assert.equal(fs.length, 1);
      assert.match(fs[0]!.name, /^1 · causal model on the base/);
      // Step back from a step's summary goes to the previous step, over its equations.
      await move(dc, 'stepBack');
      assert.match((await frames(dc))[0]!.name, /^0 · start/);

      const [, restarted] = await Promise.all([dc.restartRequest({}), dc.waitForEvent('stopped')]);
      assert.equal((restarted as DebugProtocol.StoppedEvent).body.reason, 'entry');
      assert.match((await frames(dc))[0]!.name, /^0 · start/);
    } finally {
      await dc.stop();
    }
  },
);

test('setVariable on a counterfactual value re-runs the later steps', { timeout: 180_000 }, async () => {
  const dc = await adapter();
  try {
    await launch(dc, { ...FIG1C, stopOnEntry: true });
    for (let k = 0; k < 3; k++) await move(dc, 'next');
    const s3 = await shown(dc);
    assert.equal(s3.step.O, 'T');
    // do(V1 ← F) instead of the source's T: the counterfactual output becomes F.
    const r = await dc.setVariableRequest({ variablesReference: s3.ref, name: 'do(V1)', value: 'false' });
    assert.equal(r.body.value, 'F');
    assert.equal((await shown(dc)).step.O, 'F');
    await assert.rejects(
      dc.setVariableRequest({ variablesReference: (await shown(dc)).ref, name: 'do(V1)', value: '7' }),
      /7 is outside boolean/,
    );
    for (let k = 0; k < 3; k++) await move(dc, 'next');
    const s6 = await shown(dc);
    assert.equal(s6.step['counterfactual O'], 'F');
    assert.equal(s6.step['κ (prediction)'], 'F');
    assert.equal(s6.step.verdict, 'match');
  } finally {
    await dc.stop();
  }
});

test(
  'Run all pairs reports the IIA of the variable and the mismatching pairs (equal to the engine’s evaluation)',
  { timeout: 180_000 },
  async () => {
    await tf.setBackend('cpu');
    const exp = await loadExperiment(figure1);
    const session = new Session(exp, exp.resolve(), 0);
    const metrics = (await evaluate(session)).train!;
    session.dispose();
    const grid = metrics.iia.grid!.V1!;
    const expected = grid.flatMap((m, i) => (m ? [] : [[Math.floor(i / 4), i % 4]]));

    const dc = await adapter();
    try {
      await launch(dc, { ...FIG1C, stopOnEntry: true });
      const r = (await dc.customRequest('iit/runAllPairs')).body as {
        pairs: number;
        matches: number;
        iia: number;
        exact: boolean;
        mismatches: { base: number; source: number }[];
      };
      assert.equal(r.pairs, 16);
      assert.equal(r.exact, true);
      assert.equal(r.iia, metrics.iia.byVariable.V1);
      assert.deepEqual(
        r.mismatches.map((m) => [m.base, m.source]),
        expected,
      );
      assert.ok(
        expected.some(([b, s]) => b === 1 && s === 2),
        "Figure 1c's pair mismatches",
      );
    } finally {
      await dc.stop();
    }
  },
);

test('launch configuration errors name the launch.json field and the fix', { timeout: 180_000 }, async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { ...FIG1C, variable: 'V9' },
      /launch\.json "variable": V9 is not a variable of the causal model — use one of V1, V2/,
    ],
    [
      { ...FIG1C, base: 7 },
      /launch\.json "base": index 7 is outside split 'train' \(4 inputs\) — use an integer 0\.\.3/,
    ],
    [{ ...FIG1C, source: { X1: true } }, /launch\.json "source": input X2 is missing/],
    [{ ...FIG1C, experiment: 'nope.ts' }, /launch\.json "experiment": .*nope\.ts does not exist/],
    [{ ...FIG1C, runDir: tmp }, /launch\.json "runDir": .* holds no weights/],
  ];
  for (const [args, re] of cases) {
    const dc = await adapter();
    try {
      await assert.rejects(dc.launch(args), re);
    } finally {
      await dc.stop();
    }
  }
  // Literal inputs work as well as indices.
  const dc = await adapter();
  try {
    await launch(dc, { ...FIG1C, base: { X1: false, X2: true }, source: { X1: true, X2: false }, stopOnEntry: true });
    assert.equal((await shown(dc)).step.base, '{X1=F, X2=T}');
  } finally {
    await dc.stop();
  }
});

test(
  'a typed interchange WX→YZ on hierarchical equality: tensors expand to values, the source block lands in the target block',
  { timeout: 180_000 },
  async () => {
    const file = path.join(root, 'samples/hierarchical-equality/experiment.ts');
    const yz = lineOf(file, /^\s*YZ: \{ site/);
    const dc = await adapter();
    try {
      // A conditional breakpoint on YZ's alignment entry: `value` is the patched neurons there (8 of them).
      await Promise.all([
        dc
          .waitForEvent('initialized')
          .then(() =>
            dc.setBreakpointsRequest({
              source: { path: file },
              breakpoints: [{ line: yz, condition: 'value.length === 8' }],
            }),
          )
          .then(() => dc.configurationDoneRequest()),
        dc.launch({ experiment: file, variable: 'WX→YZ', base: 0, source: 1, split: 'test', stopOnEntry: false }),
        dc.assertStoppedLocation('breakpoint', { path: file, line: yz }),
      ]);
      const [top] = await frames(dc);
      assert.match(top!.name, /^5 · base with h1 patched/);
      const s = await shown(dc);
      const expand = async (name: string) => {
        const v = (await dc.variablesRequest({ variablesReference: s.ref })).body.variables.find(
          (x) => x.name === name,
        )!;
        assert.ok(v.variablesReference > 0, `${name} expands`);
        return (await dc.variablesRequest({ variablesReference: v.variablesReference })).body.variables.map((x) =>
          Number(x.value),
        );
      };
      // 16 neurons: a summary line, values on expansion.
      assert.match(s.step['h1 after patch']!, /^shape \[16\] {2}min -?[\d.]+ {2}max -?[\d.]+ {2}mean -?[\d.e-]+$/);
      const before = await expand('h1 before patch');
      const after = await expand('h1 after patch');
      assert.equal(after.length, 16);
      // YZ's block (neurons 8..15) now holds the source's WX block; WX's block (0..7) is the base's own.
      assert.deepEqual(after.slice(0, 8), before.slice(0, 8));

      // The source's WX block, read at step 4 by stepping back.
      await move(dc, 'stepBack');
      const s4 = await shown(dc);
      const aligned = s4.step['aligned neurons']!.slice(1, -1).split(', ').map(Number);
      assert.deepEqual(after.slice(8), aligned);
      const src = (await dc.variablesRequest({ variablesReference: s4.ref })).body.variables.find(
        (x) => x.name === 'h1 (source)',
      )!;
      const srcVals = (await dc.variablesRequest({ variablesReference: src.variablesReference })).body.variables.map(
        (x) => Number(x.value),
      );
      assert.deepEqual(srcVals.slice(0, 8), aligned);

      // The interchange sets YZ to the source's WX; hovers read values by name.
      await move(dc, 'stepBack');
      const s3 = await shown(dc);
      const wxSource = (await dc.evaluateRequest({ expression: 'source.WX', context: 'hover' })).body.result;
      assert.equal(s3.step['do(YZ)'], wxSource);
      assert.equal((await dc.evaluateRequest({ expression: 'do(YZ)', context: 'hover' })).body.result, wxSource);

      // Reverse continue stops nowhere before (no breakpoint there) and lands on the entry.
      const rev = await move(dc, 'reverseContinue');
      assert.equal(rev.body.reason, 'entry');
    } finally {
      await dc.stop();
    }
  },
);
