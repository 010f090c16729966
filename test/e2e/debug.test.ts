/**
 * The intervention debugger inside a real VS Code (code-server 4.100.3)
 * driven by Chromium: "IIT: Debug Intervention" from the command palette on
 * Figure 1's experiment, its adapter in a process of its own (the default),
 * F10 through the six steps while reading the Variables view, then "IIT: Run
 * All Pairs". Screenshots go to artifacts/e2e/. With CI=true nothing here may
 * be skipped.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchCodeServer, root, type CodeServer } from './harness/codeServer';
import { launchBrowser, loadWorkbench, reporting, skip } from './harness/workbench';
import {
  expandTreeRow,
  openIitSidebar,
  outputLog,
  pickQuickLabel,
  processes,
  runPaletteCommand,
  waitForOutput,
  waitForVariable,
} from './iitSteps';

let cs: CodeServer;
let browser: Browser;
let page: Page;
const ws = mkdtempSync(path.join(os.tmpdir(), 'iit-e2e-dbg-'));

const { shot, reported } = reporting('debug-', () => ({ page, cs }));

before(async () => {
  if (skip) return;
  if (!existsSync(path.join(root, 'dist', 'debug.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  cpSync(path.join(root, 'samples', 'conjunction'), path.join(ws, 'conjunction'), { recursive: true });
  // No tsconfig: VS Code's TypeScript gets 'iit-studio' from the extension's TypeScript plugin, as a user's would.
  cs = await launchCodeServer({ workspace: ws, settings: { 'iitStudio.backend': 'cpu' } });
  ({ browser, page } = await launchBrowser());
  await loadWorkbench(page, cs, ws);
});

after(async () => {
  await browser?.close();
  await cs?.close();
  rmSync(ws, { recursive: true, force: true });
});

const cli = realpathSync(path.join(root, 'bin', 'iit-studio.js'));
/** The debug adapters running now: `node … bin/iit-studio.js debug-adapter` of this extension. */
const adapters = () =>
  processes(
    (argv) =>
      argv.at(-1) === 'debug-adapter' && !!argv.at(-2)?.endsWith('iit-studio.js') && realpathSync(argv.at(-2)!) === cli,
  );

/** F10, then wait for the step's scope (its name starts with the step number) and the rows it must show. */
async function stepOver(step: number, ...shows: RegExp[]): Promise<string[]> {
  await page.keyboard.press('F10');
  return waitForVariable(page, [new RegExp(`^${step} · `), ...shows]);
}

test(
  'IIT: Debug Intervention from the palette; F10 through the six steps, reading the Variables view',
  { skip, timeout: 300_000 },
  reported('steps', async () => {
    // The sidebar's experiment info comes from the server: wait for it, then open Figure 1's file.
    await openIitSidebar(page);
    await expandTreeRow(page, 'Experiments', 'figure1');
    await page.keyboard.press('Control+P');
    await page.keyboard.type('figure1.ts');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'figure1.ts' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.view-lines .view-line', { hasText: "V1: { site: 'h1' }" }).first().waitFor();

    await runPaletteCommand(page, 'IIT: Debug Intervention');
    await pickQuickLabel(page, 'V1');
    // Stopped on entry: the pair (base #0 (F,F), source #1 (F,T)) and the variable.
    await waitForVariable(page, [/^0 · start/, /^variable = V1$/], 120_000);
    await shot('1-entry');

    // The adapter runs out of process by default: the extension says so, and the extension host started it.
    const line = await waitForOutput(cs.userDataDir, /debug adapter: out of process \(/);
    assert.match(line, /bin\/iit-studio\.js debug-adapter\)$/);
    const running = adapters();
    assert.equal(running.length, 1, `one adapter process: ${JSON.stringify(running)}`);
    assert.ok(
      running[0]!.parentArgv.some((a) => /extensionHost/.test(a)),
      `the adapter's parent is the extension host: ${running[0]!.parentArgv.join(' ')}`,
    );

    // (1), (2) the causal model on the base and the source.
    await stepOver(1, /^O = F$/, /^X2 = F$/);
    await stepOver(2, /^X2 = T$/, /^V2 = T$/);
    // (3) do(V1 ← the source's F) on the base.
    await stepOver(3, /^do\(V1\) = F$/, /^O = F$/);
    // (4) the source's h1 = W1·[0, 1] = 0.05 at the aligned site.
    await stepOver(4, /^h1 \(source\) = \[0\.05\]/, /^aligned neurons = \[0\.05\]$/);
    await shot('2-source-site');
    // (5) patched into the base (F,F): h1 0 → 0.05, y = 0.05 + 0 − 1.
    await stepOver(5, /^y = \[-0\.95\]/, /^h1 before patch = \[0\]/, /^h1 after patch = \[0\.05\]/);
    // (6) κ(y) = F against the counterfactual F.
    await stepOver(6, /^verdict = match$/, /^κ \(prediction\) = F$/);
    await shot('3-verdict');
  }),
);

test(
  'IIT: Run All Pairs reports the IIA of V1 and offers the mismatching pairs',
  { skip, timeout: 180_000 },
  reported('all-pairs', async () => {
    await runPaletteCommand(page, 'IIT: Run All Pairs');
    // Figure 1's start: 13 of the 16 ordered pairs agree for V1.
    const title = page.locator('.quick-input-title', { hasText: /IIA V1 = 81\.25% \(13\/16/ });
    await title.waitFor({ timeout: 60_000 });
    const items = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
    assert.ok(
      items.some((t) => /base #1 \(F,T\) ← source #2 \(T,F\)/.test(t)),
      items.join('\n'),
    );
    await shot('4-all-pairs');
    // Picking Figure 1c's pair restarts the debugger on it.
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: 'base #1 (F,T) ← source #2 (T,F)' })
      .first()
      .click();
    await waitForVariable(page, [/^base = \{X1=F, X2=T\}$/, /^source = \{X1=T, X2=F\}$/], 120_000);
    await shot('5-mismatching-pair');
    // The restarted session got an adapter process of its own; stopping the session ends it.
    assert.equal(outputLog(cs.userDataDir).match(/debug adapter: out of process/g)?.length, 2);
    await page.keyboard.press('Shift+F5');
    for (let i = 0; i < 100 && adapters().length; i++) await page.waitForTimeout(200);
    assert.deepEqual(adapters(), [], 'the adapter process ends with its session');
  }),
);
