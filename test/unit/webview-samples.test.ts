/**
 * Every sample's results view draws the heatmaps its experiment has: found by
 * walking samples/ (so a new sample is covered when it lands), each sample's
 * untrained network evaluated for real on cpu (few sampled pairs and
 * examples; a network of more than 5M parameters, ResNet-18 or BERT-base, on
 * wasm with fewer examples still), then the
 * view built from those metrics: variable × split always; the typed source ×
 * target matrix exactly when aligned variables share a type; base × source
 * grids exactly for splits of at most 16 inputs.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { evaluate, Session, tf } from 'iit-studio';
import { describeExperiment } from '../../server/app/describe';
import { useBackend } from '../../server/compute/backends';
import { loadExperiment } from '../../server/app/open';
// Registers 'iit-studio/pvr' for the PVR samples, as the front ends do.
import { GRID_MAX_INPUTS } from '../../server/engine/evaluate';
import type { RunView } from '../../server/protocol/webview';
import { heatmapSvg } from '../../webview/charts';
import { runSections } from '../../webview/exports';
import { DEFAULT_THEME } from '../../webview/theme';
import { findAll, parseXml } from './webview-xml';

const root = path.resolve(import.meta.dirname, '../..');

function experimentFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) return experimentFiles(p);
    return p.endsWith('.ts') && /export\s+default\s+experiment\s*\(/.test(readFileSync(p, 'utf8')) ? [p] : [];
  });
}

const files = experimentFiles(path.join(root, 'samples'));

before(async () => {
  await tf.setBackend('cpu');
});

/** Heatmap kinds drawn per sample, checked at the end. */
const drawn = new Map<string, string[]>();

test('the samples include Figure 1 and the hierarchical-equality experiment', () => {
  assert.ok(files.some((f) => f.endsWith('figure1.ts')));
  assert.ok(files.some((f) => f.includes('hierarchical-equality')));
});

for (const file of files) {
  test(`heatmaps of ${path.relative(root, file)}`, async () => {
    const exp = await loadExperiment(file);
    const session = new Session(exp, exp.resolve(), 0);
    // ResNet-18 (11M parameters) and BERT-base (85M) evaluate on wasm, over a few examples: minutes on cpu otherwise;
    // BERT-base over two examples and two pairs a split (a forward pass of it is 4.6 GFLOP).
    const size = [...session.net.params.values()].reduce((n, v) => n + v.size, 0);
    const large = size > 5e6;
    const examples = size > 50e6 ? 2 : large ? 8 : 64;
    const pairs = size > 50e6 ? 2 : 4;
    if (large) await useBackend('wasm');
    try {
      const info = describeExperiment(exp, session);
      // Few pairs and examples: the heatmaps' shapes are under test here, not the numbers (ResNet-18 on cpu is slow).
      const metrics = await evaluate(session, { pairs, examples, seed: 0 });
      const run: RunView = {
        id: file,
        experiment: info.experiment,
        file,
        config: 'default',
        backend: 'cpu',
        seed: 0,
        status: 'finished',
        startedAt: '2026-11-25T00:00:00Z',
        history: [{ step: 0, metrics }],
        losses: [],
        ...(info.inputLabels ? { inputLabels: info.inputLabels } : {}),
      };
      const heatmaps = runSections(run).flatMap((s) => s.heatmaps);
      drawn.set(path.relative(root, file), [...new Set(heatmaps.map((h) => h.kind))]);
      const kinds = (k: string) => heatmaps.filter((h) => h.kind === k);
      const splits = Object.keys(metrics);
      for (const s of splits)
        assert.equal(
          metrics[s]!.examples,
          Math.min(examples, info.splits[s]!),
          `behaviour over at most ${examples} examples of ${s}`,
        );
      const aligned = info.alignment.map((a) => a.variable);

      const split = kinds('split');
      assert.equal(split.length, 1);
      assert.deepEqual(split[0]!.rows, [...aligned, 'overall']);
      assert.deepEqual(split[0]!.cols, splits);

      const types = info.alignment.map((a) => a.type);
      const typed = new Set(types).size < types.length;
      assert.equal(kinds('typed').length, typed ? splits.length : 0, 'typed matrices');

      const small = splits.filter((s) => info.splits[s]! <= GRID_MAX_INPUTS);
      assert.equal(kinds('grid').length > 0, small.length > 0, 'grids');
      for (const g of kinds('grid')) assert.equal(g.rows.length, info.splits[/\((\w+)\)$/.exec(g.title)![1]!]);

      for (const h of heatmaps) {
        const svg = parseXml(heatmapSvg(h, DEFAULT_THEME));
        assert.equal(
          findAll(svg, (e) => /^cell/.test(e.attrs.class ?? '')).length,
          h.rows.length * h.cols.length,
          h.title,
        );
      }
    } finally {
      session.dispose();
      if (large) await tf.setBackend('cpu');
    }
  });
}

test('across the samples every heatmap type of a run is drawn: split, typed, grid', () => {
  assert.deepEqual(drawn.get('samples/conjunction/figure1.ts'), ['split', 'grid']);
  assert.deepEqual(drawn.get('samples/hierarchical-equality/experiment.ts'), ['split', 'typed']);
  assert.deepEqual(drawn.get('samples/pvr/quick.ts'), ['split', 'typed']);
});
