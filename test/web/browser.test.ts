import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import jpeg from 'jpeg-js';
import type { Browser, Page } from 'puppeteer-core';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import {
  accessibilityViolations,
  chromiumMissing,
  dropFile,
  launchChromium,
  openPage,
  watchForProblems,
} from '../../scripts/lib/browser.js';
import { killServes, type ServeProcess, startServe, stopServe } from '../../scripts/lib/serve-process.js';
import { buildSmallTextModel } from '../../scripts/lib/small-model.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';
import { buildWebPage } from '../../web/build.js';

const skip = chromiumMissing();
const work = mkdtempSync(join(tmpdir(), 'xclip-browser-'));
const NAME = 'beach day ü.mp4';
/** The library's page size (PAGE_SIZE of web/src/views/library.tsx). */
const PAGE_SIZE = 24;
/** Failed videos in the store: one more than a page of them. */
const FAILURES = PAGE_SIZE + 1;
let browser: Browser | undefined;
let server: ServeProcess;

before(async () => {
  if (skip) return;
  mkdirSync(join(work, 'scratch'));
  await recordFailures(join(work, 'data'));
  const [modelDir] = await Promise.all([buildSmallTextModel(), buildWebPage()]);
  server = await startServe([
    ...['--watch', join(work, 'bucket'), '--data', join(work, 'data'), '--model', modelDir!],
    ...['--threads', '1', '--timeline', '1'],
  ]);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  killServes();
});

/** Records of earlier failed videos, straight into the store `xclip serve` will open (decoding each would take seconds). */
async function recordFailures(dataDir: string): Promise<void> {
  mkdirSync(dataDir);
  const store = new SqliteResultStore(join(dataDir, 'results.db'));
  for (let n = 1; n <= FAILURES; n++) {
    const key = `broken ${n}.mp4`;
    const id = videoIdFor('bucket', key);
    const at = new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString();
    await store.enqueue(id, { bucket: 'bucket', key, version: 'v1', sequence: String(n).padStart(20, '0') }, at);
    await store.claim(id, 'v1', at, at);
    await store.fail(id, 'v1', { code: 'NOT_A_VIDEO', message: `${key} is not a video` }, at);
  }
  store.close();
}

/** The focused element's tag and text (evaluated as a string: this file is typed for Node, not the DOM). */
function focused(page: Page): Promise<string> {
  return page.evaluate("document.activeElement.tagName + ': ' + document.activeElement.textContent") as Promise<string>;
}

/** How many of the images `selector` finds have loaded a picture (evaluated as a string, as above). */
function loadedImages(page: Page, selector: string): Promise<number> {
  return page.evaluate(
    `Promise.all([...document.querySelectorAll(${JSON.stringify(selector)})].map((image) => image.decode().then(() => image.naturalWidth > 0, () => false))).then((loaded) => loaded.filter(Boolean).length)`,
  ) as Promise<number>;
}

/** How many of the elements `selector` finds show a background picture that loads (the frame sheet's tiles). */
function loadedBackgrounds(page: Page, selector: string): Promise<number> {
  return page.evaluate(
    `Promise.all([...document.querySelectorAll(${JSON.stringify(selector)})].map((element) => { const image = new Image(); image.src = /url\\("?([^")]+)"?\\)/.exec(getComputedStyle(element).backgroundImage)[1]; return image.decode().then(() => image.naturalWidth > 0, () => false); })).then((loaded) => loaded.filter(Boolean).length)`,
  ) as Promise<number>;
}

const texts = (page: Page, selector: string) =>
  page.$$eval(selector, (elements) => elements.map((element) => element.textContent?.trim() ?? ''));

/** A 64×48 JPEG of colour stripes, written to `path` (the picture a user picks for a search by image). */
function writeStripesJpeg(path: string): string {
  const width = 64;
  const height = 48;
  const data = Buffer.alloc(width * height * 4);
  for (let at = 0; at < width * height; at++) {
    const stripe = Math.floor((at % width) / 8);
    data.set([(stripe * 97) % 256, (stripe * 57) % 256, (stripe * 151) % 256, 255], at * 4);
  }
  writeFileSync(path, jpeg.encode({ data, width, height }, 90).data);
  return path;
}

/** Waits until `count` videos of the server are DONE (asking its API, for two minutes at most), as the page would. */
async function waitForDone(base: string, count: number): Promise<void> {
  for (let attempt = 0; attempt < 480; attempt++) {
    const response = await fetch(new URL('videos?status=DONE', base));
    const { items } = (await response.json()) as { items: unknown[] };
    if (items.length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${count} videos were not classified within two minutes`);
}

test('the web page: upload by drag and drop, live status, posters and thumbnails, search, video page with labels and timeline, relabel, retry, filters, endless scrolling', {
  skip,
}, async () => {
  const page = await openPage(browser!);
  const problems = watchForProblems(page, server.base);
  await page.goto(server.base, { waitUntil: 'networkidle0' });

  // Keyboard: the first Tab stop skips to the content; every form control has a label.
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'BUTTON: Skip to content');
  await page.waitForSelector('label[for="upload-input"]');
  const unlabelled = await page.$$eval('input, select, textarea', (controls) =>
    controls
      .filter((control) => !control.labels?.length && !control.getAttribute('aria-label'))
      .map((control) => control.outerHTML),
  );
  assert.deepEqual(unlabelled, []);

  await dropFile(page, makeTestVideo(join(work, 'scratch'), NAME));
  const card = `li.card[data-status="DONE"] a[title="${NAME}"]`;
  // A video that never shows DONE: the server's log says why (two full runs here timed out on this wait).
  await page.waitForSelector(card).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; the server's log:\n${server.log()}`);
  });
  await page.waitForSelector('.upload .status-done');
  assert.deepEqual(await accessibilityViolations(page), [], 'library');
  assert.equal((await texts(page, 'li.card .top-labels li')).length, 3);
  assert.equal(await loadedImages(page, 'li.card img.card-poster'), 1, 'the poster of the classified video');

  await page.click('nav a[href^="#/search"]');
  await page.waitForSelector('input[name="q"]');
  assert.equal(await focused(page), 'H1: Search', 'focus moves to the new view');
  await page.type('input[name="q"]', 'waves on a sunny beach');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.hits a');
  assert.deepEqual(await texts(page, '.hits h3 a'), [NAME]);
  assert.equal(await loadedImages(page, '.hits img.card-poster'), 1);
  assert.match(page.url(), /#\/search\?q=waves\+on\+a\+sunny\+beach&k=10$/);
  assert.deepEqual(await accessibilityViolations(page), [], 'search');

  await page.click('.hits h3 a');
  await page.waitForSelector('.label-table');
  assert.equal(await page.$eval('h1', (heading) => heading.textContent), NAME);
  assert.equal(await page.$eval('.label-table caption', (caption) => caption.textContent), 'Labels (k400)');
  assert.equal((await texts(page, '.label-table tbody tr')).length, 5);
  assert.deepEqual(await texts(page, '.timeline-table tbody th'), ['0.0 s', '1.0 s']);
  assert.equal((await texts(page, '.timeline-segment')).length, 2);
  await page.waitForSelector('video.video-player[poster]');
  assert.equal(await loadedBackgrounds(page, '.timeline-table .frame-thumbnail[role="img"]'), 2, 'one per segment');
  // A segment's start plays the video from there, in the page's own player.
  await page.click('.timeline-table tbody tr:nth-child(2) th a');
  await page.waitForFunction("document.querySelector('video.video-player').currentTime >= 1");
  assert.match(page.url(), /\?t=1$/);
  assert.match((await texts(page, '.metadata dd')).join('|'), /96 × 64/);
  await page.waitForSelector('#similar-heading + p.empty');
  assert.deepEqual(await accessibilityViolations(page), [], 'video page');
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
  assert.deepEqual(await accessibilityViolations(page), [], 'video page, dark');
  await page.emulateMediaFeatures([]);

  await page.type('.relabel-form textarea', 'dog agility\nsurfing, cooking');
  await page.click('.relabel-form input[type="number"]', { count: 3 });
  await page.type('.relabel-form input[type="number"]', '3');
  await page.click('.relabel-form button[type="submit"]');
  await page.waitForFunction("!document.querySelector('.label-table caption').textContent.includes('k400')");
  assert.deepEqual((await texts(page, '.label-table tbody th')).sort(), ['cooking', 'dog agility', 'surfing']);
  assert.equal(await page.$('.timeline-table'), null, 'a relabelled result has no timeline');

  // A label links to the library filtered by it, where the one labelled video is alone.
  await page.click('.label-table tbody th a');
  await page.waitForSelector(card);
  assert.equal((await texts(page, 'li.card')).length, 1);

  // The failures fill more than a page: scrolling down loads the rest on the API's cursor.
  await page.click('a.clear');
  await page.waitForFunction(`document.querySelectorAll('li.card').length === ${PAGE_SIZE}`);
  await page.focus('.filters select');
  await page.keyboard.press('End'); // the last status: Failed
  await page.waitForFunction(`document.querySelectorAll('li.card[data-status="FAILED"]').length === ${PAGE_SIZE}`);
  assert.match(page.url(), /#\/\?status=FAILED$/);
  assert.match(await focused(page), /^SELECT: /, 'a filter change leaves focus on the filter');
  await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
  await page.waitForFunction(`document.querySelectorAll('li.card[data-status="FAILED"]').length === ${FAILURES}`);
  await page.waitForFunction("!document.querySelector('.more')");

  // A failed video is retried from its page: its file is gone, so it fails again, for that reason now.
  await page.click('li.card a[title="broken 1.mp4"]');
  await page.waitForSelector('.retry button');
  assert.match((await texts(page, '[role="alert"]')).join(), /is not a video/);
  const retried = page.waitForResponse((response) => response.url().endsWith('/retry'));
  await page.click('.retry button');
  assert.equal((await retried).status(), 202);
  await page.waitForFunction("document.querySelector('.error-text')?.textContent.includes('not found')");
  assert.equal(await page.$eval('.status', (badge) => badge.textContent), 'Failed');
  await page.goBack();
  await page.waitForSelector('li.card[data-status="FAILED"]');

  // The failures were recorded on 1 January 2026: since the day after, only the upload and the retried one are left.
  await page.evaluate("location.hash = '#/?since=2026-01-02'");
  await page.waitForFunction(`document.querySelectorAll('li.card').length === 2`);
  assert.equal(await page.$eval('.filters input[type="date"]', (input) => input.value), '2026-01-02');
  await page.waitForSelector(card);

  assert.deepEqual(problems, []);
  await page.close();
  await stopServe(server);
});

test("search with moments: a text search shows each hit's best moments and a moment plays the video from there; a segment finds similar moments in other videos; a picked image finds videos", {
  skip,
}, async () => {
  const bucket = join(work, 'moments-bucket');
  mkdirSync(bucket);
  const pattern = 'test pattern.mp4';
  const bars = 'colour bars.mp4';
  makeTestVideo(bucket, pattern);
  makeTestVideo(bucket, bars, { pattern: 'smptebars' });
  const searching = await startServe([
    ...['--watch', bucket, '--data', join(work, 'moments-data'), '--model', await buildSmallTextModel()],
    ...['--threads', '1', '--timeline', '1'],
  ]);
  await waitForDone(searching.base, 2);
  const page = await openPage(browser!);
  const problems = watchForProblems(page, searching.base);
  await page.goto(new URL('#/search', searching.base).href, { waitUntil: 'networkidle0' });

  // Each hit lists its windows (1 s each: --timeline 1), best first, with their scores.
  await page.type('input[name="q"]', 'a colourful test pattern');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.hits .moments a');
  assert.deepEqual((await texts(page, '.hits h3 a')).sort(), [bars, pattern]);
  for (const name of [bars, pattern]) {
    const moments = await texts(page, `.moments[aria-label="Moments in ${name}"] li`);
    assert.equal(moments.length, 2, name);
    for (const moment of moments) assert.match(moment, /^\d\.\d s – \d\.\d s score -?\d\.\d{3}$/);
    assert.deepEqual(moments.map((moment) => moment.slice(0, 5)).sort(), ['0.0 s', '1.0 s']);
  }
  assert.deepEqual(await accessibilityViolations(page), [], 'search with moments');

  // A moment opens its video, playing from the moment's start.
  await page.click(`.moments[aria-label="Moments in ${pattern}"] a::-p-text(1.0 s –)`);
  await page.waitForSelector('.timeline-table');
  assert.equal(await page.$eval('h1', (heading) => heading.textContent), pattern);
  await page.waitForFunction("document.querySelector('video.video-player').currentTime >= 1");
  assert.match(page.url(), /\?t=1$/);

  // A segment's "Similar moments": the other video, with its moments; the example itself is left out.
  assert.deepEqual(await texts(page, '.timeline-table tbody td:last-child a'), ['Similar moments', 'Similar moments']);
  await page.click('.timeline-table tbody tr:nth-child(2) td:last-child a');
  await page.waitForSelector('.hits .moments a');
  assert.match((await texts(page, '.notice')).join(), /^Searching by the example video from 1\.0 s to \d\.\d s\.$/);
  assert.deepEqual(await texts(page, '.hits h3 a'), [bars]);
  assert.equal((await texts(page, `.moments[aria-label="Moments in ${bars}"] li`)).length, 2);
  assert.deepEqual(await accessibilityViolations(page), [], 'search by example');

  // A picked image: both videos, with their moments.
  const picker = await page.$('input#image-query');
  await picker!.uploadFile(writeStripesJpeg(join(work, 'stripes.jpg')));
  await page.waitForSelector('ol.hits[aria-label="Results for the picked image"] .moments a');
  assert.deepEqual((await texts(page, '.hits h3 a')).sort(), [bars, pattern]);
  assert.equal((await texts(page, '.hits .moments li')).length, 4);
  assert.equal(await page.$('.notice'), null, 'the example is no longer what is searched');

  assert.deepEqual(problems, []);
  await page.close();
  await stopServe(searching);
});

test('a server with a token: the page asks for it, keeps it for the tab and then works', { skip }, async () => {
  const token = 'browser-test-token-0123456789';
  const guarded = await startServe(['--data', join(work, 'token-data'), '--model', await buildSmallTextModel()], {
    env: { XCLIP_TOKEN: token },
  });
  const page = await openPage(browser!);
  await page.goto(guarded.base);
  await page.waitForSelector('#token-input');
  assert.equal(await page.$('li.card, p.empty'), null, 'nothing is shown without the token');
  assert.deepEqual(await accessibilityViolations(page), [], 'token form');
  await page.type('#token-input', token);
  await Promise.all([page.waitForNavigation(), page.click('.token-form button[type="submit"]')]);
  await page.waitForSelector('p.empty');
  assert.equal(await page.$('#token-input'), null);
  await page.close();
  await stopServe(guarded);
});
