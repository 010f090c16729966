/**
 * Steps of the extension's end-to-end scenarios on a code-server workbench
 * page (Playwright). Selectors were checked against code-server 4.100.3 with
 * this extension loaded; the launch itself is the e2e harness's job.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import type { FrameLocator, Page } from 'playwright-core';

/** The "IIT Studio" output channel, read from its log file under a user-data folder (the view shows only its last lines). */
export function outputLog(userDataDir: string): string {
  const logs = path.join(userDataDir, 'logs');
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name === 'IIT Studio.log') found.push(path.join(d, e.name));
    }
  };
  if (existsSync(logs)) walk(logs);
  return found.map((f) => readFileSync(f, 'utf8')).join('\n');
}

/** Waits for a line of the "IIT Studio" output channel; returns it. */
export async function waitForOutput(userDataDir: string, re: RegExp, timeout = 30_000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const line = outputLog(userDataDir)
      .split('\n')
      .find((l) => re.test(l));
    if (line) return line;
    if (Date.now() - t0 > timeout) throw new Error(`no output line matches ${re}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Processes of this machine whose arguments (from /proc) satisfy `match`, with their parent's arguments. */
export function processes(match: (argv: string[]) => boolean): { pid: number; argv: string[]; parentArgv: string[] }[] {
  const argvOf = (pid: number | string): string[] | undefined => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      return undefined; // ended meanwhile
    }
  };
  const out: { pid: number; argv: string[]; parentArgv: string[] }[] = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    const argv = argvOf(d);
    if (!argv || !match(argv)) continue;
    let ppid = 0;
    try {
      // stat: pid (comm) state ppid …; comm may hold spaces and parentheses.
      ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ').pop()!.split(' ')[1]);
    } catch {
      continue;
    }
    out.push({ pid: Number(d), argv, parentArgv: argvOf(ppid) ?? [] });
  }
  return out;
}

/** The results webview's content frame (VS Code nests it in two iframes). */
export function resultsFrame(page: Page): FrameLocator {
  // The Causal Graph sidebar is a webview too; panels are the ones without purpose=webviewView.
  return page.frameLocator('iframe.webview.ready:not([src*="purpose=webviewView"])').frameLocator('#active-frame');
}

/** The Causal Graph sidebar view's content frame. */
export function graphFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready[src*="purpose=webviewView"]').frameLocator('#active-frame');
}

export async function runPaletteCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type(title);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** Opens a workspace file by name through Quick Open (Ctrl+P). */
export async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  await page.keyboard.type(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
}

export async function pickQuickItem(page: Page, text: string): Promise<void> {
  await page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().click();
}

/** Picks the quick-pick item whose label is exactly `label` (details may mention other items' names). */
export async function pickQuickLabel(page: Page, label: string, timeout = 30_000): Promise<void> {
  const labelRe = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const rows = page.locator('.quick-input-list .monaco-list-row');
  await rows
    .filter({ has: page.locator('.label-name', { hasText: labelRe }) })
    .first()
    .waitFor({ timeout });
  // By keyboard, not a click: while the list settles, what lies below it (a walkthrough, a webview) can take the
  // click, and the quick pick closes with nothing picked.
  const focused = page.locator('.quick-input-list .monaco-list-row.focused .label-name').first();
  for (let moves = 0; moves < 50; moves++) {
    const text = await focused.innerText({ timeout: 5_000 });
    if (labelRe.test(text.trim())) return page.keyboard.press('Enter');
    await page.keyboard.press('ArrowDown');
  }
  throw new Error(`the quick pick never focused the item ${label}`);
}

export async function openIitSidebar(page: Page): Promise<void> {
  // Clicking the icon of the container already shown would hide the sidebar.
  if (await page.locator('.pane-header', { hasText: 'Experiments' }).isVisible()) return;
  await page.locator('.activitybar li[aria-label^="IIT"], .activitybar a[aria-label^="IIT"]').first().click();
  await page.locator('.pane-header', { hasText: 'Experiments' }).waitFor();
}

/** The rows of one sidebar view (Experiments, Runs). */
export function viewRows(page: Page, view: string) {
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: view }) }).locator('.monaco-list-row');
}

/** Expands a tree row by its label: focus it, then ArrowRight (a click on the label runs its command). */
export async function expandTreeRow(page: Page, view: string, label: string): Promise<void> {
  const row = viewRows(page, view).filter({ hasText: label }).first();
  await row.waitFor();
  if ((await row.getAttribute('aria-expanded')) === 'true') return;
  await row.locator('.monaco-tl-twistie').click();
  await viewRows(page, view).and(page.locator('[aria-expanded="true"]')).filter({ hasText: label }).first().waitFor();
}

export async function treeLabels(page: Page, view: string): Promise<string[]> {
  return viewRows(page, view).allInnerTexts();
}

export async function waitForNotification(page: Page, text: string | RegExp, timeout = 120_000): Promise<string> {
  const n = page.locator('.notification-list-item-message', { hasText: text }).first();
  await n.waitFor({ timeout });
  return (await n.textContent()) ?? '';
}

/** The texts of a heatmap's cells (SVG text: read textContent, not innerText). */
export async function heatmapCells(frame: FrameLocator, kind: string): Promise<string[]> {
  return frame.locator(`svg.heatmap[data-kind="${kind}"] g.cell > text`).allTextContents();
}

export async function clickExport(frame: FrameLocator, format: 'svg' | 'png' | 'csv'): Promise<void> {
  await frame.locator(`vscode-button[data-export="${format}"]`).click();
}

/** A PNG: the signature, then an IHDR chunk with a non-zero size. */
export function assertPng(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  assert.deepEqual([...b.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  assert.equal(b.subarray(12, 16).toString('latin1'), 'IHDR');
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  assert.ok(width > 0 && height > 0);
  return { width, height };
}

/** Clicks a button (e.g. "Open Results") on the notification whose message matches. */
export async function clickNotificationButton(page: Page, text: string | RegExp, button: string): Promise<void> {
  const item = page
    .locator('.notification-list-item', { has: page.locator('.notification-list-item-message', { hasText: text }) })
    .first();
  await item.getByRole('button', { name: button }).click();
}

/**
 * Trains from the palette: pick the experiment file, then the backend (the
 * palette asks for one; a single configuration is not asked for).
 */
export async function trainFromPalette(page: Page, file: string, backend = 'cpu'): Promise<void> {
  await runPaletteCommand(page, 'IIT: Train Experiment');
  await pickQuickItem(page, file);
  await pickQuickLabel(page, backend);
}

/** Rows of the Run and Debug view's Variables pane (scopes and variables), as "name: value" lines. */
export function variableRows(page: Page) {
  return page
    .locator('.pane', { has: page.locator('.pane-header', { hasText: /^Variables/ }) })
    .locator('.monaco-list-row');
}

/**
 * Waits until a row of the Variables pane matches `re`; returns every row as
 * one line, whitespace collapsed ("name = value").
 */
export async function waitForVariable(page: Page, re: RegExp | RegExp[], timeout = 60_000): Promise<string[]> {
  // Every pattern in one snapshot: a scope's row shows before its children load.
  const all = Array.isArray(re) ? re : [re];
  const end = Date.now() + timeout;
  for (;;) {
    const rows = (await variableRows(page).allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    if (all.every((r) => rows.some((row) => r.test(row)))) return rows;
    if (Date.now() > end)
      throw new Error(`the Variables view never showed ${all.join(' and ')}; it shows:\n${rows.join('\n')}`);
    await page.waitForTimeout(250);
  }
}

/** A decoded PNG: header fields and the unfiltered 8-bit RGBA/RGB rows. */
export interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  pixels: Buffer;
  channels: number;
}

/**
 * Decodes a non-interlaced 8-bit RGB/RGBA PNG fully: signature, chunk CRCs, IHDR, the inflated IDAT stream
 * and every row's filter (None, Sub, Up, Average, Paeth), so a truncated or corrupt file fails.
 */
export function decodePng(file: string): DecodedPng {
  const b = readFileSync(file);
  assert.deepEqual([...b.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  let off = 8;
  let ihdr: Buffer | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (off < b.length) {
    const len = b.readUInt32BE(off);
    const type = b.subarray(off + 4, off + 8).toString('latin1');
    const data = b.subarray(off + 8, off + 8 + len);
    assert.equal(b.readUInt32BE(off + 8 + len), crc32(b.subarray(off + 4, off + 8 + len)), `CRC of ${type}`);
    if (type === 'IHDR') ihdr = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') ended = true;
    off += 12 + len;
  }
  assert.ok(ihdr && ended, 'IHDR and IEND present');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const [bitDepth, colorType, , , interlace] = [ihdr[8]!, ihdr[9]!, ihdr[10]!, ihdr[11]!, ihdr[12]!];
  assert.equal(bitDepth, 8);
  assert.ok(colorType === 6 || colorType === 2, `colour type ${colorType}`);
  assert.equal(interlace, 0);
  const channels = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  assert.equal(raw.length, height * (stride + 1), 'inflated size matches the header');
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    assert.ok(filter <= 4, `row ${y} filter ${filter}`);
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const p = a + up - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - up), Math.abs(p - c)];
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
      const pred = [0, a, up, (a + up) >> 1, paeth][filter]!;
      pixels[y * stride + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, bitDepth, colorType, pixels, channels };
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** Shows the Problems panel (Ctrl+Shift+M toggles it: pressing it while it shows would hide it). */
export async function showProblems(page: Page): Promise<void> {
  if (!(await page.locator('.markers-panel').isVisible())) await page.keyboard.press('Control+Shift+M');
  await page.locator('.markers-panel').waitFor();
}

/** Waits for a row of the Problems panel; on timeout the error lists the rows it showed. */
export async function waitForProblem(page: Page, re: RegExp, timeout = 90_000): Promise<void> {
  const end = Date.now() + timeout;
  let redrawn = Date.now();
  for (;;) {
    // The markers list can miss an update that lands while the workbench is busy (a server restart): redraw it.
    if (Date.now() - redrawn > 15_000 && (await page.locator('.markers-panel').isVisible())) {
      await page.keyboard.press('Control+Shift+M');
      await page
        .locator('.markers-panel')
        .waitFor({ state: 'hidden', timeout: 5_000 })
        .catch(() => undefined);
      redrawn = Date.now();
    }
    await showProblems(page);
    const rows = (await page.locator('.markers-panel .monaco-list-row').allInnerTexts()).map((t) =>
      t.replace(/\s+/g, ' ').trim(),
    );
    if (rows.some((r) => re.test(r))) return;
    if (Date.now() > end) throw new Error(`the Problems panel never showed ${re}; it shows:\n${rows.join('\n')}`);
    await page.waitForTimeout(500);
  }
}
