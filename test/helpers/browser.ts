// A real browser for the dashboard tests: Debian's chromium driven by puppeteer-core (no browser download), headless,
// with a fresh profile and nothing that talks to the network on its own. Never skipped: without chromium the tests
// fail and say how to install it (.ci/run installs it).
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** The chromium executable: $ZENML_TEST_CHROMIUM, else /usr/bin/chromium. */
export function findChromium(): string {
  const candidates = [process.env.ZENML_TEST_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((c): c is string => Boolean(c));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  throw new Error(`the dashboard tests need chromium and found none (${candidates.join(', ')}): apt-get install -y chromium, or set ZENML_TEST_CHROMIUM`);
}

/** A launched browser and the cleanup of its profile. */
export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Launch headless chromium with a throwaway profile. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'zenml-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
    ],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => browser.process()?.kill('SIGKILL'));
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new 1280×720 page whose console errors and warnings, and uncaught errors, are pushed onto `problems`. */
export async function watchedPage(testBrowser: TestBrowser, problems: string[]): Promise<Page> {
  const page = await testBrowser.browser.newPage();
  await page.setViewport({ width: 1280, height: 720 });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${(e as Error).message}`));
  return page;
}
