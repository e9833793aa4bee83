/**
 * Headless Chromium for the end-to-end suites: Debian's `chromium` driven by
 * playwright-core (never a downloaded browser). Without Chromium the suites
 * are skipped with a loud warning, except under CI (`CI=true`), where they fail.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe } from 'vitest';
import { tempDir } from '../../support/git-cli.js';

export const CHROMIUM_PATH = process.env.GITGATE_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots go (gitignored); kept as CI artifacts. */
export const SCREENSHOT_DIR = path.resolve('test-output', 'web');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function chromiumAvailable(): boolean {
  try {
    fs.accessSync(CHROMIUM_PATH, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * `describe` when Chromium is installed; otherwise `describe.skip` after a
 * loud warning, or an error under CI.
 */
export function describeWithBrowser(): typeof describe | typeof describe.skip {
  if (chromiumAvailable()) return describe;
  if (process.env.CI === 'true') {
    throw new Error(`Chromium is required in CI and ${CHROMIUM_PATH} is missing: apt-get install chromium chromium-driver`);
  }
  const bar = '!'.repeat(78);
  console.warn(
    [
      '',
      bar,
      `!!  NO CHROMIUM at ${CHROMIUM_PATH}: the web end-to-end suites are SKIPPED.`,
      '!!  Fix: apt-get install -y chromium chromium-driver (CI installs them and fails without).',
      bar,
      '',
    ].join('\n'),
  );
  return describe.skip;
}

/** A running browser and the means to stop it and delete its profile. */
export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A browser with a fresh profile (its own --user-data-dir). */
export async function launchBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<BrowserSession> {
  const profile = tempDir('gitgate-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport: options.viewport ?? { width: 1200, height: 900 },
    timeout: 30_000,
  });
  context.setDefaultTimeout(10_000);
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}

/** Saves a full-page screenshot as test-output/web/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
