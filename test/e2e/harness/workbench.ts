/**
 * The browser half of an end-to-end test: Debian's Chromium on code-server's workbench, screenshots into
 * artifacts/e2e/, and test bodies that leave a screenshot and the logs when they fail. One home for what every
 * e2e file needs, so a flag or a log format changes in one place.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { root, type CodeServer } from './codeServer';

const CHROMIUM = '/usr/bin/chromium';
const shots = path.join(root, 'artifacts', 'e2e');

/**
 * Why the e2e tests skip, or false. Only outside CI: there a missing Chromium fails the suite instead (`npm test`
 * installs it first where it can).
 */
export const skip: string | false =
  !existsSync(CHROMIUM) && process.env.CI !== 'true'
    ? 'Debian chromium is not installed (run .ci/install-e2e.sh)'
    : false;

/** Chromium with what would make it talk to the network or wait on first-run chores turned off. */
export async function launchBrowser(): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  return { browser, page };
}

/** Opens `folder` in code-server's workbench and waits until the workbench is drawn. */
export async function loadWorkbench(page: Page, cs: CodeServer, folder: string): Promise<void> {
  await page.goto(`${cs.url}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
}

/**
 * Screenshots named `<prefix><name>.png`, and `reported(name, body)`: a test body that, when it fails, leaves
 * `<prefix>failed-<name>.png` and prints the extension's and code-server's logs for the CI report. `current` gives
 * the page and code-server of the moment (they are made in `before`).
 */
export function reporting(
  prefix: string,
  current: () => { page?: Page; cs?: CodeServer },
): {
  shot: (name: string) => Promise<void>;
  reported: (name: string, body: () => Promise<void>) => () => Promise<void>;
} {
  const shot = async (name: string) => {
    mkdirSync(shots, { recursive: true });
    await current().page?.screenshot({ path: path.join(shots, `${prefix}${name}.png`) });
  };
  const reported = (name: string, body: () => Promise<void>) => async () => {
    try {
      await body();
    } catch (e) {
      await shot(`failed-${name}`).catch(() => undefined);
      const { cs } = current();
      console.error(
        `--- extension logs after '${name}' failed:\n${cs?.extensionLogs().slice(-20_000)}\n` +
          `--- code-server:\n${cs?.logs().slice(-5000)}`,
      );
      throw e;
    }
  };
  return { shot, reported };
}
