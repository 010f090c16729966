/**
 * The packaged extension in a real VS Code: `npm run package` builds the
 * .vsix, code-server's own `--install-extension` installs it into a fresh
 * extensions folder, and code-server runs it from there (not from this
 * repository). Then, with runs trained by the installed CLI: the IIT
 * sidebar and status bar, a diagnostic from the installed server, the Runs
 * view (status, backend, best IIA, start time), every heatmap type of a
 * typed experiment, a grid click sent to the debugger command, valid SVG /
 * PNG / CSV exports, the Table 1 comparison with its alignment sweep, stop /
 * resume / delete from the Runs view, and a killed server restarted.
 * Screenshots go to artifacts/e2e/package-*.png.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser, Frame, Page } from 'playwright-core';
import type { Report } from '../../server/protocol/index';
import { runFile } from '../../server/runs/layout';
import { parseCsv } from '../unit/export-csv-reader';
import { findAll, parseXml } from '../unit/webview-xml';
import { installVsix, launchCodeServer, root, type CodeServer } from './harness/codeServer';
import { launchBrowser, loadWorkbench, reporting, skip } from './harness/workbench';
import {
  decodePng,
  openIitSidebar,
  processes,
  viewRows,
  waitForNotification,
  waitForOutput as waitForOutputOf,
  waitForProblem,
} from './iitSteps';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'iit-e2e-vsix-'));
const ws = path.join(tmp, 'workspace');
const extensionsDir = path.join(tmp, 'extensions');
const exportsDir = path.join(ws, 'exports');
let extDir = '';
let cs: CodeServer;
let browser: Browser;
let page: Page;
const reports: Record<string, Report> = {};
const timings: Record<string, number> = {};

const { shot, reported } = reporting('package-', () => ({ page, cs }));

async function timed<T>(what: string, f: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  timings[what] = Math.round(performance.now() - t0) / 1000;
  return r;
}

async function waitForFile(file: string, timeout = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!existsSync(file)) {
    if (Date.now() - t0 > timeout) throw new Error(`${file} was not written`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // Exports are written whole (temporary file, then rename): once the file exists, it is complete.
}

/**
 * The webview frame that shows `selector` (a results or comparison panel). Found among the page's frames rather
 * than by iframe selectors: panels opened and closed before leave frames whose order the workbench decides.
 */
async function frameWith(selector: string, timeout = 60_000): Promise<Frame> {
  const t0 = Date.now();
  for (;;) {
    for (const f of page.frames()) {
      if (f.isDetached()) continue;
      if (
        await f
          .locator(selector)
          .count()
          .catch(() => 0)
      )
        return f;
    }
    if (Date.now() - t0 > timeout) throw new Error(`no webview shows ${selector}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The texts of a heatmap's cells (SVG text: textContent). */
const cellTexts = (frame: Frame, kind: string) =>
  frame.locator(`svg.heatmap[data-kind="${kind}"] g.cell > text`).allTextContents();

/** The visible quick-pick row whose label is exactly `label` (the workbench keeps hidden lists with stale rows). */
function quickRow(label: string) {
  const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ visible: true })
    .filter({ has: page.locator('.label-name', { hasText: exact }) })
    .first();
}

/**
 * Opens the palette (F1) or Quick Open (Control+P), types `text` and clicks the row labelled `label`. A view that
 * takes the focus a moment later (an output channel, a results panel) closes the quick input: then do it again.
 */
async function quickPick(key: 'F1' | 'Control+P', text: string, label = text): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await page.keyboard.press(key);
      await page
        .locator('.quick-input-widget .quick-input-box input')
        .filter({ visible: true })
        .first()
        .waitFor({ timeout: 5_000 });
      await page.keyboard.type(text);
      await quickRow(label).click({ timeout: 10_000 });
      return;
    } catch (e) {
      if (attempt === 2) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

async function palette(title: string): Promise<void> {
  await quickPick('F1', title);
}

async function closeAllEditors(): Promise<void> {
  await palette('View: Close All Editors');
}

const waitForOutput = (re: RegExp, timeout?: number) => waitForOutputOf(cs.userDataDir, re, timeout);

/**
 * Opens a workspace file with Quick Open, until its editor is the active tab: a toast or a panel taking the focus
 * can close Quick Open under the click, which then opens nothing.
 */
async function openFile(name: string): Promise<void> {
  const active = page.locator('.tab.active', { hasText: name }).first();
  for (let attempt = 0; ; attempt++) {
    await quickPick('Control+P', name);
    const opened = await active.waitFor({ timeout: 10_000 }).then(
      () => true,
      () => false,
    );
    if (opened) return;
    if (attempt === 2) throw new Error(`Quick Open did not open ${name} in three tries`);
  }
}

/** The Runs view's row whose text matches. */
const runRow = (text: RegExp) => viewRows(page, 'Runs').filter({ hasText: text }).first();

/**
 * Runs a Runs-view context-menu item until `outcome` shows. The menu ignores a click that comes too soon after it
 * opened, and closes when the tree refreshes (runs change state): then open it again.
 */
async function contextMenu(
  row: ReturnType<typeof runRow>,
  item: string,
  outcome: ReturnType<Page['locator']>,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await row.click({ button: 'right' });
    const menu = page.locator('.context-view .monaco-menu').filter({ visible: true }).first();
    // A tree refresh can close the menu before the click lands, or open it on a row about to change: try again.
    const clicked = await page
      .locator('.context-view .action-label', { hasText: new RegExp(`^${item}$`) })
      .first()
      .click({ timeout: 10_000 })
      .then(
        () => true,
        () => false,
      );
    if (!clicked) {
      if (attempt === 2) throw new Error(`the run's context menu did not offer '${item}' in three tries`);
      await page.keyboard.press('Escape');
      continue;
    }
    const closed = await menu.waitFor({ state: 'hidden', timeout: 2_000 }).then(
      () => true,
      () => false,
    );
    if (!closed) await page.keyboard.press('Enter');
    try {
      await outcome.first().waitFor({ timeout: 10_000 });
      return;
    } catch (e) {
      if (attempt === 2) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

before(async () => {
  if (skip) return;
  // npm run package, as a user runs it (build + vsce package, offline).
  await timed('npm run package', () =>
    execFileSync('npm', ['run', 'package'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }),
  );
  const vsix = path.join(tmp, 'iit-studio.vsix');
  renameSync(path.join(root, 'iit-studio.vsix'), vsix);
  const out = await timed('install', () => installVsix(vsix, extensionsDir));
  assert.match(out, /iit-studio.*was successfully installed/i);
  extDir = path.join(
    extensionsDir,
    readdirSync(extensionsDir).find((d) => d.startsWith('iit-studio.iit-studio-'))!,
  );

  mkdirSync(ws, { recursive: true });
  cpSync(path.join(root, 'samples', 'conjunction'), path.join(ws, 'conjunction'), { recursive: true });
  cpSync(path.join(root, 'test/fixtures/ext/typed.ts'), path.join(ws, 'typed.ts'));
  cpSync(path.join(root, 'test/fixtures/ext/xor.ts'), path.join(ws, 'xor.ts'));
  writeFileSync(
    path.join(ws, 'broken.ts'),
    readFileSync(path.join(root, 'samples/conjunction/figure1.ts'), 'utf8')
      .replace("V2: { site: 'h2' }", "V2: { site: 'h1' }")
      .replace("from './model'", "from './conjunction/model'"),
  );
  // An experiment file with one deliberate type error: VS Code's TypeScript checks it against the extension's
  // declarations (the TypeScript server plugin resolves 'iit-studio'; the workspace has no node_modules, no paths).
  writeFileSync(
    path.join(ws, 'typecheck.ts'),
    readFileSync(path.join(root, 'samples/conjunction/figure1.ts'), 'utf8')
      .replace('steps: 1,', "steps: 'one',")
      .replace("from './model'", "from './conjunction/model'"),
  );
  // Two runs of the typed experiment, aligned to h1 and to h2, trained by the installed CLI.
  for (const config of ['h1', 'h2']) {
    const runDir = path.join(ws, '.iit', 'runs', `typed-${config}`);
    await timed(`cli train ${config}`, () =>
      execFileSync(
        process.execPath,
        [
          path.join(extDir, 'bin', 'iit-studio.js'),
          'train',
          'typed.ts',
          '--config',
          config,
          '--backend',
          'cpu',
          '--out',
          runDir,
        ],
        { cwd: ws, stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    reports[config] = JSON.parse(readFileSync(runFile(runDir, 'report'), 'utf8')) as Report;
  }
  cs = await timed('code-server start', () =>
    launchCodeServer({
      workspace: ws,
      extensionsDir,
      // Workspace trust on: the folder opens in restricted mode first (the first browser test grants trust).
      workspaceTrust: true,
      settings: {
        'iitStudio.backend': 'cpu',
        'iitStudio.exportDirectory': exportsDir,
        'iitStudio.checkpointEvery': 100,
      },
    }),
  );
  ({ browser, page } = await launchBrowser());
  await timed('workbench', () => loadWorkbench(page, cs, ws));
});

after(async () => {
  console.log(`package e2e timings (s): ${JSON.stringify(timings)}`);
  await browser?.close();
  await cs?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test('npm run package: the .vsix holds the bundles and what the server loads at run time', { skip }, () => {
  for (const f of [
    'package.json',
    'dist/extension.js',
    'dist/server.js',
    'dist/worker.js',
    'dist/cli.js',
    'dist/webview.js',
    'dist/webview.css',
    'dist/debug.js',
    'bin/iit-studio.js',
    'extension/media/iit.svg',
    'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
    'node_modules/typescript/lib/typescript.js',
    'node_modules/esbuild/package.json',
    'node_modules/vscode-languageclient/package.json',
    // Declarations for experiment files, the TypeScript server plugin that resolves them, TensorFlow.js's types.
    'dist/types/engine/index.d.ts',
    'dist/types/pvr/index.d.ts',
    'node_modules/iit-studio-ts-plugin/package.json',
    'node_modules/iit-studio-ts-plugin/dist/index.js',
    'node_modules/@tensorflow/tfjs/dist/index.d.ts',
    'node_modules/@tensorflow/tfjs-core/dist/index.d.ts',
    'node_modules/@tensorflow/tfjs-layers/dist/index.d.ts',
  ])
    assert.ok(existsSync(path.join(extDir, f)), `${f} in the installed extension`);
  const manifest = JSON.parse(readFileSync(path.join(extDir, 'package.json'), 'utf8')) as {
    contributes: { typescriptServerPlugins?: { name: string }[] };
  };
  assert.deepEqual(
    manifest.contributes.typescriptServerPlugins?.map((p) => p.name),
    ['iit-studio-ts-plugin'],
  );
  assert.ok(!existsSync(path.join(extDir, 'ts-plugin')), 'the plugin is packaged once, in node_modules');
  assert.ok(!existsSync(path.join(extDir, 'server')), 'sources are left out');
  assert.ok(!existsSync(path.join(extDir, 'test')), 'tests are left out');
});

test(
  'untrusted folder: training is refused with a clear message; granting trust reaches the server (iit/setTrusted)',
  { skip, timeout: 180_000 },
  reported('untrusted', async () => {
    await page
      .locator('.monaco-dialog-box')
      .getByRole('button', { name: /^No, I don.t trust/ })
      .click({ timeout: 60_000 });
    await palette('IIT: Train Experiment');
    const refusal = /Training runs the experiment's code, which is disabled in untrusted folders/;
    await waitForNotification(page, refusal, 60_000);
    await shot('0-untrusted');
    await page
      .locator('.notification-list-item', {
        has: page.locator('.notification-list-item-message', { hasText: refusal }),
      })
      .first()
      .getByRole('button', { name: 'Manage Workspace Trust' })
      .click();
    await page
      .locator('.workspace-trust-editor')
      .getByRole('button', { name: /^Trust/ })
      .first()
      .click();
    await waitForOutput(/workspace trusted: the server may now load and run experiments/, 60_000);
    await closeAllEditors();
  }),
);

test(
  'the installed extension activates: IIT sidebar, status bar, output channel',
  { skip, timeout: 180_000 },
  reported('activate', async () => {
    await openIitSidebar(page);
    const experiments = viewRows(page, 'Experiments');
    for (const name of ['broken', 'figure1', 'typed', 'xor'])
      await experiments.filter({ hasText: name }).first().waitFor({ timeout: 60_000 });
    await page.locator('.statusbar-item', { hasText: 'IIT cpu' }).first().waitFor();
    await palette('IIT: Show Output');
    await waitForOutput(/IIT Studio activated/);
    await shot('1-activated');
  }),
);

test(
  'the installed server checks experiment files: a diagnostic in the Problems panel',
  { skip, timeout: 180_000 },
  reported('problems', async () => {
    await openFile('broken.ts');
    await waitForProblem(page, /V2 and V1 overlap at site h1/);
    await shot('2-problems');
  }),
);

test(
  "experiment files type-check in VS Code: no \"Cannot find module 'iit-studio'\", a type error shown, a hover with experiment's signature",
  { skip, timeout: 120_000 },
  reported('types', async () => {
    await openFile('typecheck.ts');
    const line = page.locator('.view-lines .view-line', { hasText: 'export default experiment({' }).first();
    await line.waitFor();
    const token = line.locator('span', { hasText: /^experiment$/ }).first();
    // tsserver loads the project (and the plugin) first: hover until its answer carries the signature.
    const signature = /experiment<\{[^]*\}>\(decl: ExperimentDecl<\{[^]*\}>\): Experiment/;
    let text = '';
    for (let i = 0; i < 60 && !signature.test(text); i++) {
      await token.hover();
      await page.waitForTimeout(1000);
      text = (await page.locator('.monaco-hover').allInnerTexts()).join('\n');
      if (!signature.test(text)) await page.mouse.move(5, 5);
    }
    assert.match(text, signature);
    await shot('2b-types-hover');
    await page.mouse.move(5, 5);
    // TypeScript's own check of the file, against the API's types: the wrong option type, and no unresolved import.
    await waitForProblem(page, /Type 'string' is not assignable to type 'number'/);
    const rows = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
    assert.ok(!rows.some((r) => /Cannot find module/.test(r)), rows.join('\n'));
    await shot('2c-types-problems');
  }),
);

test(
  'Runs view: each run with status, backend, best IIA and start time',
  { skip, timeout: 120_000 },
  reported('runs', async () => {
    await openIitSidebar(page);
    for (const config of ['h1', 'h2']) {
      const best = Math.max(...Object.values(reports[config]!.metrics).map((m) => m.iia.overall));
      const row = runRow(new RegExp(`${config} · seed 0`));
      await row.waitFor({ timeout: 60_000 });
      const text = await row.innerText();
      assert.match(text, new RegExp(`finished · cpu · IIA ${(best * 100).toFixed(1)}% · \\d`));
    }
    await shot('3-runs');
  }),
);

test(
  'results of a typed run: every heatmap type renders; a grid click goes to iit.debugIntervention',
  { skip, timeout: 180_000 },
  reported('results', async () => {
    await closeAllEditors();
    await runRow(/h2 · seed 0/).click();
    const frame = await frameWith('svg.heatmap[data-kind="split"]');
    const m = reports.h2!.metrics;
    const pct = (v: number) => `${Math.round(v * 10000) / 100}%`;
    assert.deepEqual(await cellTexts(frame, 'split'), [
      pct(m.train!.iia.byVariable.A!),
      pct(m.test!.iia.byVariable.A!),
      pct(m.train!.iia.byVariable.B!),
      pct(m.test!.iia.byVariable.B!),
      pct(m.train!.iia.overall),
      pct(m.test!.iia.overall),
    ]);
    assert.equal(await frame.locator('svg.heatmap[data-kind="typed"]').count(), 2);
    assert.deepEqual((await cellTexts(frame, 'typed')).slice(0, 4), [
      pct(m.train!.iia.typed!.A!),
      pct(m.train!.iia.typed!['A→B']!),
      pct(m.train!.iia.typed!['B→A']!),
      pct(m.train!.iia.typed!.B!),
    ]);
    // Grids after and before training, with the input labels the server reports.
    assert.equal(await frame.locator('svg.heatmap[data-kind="grid"]').count(), 16);
    const labels = await frame.locator('svg.heatmap[data-kind="grid"]').first().locator('text').allTextContents();
    assert.ok(labels.includes('(F,T)') && labels.includes('(T,F)'), labels.join(' '));
    const before = reports.h2!.before!.train!.iia.grid!.A!;
    const marked = await frame.locator('svg.heatmap[data-kind="grid"]').nth(8).locator('g.cell.mismatch').count();
    assert.equal(marked, before.filter((v) => v === 0).length);
    assert.equal((await frame.locator('svg.linechart[data-kind="accuracy"] path').count()) > 0, true);
    assert.equal(await frame.locator('svg.linechart[data-kind="loss"]').count(), 1);
    await shot('4-results');
    // Base (F,T) × source (T,F) of A on train: the cell carries its pair to the debugger command.
    await frame
      .locator('svg.heatmap[data-kind="grid"]')
      .first()
      .locator('g.cell[data-base="1"][data-source="2"]')
      .click();
    const line = await waitForOutput(/iit\.debugIntervention \{/);
    const args = JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>;
    assert.deepEqual(args, {
      uri: pathToFileURL(path.join(ws, 'typed.ts')).href,
      config: 'h2',
      runId: 'typed-h2',
      runDir: path.join(ws, '.iit', 'runs', 'typed-h2'),
      variable: 'A',
      base: 1,
      source: 2,
      split: 'train',
    });
    // The intervention debugger starts on that pair (stopped on entry), then is stopped again.
    await page.locator('.debug-toolbar').waitFor({ timeout: 90_000 });
    await shot('5-debug-pair');
    await page.locator('.debug-toolbar .action-label.codicon-debug-stop').click();
    await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
  }),
);

test(
  'exports: SVG parses with every chart, PNG decodes at twice the SVG size, CSV holds the cells',
  { skip, timeout: 120_000 },
  reported('exports', async () => {
    // The debugger opened the experiment file beside the results: bring the results view back to the front.
    await page.locator('.tab', { hasText: 'IIT: typed · h2' }).click();
    const frame = await frameWith('vscode-button[data-export="svg"]');
    for (const f of ['svg', 'png', 'csv']) await frame.locator(`vscode-button[data-export="${f}"]`).click();
    const base = path.join(exportsDir, 'typed-h2');
    for (const f of ['svg', 'png', 'csv']) await waitForFile(`${base}.${f}`);

    const svg = parseXml(readFileSync(`${base}.svg`, 'utf8'));
    assert.equal(svg.name, 'svg');
    assert.equal(svg.attrs.xmlns, 'http://www.w3.org/2000/svg');
    const kinds = findAll(svg, (e) => e.name === 'svg' && e.attrs.class === 'heatmap').map((e) => e.attrs['data-kind']);
    assert.deepEqual([...new Set(kinds)], ['split', 'typed', 'grid']);
    assert.equal(kinds.length, 1 + 2 + 16);
    assert.equal(findAll(svg, (e) => e.name === 'svg' && e.attrs.class === 'linechart').length, 2);

    const png = decodePng(`${base}.png`);
    assert.equal(png.width, Math.ceil(Number(svg.attrs.width) * 2));
    assert.equal(png.height, Math.ceil(Number(svg.attrs.height) * 2));
    const colours = new Set<number>();
    for (let i = 0; i < png.pixels.length && colours.size < 50; i += png.channels * 97)
      colours.add(png.pixels.readUInt32BE(i));
    assert.ok(colours.size >= 5, `the PNG has drawn content (${colours.size} colours sampled)`);

    const rows = parseCsv(readFileSync(`${base}.csv`, 'utf8'));
    assert.deepEqual(rows[0], ['heatmap', 'title', 'row_kind', 'row', 'column_kind', 'column', 'value']);
    // split 3×2, typed 2×(2×2), grids 16×(4×4)
    assert.equal(rows.length - 1, 6 + 8 + 256);
    const m = reports.h2!.metrics;
    const split = rows.filter((r) => r[0] === 'split');
    assert.deepEqual(
      split.map((r) => [r[3], r[5], Number(r[6])]),
      [
        ['A', 'train', m.train!.iia.byVariable.A],
        ['A', 'test', m.test!.iia.byVariable.A],
        ['B', 'train', m.train!.iia.byVariable.B],
        ['B', 'test', m.test!.iia.byVariable.B],
        ['overall', 'train', m.train!.iia.overall],
        ['overall', 'test', m.test!.iia.overall],
      ],
    );
    await shot('6-exports');
  }),
);

test(
  'Compare Runs: Table 1 (behaviour and IIA, train and test) and the alignment sweep',
  { skip, timeout: 120_000 },
  reported('compare', async () => {
    // Select both runs in the Runs view, then Compare Runs from the context menu.
    await openIitSidebar(page);
    await runRow(/h1 · seed 0/).click();
    await runRow(/h2 · seed 0/).click({ modifiers: ['Control'] });
    await closeAllEditors();
    await contextMenu(runRow(/h2 · seed 0/), 'Compare Runs', page.locator('.tab', { hasText: 'IIT: compare 2 runs' }));
    const frame = await frameWith('table.table1');
    const table = frame.locator('table.table1');
    assert.deepEqual(await table.locator('th').allTextContents(), [
      'run',
      'backend',
      'behaviour train',
      'behaviour test',
      'IIA train',
      'IIA test',
    ]);
    const rows = table.locator('tr');
    assert.equal(await rows.count(), 3);
    for (const [i, c] of ['h1', 'h2'].entries()) {
      const m = reports[c]!.metrics;
      const cells = await rows
        .nth(i + 1)
        .locator('td.num')
        .allTextContents();
      assert.deepEqual(
        cells,
        [m.train!.behavioral, m.test!.behavioral, m.train!.iia.overall, m.test!.iia.overall].map((v) =>
          (v * 100).toFixed(2),
        ),
      );
    }
    await frame.locator('svg.heatmap[data-kind="sweep"]').waitFor();
    const cols = await frame
      .locator('svg.heatmap[data-kind="sweep"] g.cell')
      .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-col')));
    assert.deepEqual(cols, ['h1 (h1)', 'h2 (h2)', 'h1 (h1)', 'h2 (h2)']);
    await shot('7-compare');
  }),
);

test(
  'Runs view: stop a training, resume it from the context menu, delete it with confirmation',
  { skip, timeout: 300_000 },
  reported('stop-resume', async () => {
    await closeAllEditors();
    await openIitSidebar(page);
    await palette('IIT: Train Experiment');
    await quickRow('xor.ts').click();
    await quickRow('long').click();
    await quickRow('cpu').click();
    await runRow(/long · seed 0.*running step \d+/).waitFor({ timeout: 120_000 });
    // Past the first checkpoint (every 100 steps here), so there is something to resume from.
    await runRow(/long · seed 0.*running step [1-9]\d\d/).waitFor({ timeout: 120_000 });
    await page
      .locator('.statusbar-item', { hasText: /IIT cpu · step \d+\/100000/ })
      .first()
      .waitFor();
    await palette('IIT: Stop Training');
    const stopped = runRow(/long · seed 0.*cancelled step \d+/);
    await stopped.waitFor({ timeout: 60_000 });
    const stoppedAt = Number(/cancelled step (\d+)/.exec(await stopped.innerText())![1]);
    await shot('8-stopped');

    // Resuming shows the run's results at once, live.
    await contextMenu(stopped, 'Resume Run', page.locator('.tab', { hasText: 'IIT: xor · long' }));
    // The resumed run continues in the same directory: live again, beyond where it stopped.
    const resumed = runRow(/long · seed 0.*running step \d+/);
    await resumed.waitFor({ timeout: 120_000 });
    for (let i = 0; i < 120; i++) {
      const m = /running step (\d+)/.exec(await resumed.innerText().catch(() => ''));
      if (m && Number(m[1]) > stoppedAt) break;
      await page.waitForTimeout(500);
    }
    assert.ok(Number(/running step (\d+)/.exec(await resumed.innerText())![1]) > stoppedAt, 'resumed beyond the stop');
    await shot('9-resumed');
    await palette('IIT: Stop Training');
    const again = runRow(/long · seed 0.*cancelled step \d+/);
    await again.waitFor({ timeout: 60_000 });
    const runsDir = path.join(ws, '.iit', 'runs');
    const xorDirs = () => readdirSync(runsDir).filter((d) => d.startsWith('xor-long'));
    assert.equal(xorDirs().length, 1, 'resume wrote into the same run directory');
    // The setting iitStudio.checkpointEvery reached the server as an initialization option.
    const cfg = JSON.parse(readFileSync(runFile(path.join(runsDir, xorDirs()[0]!), 'config'), 'utf8')) as {
      checkpointEvery: number;
      backend: string;
    };
    assert.equal(cfg.checkpointEvery, 100);
    assert.equal(cfg.backend, 'cpu');

    await contextMenu(again, 'Delete Run', page.locator('.monaco-dialog-box'));
    await page.locator('.monaco-dialog-box').getByRole('button', { name: 'Delete' }).click();
    await runRow(/long · seed 0/).waitFor({ state: 'detached', timeout: 30_000 });
    assert.deepEqual(xorDirs(), []);
    await shot('10-deleted');
  }),
);

test(
  'a killed server is restarted, the user is told, and files are checked again',
  { skip, timeout: 180_000 },
  reported('restart', async () => {
    const serverJs = path.join(extDir, 'dist', 'server.js');
    const pids = processes((argv) => argv.includes(serverJs)).map((p) => p.pid);
    assert.equal(pids.length, 1, `one server process runs ${serverJs}`);
    process.kill(pids[0]!, 'SIGKILL');
    await waitForOutput(/IIT server stopped unexpectedly; restarting it/, 60_000);
    // The user is told: a toast, or (when toasts are crowded) the notification centre.
    try {
      await waitForNotification(page, /IIT server stopped unexpectedly; restarting it/, 20_000);
    } catch {
      await palette('Notifications: Show Notifications');
      await waitForNotification(page, /IIT server stopped unexpectedly; restarting it/, 10_000);
    }
    await shot('11-restarted');
    // The new server checks the open experiment again.
    await openFile('broken.ts');
    await waitForProblem(page, /V2 and V1 overlap at site h1/);
  }),
);
