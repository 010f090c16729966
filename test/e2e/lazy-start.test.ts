/**
 * IIT Studio in a TypeScript workspace without an experiment (code-server 4.100.3, Chromium): the extension
 * activates but starts no IIT server process; opening a file that imports 'iit-studio' starts it. Then the
 * first-run walkthrough: opened by its id, one step completed by running its command, shown as done. The
 * memory both states cost is printed (`memory:` lines; docs/EXTENSION.md records them).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchCodeServer, root, type CodeServer } from './harness/codeServer';
import { launchBrowser, loadWorkbench, reporting, skip } from './harness/workbench';
import { outputLog, pickQuickLabel, runPaletteCommand, waitForOutput } from './iitSteps';

const WALKTHROUGH = 'iit-studio.iit-studio#gettingStarted';

let cs: CodeServer;
let browser: Browser;
let page: Page;
const ws = mkdtempSync(path.join(os.tmpdir(), 'iit-e2e-lazy-'));

const { shot, reported } = reporting('', () => ({ page, cs }));

/** Waits for `cond` to hold (polled), failing with `what` after `timeout` ms. */
async function until<T>(what: string, cond: () => T | undefined | false, timeout = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() - t0 > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The processes below `pid` (children, grandchildren, …), from /proc: pid, argv, resident memory in KiB. */
function descendants(pid: number): { pid: number; argv: string[]; rssKiB: number }[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ').pop()!.split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // ended meanwhile
    }
  }
  const out: { pid: number; argv: string[]; rssKiB: number }[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      try {
        const argv = readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0').filter(Boolean);
        const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${c}/status`, 'utf8'))?.[1];
        out.push({ pid: c, argv, rssKiB: Number(rss ?? 0) });
      } catch {
        continue;
      }
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const isServer = (argv: string[]) => argv.some((a) => a.endsWith(`${path.sep}dist${path.sep}server.js`));
const isExtensionHost = (argv: string[]) => argv.some((a) => /extensionHost/.test(a));
const serverProcesses = () => descendants(cs.pid).filter((p) => isServer(p.argv));
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

before(async () => {
  if (skip) return;
  if (!existsSync(path.join(root, 'dist', 'server.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  // A TypeScript project with no experiment; a dependency that imports 'iit-studio' does not count (node_modules).
  writeFileSync(
    path.join(ws, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true }, include: ['src'] }),
  );
  mkdirSync(path.join(ws, 'src'));
  writeFileSync(path.join(ws, 'src', 'plain.ts'), 'export const answer: number = 42;\n');
  mkdirSync(path.join(ws, 'node_modules', 'dep'), { recursive: true });
  writeFileSync(path.join(ws, 'node_modules', 'dep', 'index.ts'), "export * from 'iit-studio';\n");
  cs = await launchCodeServer({ workspace: ws, settings: { 'iitStudio.backend': 'cpu' } });
  // Read when the workbench loads: a key that opens the walkthrough by its id.
  writeFileSync(
    path.join(cs.userDataDir, 'User', 'keybindings.json'),
    JSON.stringify([{ key: 'ctrl+alt+shift+w', command: 'workbench.action.openWalkthrough', args: WALKTHROUGH }]),
  );
  ({ browser, page } = await launchBrowser());
  await loadWorkbench(page, cs, ws);
});

after(async () => {
  await browser?.close();
  await cs?.close();
  rmSync(ws, { recursive: true, force: true });
});

test(
  'a TypeScript workspace without an experiment starts no IIT server; opening an experiment file starts it',
  { skip, timeout: 240_000 },
  reported('lazy', async () => {
    // Activated (workspaceContains:**/*.ts), and its workspace scan is over.
    await waitForOutput(cs.userDataDir, /IIT Studio activated/, 120_000);
    const scanned = await waitForOutput(cs.userDataDir, /IIT server: not started/, 60_000);
    assert.match(scanned, /no experiment among 1 TypeScript files/, 'node_modules is not scanned');
    const host = await until('the extension host', () => descendants(cs.pid).find((p) => isExtensionHost(p.argv)));
    assert.deepEqual(serverProcesses(), [], 'no IIT server process below code-server');
    assert.doesNotMatch(outputLog(cs.userDataDir), /IIT server: starting/);
    console.log(`memory: extension host ${host.pid} without the server: ${mib(host.rssKiB)}`);
    await shot('lazy-1-no-server');

    // An experiment file, written now (after the scan) and opened: the server starts.
    writeFileSync(
      path.join(ws, 'src', 'exp.ts'),
      "import { bool, causalModel } from 'iit-studio';\nexport const m = causalModel({ X: bool });\n",
    );
    await page.keyboard.press('Control+P');
    await page.keyboard.type('exp.ts');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'exp.ts' }).first().waitFor();
    await page.keyboard.press('Enter');
    await waitForOutput(cs.userDataDir, /IIT server: starting \(src\/exp\.ts was opened\)/, 60_000);
    const [server] = await until('the IIT server process', () => {
      const s = serverProcesses();
      return s.length ? s : undefined;
    });
    assert.equal(serverProcesses().length, 1, 'one server process');
    // Its memory once it has settled: three samples in a row within 2 MiB.
    let last = [-1e9, -1e9, -1e9];
    const settled = await until(
      'the server process to settle',
      () => {
        const self = serverProcesses()[0]?.rssKiB ?? 0;
        const tree = descendants(server!.pid).reduce((n, p) => n + p.rssKiB, self);
        last = [...last.slice(1), self];
        return Math.max(...last) - Math.min(...last) < 2048 ? { self, tree } : undefined;
      },
      60_000,
    );
    const hostAfter = descendants(cs.pid).find((p) => p.pid === host.pid)!;
    console.log(
      `memory: server ${server!.pid}: ${mib(settled.self)} (with its workers: ${mib(settled.tree)}); extension host with the server: ${mib(hostAfter.rssKiB)}`,
    );
    await shot('lazy-2-server');
  }),
);

test(
  'the walkthrough opens by its id and a step run by its command shows as done',
  { skip, timeout: 180_000 },
  reported('walkthrough', async () => {
    const openWalkthrough = async () => {
      await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
      await page.keyboard.press('Control+Alt+Shift+W');
      await page.locator('.getting-started-step', { hasText: 'Create an experiment from a sample' }).first().waitFor();
    };
    const stepCheckbox = () =>
      page
        .locator('.getting-started-step', { hasText: 'Create an experiment from a sample' })
        .first()
        .locator('[role="checkbox"]')
        .first();
    await openWalkthrough();
    assert.equal(await stepCheckbox().getAttribute('aria-checked'), 'false', 'not done before its command ran');
    for (const title of ['Train it', 'Open its results', 'Debug one intervention'])
      await page.locator('.getting-started-step', { hasText: title }).first().waitFor();
    await shot('walkthrough-1-open');

    // The walkthrough can take the focus as it settles, which closes a quick pick opened meanwhile (before the pick,
    // or before the folder name is asked): open it again.
    const visible = (p: Promise<unknown>) =>
      p.then(
        () => true,
        () => false,
      );
    // The same can swallow the Enter on the folder name: then the whole command is tried again.
    const copied = () => existsSync(path.join(ws, 'conjunction', 'figure1.ts'));
    for (let attempt = 0; ; attempt++) {
      await runPaletteCommand(page, 'IIT: New Experiment from Sample');
      const asked =
        (await visible(pickQuickLabel(page, 'conjunction', 10_000))) &&
        (await visible(page.locator('.quick-input-widget input').waitFor({ timeout: 10_000 })));
      if (asked) {
        await page.keyboard.press('Enter'); // the folder name offered: conjunction
        if (await visible(until('the sample copied', () => copied() || undefined, 20_000))) break;
      }
      if (attempt === 2) throw new Error('the sample was not copied after three tries of the command');
      await page.keyboard.press('Escape');
    }
    await page.locator('.tab', { hasText: 'figure1.ts' }).first().waitFor();

    await openWalkthrough();
    await stepCheckbox().and(page.locator('[aria-checked="true"]')).waitFor({ timeout: 30_000 });
    await shot('walkthrough-2-step-done');
  }),
);
