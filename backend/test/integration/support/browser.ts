import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium; `npm test` installs it (scripts/setup.sh --for-tests). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Where the browser tests leave their screenshots, for people to look at. */
export const SCREENSHOT_DIR = path.join(tmpdir(), 'manim-playground-screenshots');

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Headless chromium with a fresh profile (so localStorage starts empty), driven by playwright-core.
 * Playwright's own browser downloads are not used: they cannot be fetched here.
 */
export async function launchTestBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The browser tests need chromium at ${CHROMIUM_PATH}. Run \`npm test\` (its set-up installs it) or \`apt-get install chromium\`.`,
    );
  }
  const profile = await mkdtemp(path.join(tmpdir(), 'manim-playground-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
