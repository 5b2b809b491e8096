// A real browser for the dashboard tests: Debian's chromium driven by puppeteer-core (no browser download), headless,
// with a fresh profile and nothing that talks to the network on its own. Never skipped: without chromium the tests
// fail and say how to install it (.ci/run installs it).
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

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
