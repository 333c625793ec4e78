import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchTestBrowser, SCREENSHOT_DIR, type TestBrowser } from './support/browser';
import { startTestService, type TestService } from './support/test-service';

const BROKEN_SCENE = [
  'from manim import *',
  '',
  '',
  'class Broken(Scene):',
  '    def construct(self)',
  '        self.play(Create(Circle()))',
  '',
].join('\n');
const BROKEN_LINE = 5;

/**
 * Runs in the page before Render is pressed: records every text the percent label and the
 * headline show, so the test can check what a person would have seen, however fast it went.
 */
const RECORD_PROGRESS = `(() => {
  const seen = [];
  window.progressSeen = seen;
  const percent = document.querySelector('#progress-percent');
  const headline = document.querySelector('#progress-headline');
  const record = () => seen.push({ percent: percent.textContent, headline: headline.textContent });
  const observer = new MutationObserver(record);
  for (const node of [percent, headline]) {
    observer.observe(node, { childList: true, characterData: true, subtree: true });
  }
})()`;

/**
 * The page globals the in-page predicates below use (the tests' TypeScript has no DOM types).
 * Predicates are passed as functions, not strings: the page's Content-Security-Policy forbids
 * eval, which string predicates need.
 */
interface PageScope {
  document: {
    querySelector(selector: string): { value?: string; readyState?: number } | null;
  };
}

function waitForScene(page: Page, scene: string): Promise<unknown> {
  return page.waitForFunction(
    (expected) =>
      (globalThis as unknown as PageScope).document.querySelector('#scene-select')?.value ===
      expected,
    scene,
  );
}

interface SeenProgress {
  percent: string;
  headline: string;
}

/** Errors the page reports (uncaught exceptions, console errors, failed requests). */
function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('requestfailed', (request) => {
    // A video element that is replaced or paused aborts its own range requests, and the page
    // closes a job's event stream on its final event, maybe before the server's end arrives.
    if (request.resourceType() === 'media') return;
    const aborted = request.failure()?.errorText === 'net::ERR_ABORTED';
    if (aborted && new URL(request.url()).pathname.endsWith('/events')) return;
    problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`);
  });
  return problems;
}

describe('the playground page', () => {
  let service: TestService;
  let browser: TestBrowser;

  beforeAll(async () => {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    service = await startTestService();
    browser = await launchTestBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  it('renders the prefilled scene with live progress and plays the video', async () => {
    const page = await browser.context.newPage();
    const problems = watchForProblems(page);
    const response = await page.goto(`${service.url}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");

    // The example is highlighted, numbered and its scene is detected.
    await waitForScene(page, 'ShapesInMotion');
    expect(await page.locator('.editor-highlight .tok-class-name').first().textContent()).toBe(
      'ShapesInMotion',
    );
    expect(await page.locator('.editor-gutter .line').count()).toBeGreaterThan(10);
    // The Manim versions the server serves, newest (the default) first; the oldest is picked.
    const versions = service.config.MANIM_VERSIONS;
    expect(await page.locator('#version-select option').allTextContents()).toEqual(versions);
    expect(await page.inputValue('#version-select')).toBe(versions[0]);
    const picked = versions[versions.length - 1] ?? '';
    await page.selectOption('#version-select', picked);
    await page.selectOption('#quality-select', 'low');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'playground-start.png') });

    await page.evaluate(RECORD_PROGRESS);
    await page.click('#render-button');
    await page.locator('#output-progress').waitFor({ state: 'visible' });
    const rendering = page
      .locator('#stage-steps li[data-stage="rendering"].is-current')
      .waitFor({ timeout: 120_000 })
      // Only for the screenshot: a render may pass through this stage between two checks.
      .catch(() => undefined);
    const finished = page.locator('#output-result').waitFor({ timeout: 120_000 });
    await Promise.race([rendering, finished]);
    if (await page.locator('#output-progress').isVisible()) {
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'playground-progress.png') });
    }

    await finished;
    const video = page.locator('#output-result video');
    await video.waitFor();
    await page.waitForFunction(
      () =>
        ((globalThis as unknown as PageScope).document.querySelector('#output-result video')
          ?.readyState ?? 0) >= 1,
    );
    const seen = (await page.evaluate('window.progressSeen')) as SeenProgress[];
    const percents = seen.map((entry) => Number.parseInt(entry.percent, 10));
    expect(new Set(percents).size).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < percents.length; i += 1) {
      expect(percents[i]).toBeGreaterThanOrEqual(percents[i - 1] ?? 0);
    }
    expect(seen.map((entry) => entry.headline)).toContain('Rendering animations');

    expect(await video.getAttribute('poster')).toMatch(
      /^\/api\/animation\/jobs\/[^/]+\/poster\?token=[\w.-]+$/,
    );
    const download = await page.locator('#download-link').getAttribute('href');
    expect(download).toMatch(/^\/api\/animation\/jobs\/[^/]+\/video\?token=[\w.-]+&download=1$/);
    const file = await page.request.get(`${service.url}${download ?? ''}`);
    expect(file.status()).toBe(200);
    expect(file.headers()['content-disposition']).toMatch(/^attachment; filename="ShapesInMotion/);

    expect(await page.locator('#recent-list .status-pill').first().textContent()).toBe('completed');
    expect(await page.locator('#recent-list .recent-meta').first().textContent()).toContain(
      `Manim ${picked}`,
    );
    await page.screenshot({
      path: path.join(SCREENSHOT_DIR, 'playground-completed.png'),
      fullPage: true,
    });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({
      path: path.join(SCREENSHOT_DIR, 'playground-completed-dark.png'),
      fullPage: true,
    });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the error of broken code and highlights its line in the editor', async () => {
    const page = await browser.context.newPage();
    const problems = watchForProblems(page);
    await page.goto(`${service.url}/`);
    await page.locator('.editor-input').fill(BROKEN_SCENE);
    await waitForScene(page, 'Broken');
    await page.selectOption('#quality-select', 'low');
    await page.click('#render-button');

    await page.locator('#output-error').waitFor({ timeout: 120_000 });
    expect(await page.locator('#error-code').textContent()).toBe('syntax_error');
    expect(await page.locator('#error-message').textContent()).toContain('SyntaxError');
    expect(await page.locator('#error-hint').textContent()).not.toBe('');
    expect(await page.locator('#error-reveal').textContent()).toBe(
      `Show line ${BROKEN_LINE} in the editor`,
    );

    const marked = await page.evaluate(
      `[...document.querySelectorAll('.editor-highlight .line')].flatMap((line, index) =>
        line.classList.contains('is-error') ? [index + 1] : [])`,
    );
    expect(marked).toEqual([BROKEN_LINE]);
    expect(await page.locator('.editor-gutter .line.is-error').textContent()).toBe(
      String(BROKEN_LINE),
    );
    expect(await page.locator('#recent-list .status-pill').first().textContent()).toBe('failed');
    await page.screenshot({
      path: path.join(SCREENSHOT_DIR, 'playground-error.png'),
      fullPage: true,
    });
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe('the playground on a server with API keys', () => {
  const KEY = 'playground-key-0123456789';
  let service: TestService;
  let browser: TestBrowser;

  beforeAll(async () => {
    service = await startTestService({ env: { API_KEYS: KEY }, apiKey: KEY });
    browser = await launchTestBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  it('asks for the key once, sends it in a header only, and loads the media by token', async () => {
    const page = await browser.context.newPage();
    const problems = watchForProblems(page);
    const prompts: string[] = [];
    page.on('dialog', (dialog) => {
      prompts.push(dialog.message());
      void dialog.accept(KEY);
    });
    const urls: string[] = [];
    const keyHeaders: string[] = [];
    page.on('request', (request) => {
      urls.push(request.url());
      const header = request.headers()['x-api-key'];
      if (header !== undefined) keyHeaders.push(header);
    });
    await page.goto(`${service.url}/`);
    await page
      .locator('.editor-input')
      .fill(
        'from manim import *\nclass Keyed(Scene):\n    def construct(self):\n        self.play(FadeIn(Square()), run_time=0.5)\n',
      );
    await waitForScene(page, 'Keyed');
    await page.selectOption('#quality-select', 'low');
    await page.click('#render-button');
    await page.locator('#output-result video').waitFor({ timeout: 120_000 });
    await page.waitForFunction(
      () =>
        ((globalThis as unknown as PageScope).document.querySelector('#output-result video')
          ?.readyState ?? 0) >= 1,
    );

    expect(prompts).toEqual(['This render service needs an API key:']);
    expect(keyHeaders.length).toBeGreaterThan(0);
    expect(new Set(keyHeaders)).toEqual(new Set([KEY]));
    expect(urls.filter((url) => url.includes(KEY) || url.includes('api_key'))).toEqual([]);
    const media = urls.filter((url) => /\/(video|poster|events)\?/.test(url));
    expect(media.length).toBeGreaterThanOrEqual(2);
    for (const url of media) expect(url).toMatch(/\?token=[\w.-]+/);
    // The one request before the key was known.
    expect(problems).toEqual([
      'console: Failed to load resource: the server responded with a status of 401 (Unauthorized)',
    ]);
    await page.close();
  });
});
