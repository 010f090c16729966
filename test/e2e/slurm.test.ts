/**
 * Run on Slurm inside a real VS Code (code-server) on a real single-node Slurm (test/integration/slurm-cluster.ts):
 * the palette command asks for the configurations and the seeds, the server submits the job array, and the Runs view
 * shows the sweep's cells until they are finished. Screenshots go to artifacts/e2e/. With CI=true nothing here may
 * be skipped.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { SlurmCluster } from '../integration/slurm-cluster';
import { launchCodeServer, root, type CodeServer } from './harness/codeServer';
import { launchBrowser, loadWorkbench, reporting, skip } from './harness/workbench';
import { openIitSidebar, runPaletteCommand, viewRows, waitForNotification } from './iitSteps';

let cluster: SlurmCluster;
let cs: CodeServer;
let browser: Browser;
let page: Page;
const ws = mkdtempSync(path.join(os.tmpdir(), 'iit-e2e-slurm-'));

const { shot, reported } = reporting('slurm-', () => ({ page, cs }));

before(async () => {
  if (skip) return;
  if (!existsSync(path.join(root, 'dist', 'server.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  cluster = await SlurmCluster.start();
  // Hierarchical equality, short: two configurations (the default and STANDARD) of 300 steps.
  writeFileSync(
    path.join(ws, 'equality.ts'),
    readFileSync(path.join(root, 'samples/hierarchical-equality/experiment.ts'), 'utf8')
      .replace('steps: 2000', 'steps: 300')
      .replace('evaluation: { pairs: 4000 }', 'evaluation: { pairs: 400 }')
      .replace('configs: presets()', "configs: presets({}, ['STANDARD'])"),
  );
  // code-server, its extension host and the language server inherit the cluster's SLURM_CONF.
  process.env.SLURM_CONF = cluster.env.SLURM_CONF;
  cs = await launchCodeServer({ workspace: ws, settings: { 'iitStudio.backend': 'wasm' } });
  ({ browser, page } = await launchBrowser());
  await loadWorkbench(page, cs, ws);
});

after(async () => {
  await browser?.close();
  await cs?.close();
  await cluster?.stop();
  rmSync(ws, { recursive: true, force: true });
});

test(
  'Run on Slurm from the palette: the job array is submitted and the Runs view follows its cells to finished',
  { skip, timeout: 420_000 },
  reported('run-on-slurm', async () => {
    await openIitSidebar(page);
    // The workspace's one experiment file is taken without asking.
    await runPaletteCommand(page, 'IIT: Run on Slurm');
    // Both configurations come picked; accept them, then one seed.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'STANDARD' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget input').waitFor();
    await page.keyboard.press('Enter');
    const note = await waitForNotification(page, /submitted job array \d+ to Slurm/, 120_000);
    assert.match(note, /2 of 2 cells of hierarchical-equality/);
    await shot('1-submitted');

    const sweepRow = viewRows(page, 'Runs').filter({ hasText: 'hierarchical-equality on Slurm' }).first();
    await sweepRow.waitFor({ timeout: 60_000 });
    // Polled every 10 s while a cell is queued or running.
    await viewRows(page, 'Runs')
      .filter({ hasText: /default-seed0\s*finished/ })
      .first()
      .waitFor({ timeout: 240_000 });
    await viewRows(page, 'Runs')
      .filter({ hasText: /STANDARD-seed0\s*finished/ })
      .first()
      .waitFor({ timeout: 60_000 });
    assert.match(await sweepRow.innerText(), /2 finished/);
    for (const cell of ['default-seed0', 'STANDARD-seed0'])
      assert.ok(existsSync(path.join(ws, '.iit', 'tables', 'hierarchical-equality', cell, 'report.json')), cell);
    await shot('2-finished');
  }),
);
