/**
 * The protocol declares the result shapes (server/protocol/results.ts) and the engine conforms, without importing
 * it. This file does not compile when the engine's Metrics or Report and the protocol's stop being the same shape;
 * at run time, a real report from training Figure 1 carries exactly the protocol's keys.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { trainRun } from '../../server/app/train';
import type * as engineMetrics from '../../server/engine/metrics';
import type * as engineReport from '../../server/engine/report';
import type { IiaMetrics, Metrics, Report, SplitMetrics } from '../../server/protocol/results';

const root = path.resolve(import.meta.dirname, '../..');

/** true when each type is assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShapes: [
  Same<engineMetrics.IiaMetrics, IiaMetrics>,
  Same<engineMetrics.SplitMetrics, SplitMetrics>,
  Same<engineMetrics.Metrics, Metrics>,
  Same<engineReport.Report, Report>,
] = [true, true, true, true];

/** Each key of T, marked required or optional: the literal below must list every key, and nothing else. */
type Keys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? 'optional' : 'required' };
const REPORT: Keys<Report> = {
  experiment: 'required',
  config: 'required',
  backend: 'required',
  seed: 'required',
  steps: 'required',
  metrics: 'required',
  before: 'optional',
  parameters: 'optional',
  timing: 'required',
  data: 'optional',
  droppedPairs: 'optional',
};
const SPLIT: Keys<SplitMetrics> = { behavioral: 'required', examples: 'required', iia: 'required', probe: 'optional' };
const IIA: Keys<IiaMetrics> = {
  overall: 'required',
  byVariable: 'required',
  pairs: 'required',
  exact: 'required',
  interval: 'optional',
  typed: 'optional',
  chance: 'optional',
  grid: 'optional',
  dropped: 'optional',
};

/** `value` has every required key of `keys` and no key the protocol does not declare. */
function conforms(value: object, keys: Record<string, 'required' | 'optional'>, where: string): void {
  for (const [k, kind] of Object.entries(keys))
    if (kind === 'required') assert.ok(k in value, `${where} lacks the protocol's ${k}`);
  const undeclared = Object.keys(value).filter((k) => !(k in keys));
  assert.deepEqual(undeclared, [], `${where} has keys the protocol does not declare`);
}

function metricsConform(m: Metrics, where: string): void {
  assert.ok(Object.keys(m).length > 0, `${where} has splits`);
  for (const [split, s] of Object.entries(m)) {
    conforms(s, SPLIT, `${where}.${split}`);
    conforms(s.iia, IIA, `${where}.${split}.iia`);
  }
}

test('the engine and the protocol declare the same Metrics and Report', () => {
  assert.deepEqual(sameShapes, [true, true, true, true]);
});

test("a report from training Figure 1 carries exactly the protocol's keys, as sent on the wire", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iit-conformance-'));
  try {
    const evaluations: Metrics[] = [];
    const { report } = await trainRun({
      file: path.join(root, 'samples/conjunction/figure1.ts'),
      seed: 0,
      backend: 'cpu',
      out: path.join(dir, 'run'),
      params: true,
      hooks: { onEval: (_step, m) => evaluations.push(m) },
    });
    const wire = JSON.parse(JSON.stringify(report)) as Report;
    conforms(wire, REPORT, 'report');
    conforms(wire.timing, { trainSeconds: 'required', examplesPerSecond: 'required' }, 'report.timing');
    metricsConform(wire.metrics, 'report.metrics');
    if (wire.before) metricsConform(wire.before, 'report.before');
    assert.ok(wire.parameters && Object.keys(wire.parameters).length > 0, 'params: true puts the parameters in');
    // Figure 1: all 32 ordered pairs of the 4 inputs per aligned variable, exactly, with their match grids.
    assert.equal(wire.metrics.train!.iia.exact, true);
    assert.equal(wire.metrics.train!.iia.pairs, 32);
    assert.ok(wire.metrics.train!.iia.grid);
    assert.ok(evaluations.length > 0);
    for (const m of evaluations) metricsConform(JSON.parse(JSON.stringify(m)) as Metrics, 'an evaluation');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
