/**
 * Steps of the extension's end-to-end scenarios on a code-server workbench
 * page (Playwright). Selectors were checked against code-server 4.100.3 with
 * this extension loaded; the launch itself is the e2e harness's job.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { FrameLocator, Page } from 'playwright-core';

/** The results webview's content frame (VS Code nests it in two iframes). */
export function resultsFrame(page: Page): FrameLocator {
  // The Causal Graph sidebar is a webview too; panels are the ones without purpose=webviewView.
  return page.frameLocator('iframe.webview.ready:not([src*="purpose=webviewView"])').frameLocator('#active-frame');
}

export async function runPaletteCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').waitFor();
  await page.keyboard.type(title);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

export async function pickQuickItem(page: Page, text: string): Promise<void> {
  await page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().click();
}

/** Picks the quick-pick item whose label is exactly `label` (details may mention other items' names). */
export async function pickQuickLabel(page: Page, label: string): Promise<void> {
  const labelRe = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  await page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: labelRe }) })
    .first()
    .click();
}

export async function openIitSidebar(page: Page): Promise<void> {
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
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^Variables/ }) }).locator('.monaco-list-row');
}

/**
 * Waits until a row of the Variables pane matches `re`; returns every row as
 * one line, whitespace collapsed ("name = value").
 */
export async function waitForVariable(page: Page, re: RegExp, timeout = 60_000): Promise<string[]> {
  const end = Date.now() + timeout;
  for (;;) {
    const rows = (await variableRows(page).allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    if (rows.some((r) => re.test(r))) return rows;
    if (Date.now() > end) throw new Error(`the Variables view never showed ${re}; it shows:\n${rows.join('\n')}`);
    await page.waitForTimeout(250);
  }
}
