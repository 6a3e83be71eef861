/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser). CI installs it
 * (`.ci/run`); on a machine without it the browser tests are skipped with a notice, except under CI,
 * where a missing browser fails them.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';
export const browserAvailable = existsSync(chromiumPath);
/** Skip only on a developer machine without Chromium; in CI a missing browser must fail loudly. */
export const skipBrowserTests = !browserAvailable && process.env.CI !== 'true';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    // This machine's network is closed: without these flags Chromium keeps dialling Google services.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
