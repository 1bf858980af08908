import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Debian's chromium package (`apt-get install chromium`, as .ci/run does); CHROMIUM_PATH names another. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`;
}

/** `acceptInsecureCerts`: trusts any certificate (a stand-in's self-signed one). */
export function launchChromium({ acceptInsecureCerts = false } = {}): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    pipe: true,
    acceptInsecureCerts,
    args: [
      // Chromium refuses to sandbox as root, which CI containers are.
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/**
 * How long a page waits for anything before a test fails: a CI machine running two test files at once
 * was seen to take over 30 s (puppeteer's default) for a server's first classification.
 */
const PAGE_WAIT_MS = 120_000;

/** A new tab whose waits allow for a loaded machine. */
export async function openPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(PAGE_WAIT_MS);
  return page;
}

/** Drags `path` from outside the browser onto the page, through Chromium's own input pipeline. */
export async function dropFile(page: Page, path: string): Promise<void> {
  const cdp = await page.createCDPSession();
  const data = { items: [], files: [path], dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop'] as const)
    await cdp.send('Input.dispatchDragEvent', { type, x: 300, y: 300, data });
  await cdp.detach();
}

/**
 * Collects what should never happen on a page: script errors, console errors (CSP violations
 * among them), failed requests and any request to another server than `origin` and `others`.
 */
export function watchForProblems(page: Page, origin: string, others: readonly string[] = []): string[] {
  const origins = [origin, ...others];
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${String(error)}`));
  page.on('console', (message) => {
    // The page polls GET /videos/{id} of an upload, which is 404 until the watcher queues the file.
    const expected404 = /status of 404/.test(message.text()) && /\/videos\/[^/]+$/.test(message.location().url ?? '');
    if (message.type() === 'error' && !expected404) problems.push(`console error: ${message.text()}`);
  });
  page.on('request', (request) => {
    // data: URLs (Chromium's own date-picker icon among them) stay in the browser.
    const url = request.url();
    if (!origins.some((allowed) => url.startsWith(`${allowed}/`)) && !url.startsWith('data:'))
      problems.push(`request off the server: ${request.url()}`);
  });
  page.on('requestfailed', (request) => {
    // A view that goes away aborts its requests on purpose.
    if (request.failure()?.errorText !== 'net::ERR_ABORTED')
      problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  return problems;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2 A and AA violations on the page as it is now, one "rule: element" line each. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through DevTools, which the page's Content-Security-Policy does not govern.
  await page.evaluate(AXE_SOURCE);
  return (await page.evaluate(`axe
    .run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] })
    .then((results) => results.violations.flatMap((rule) => rule.nodes.map((node) => rule.id + ': ' + node.target.join(' '))))`)) as string[];
}
