// Screenshots of the web page for the README (docs/web-*.png): `node --import tsx scripts/web-screenshots.ts`.
// A tiny random model classifies generated test patterns, so the labels in the pictures mean nothing;
// the layout is what they show. Needs Chromium (apt-get install chromium).
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWebPage } from '../web/build.js';
import { launchChromium } from './lib/browser.js';
import { startServe, stopServe } from './lib/serve-process.js';
import { buildSmallTextModel } from './lib/small-model.js';
import { makeTestVideo } from './lib/test-video.js';

const VIDEOS: Record<string, string> = {
  'test pattern.mp4': 'testsrc',
  'colour bars.mp4': 'smptebars',
  'mandelbrot zoom.mp4': 'mandelbrot',
  'rgb pattern.mp4': 'rgbtestsrc',
  'game of life.mp4': 'life',
  'cellular automaton.mp4': 'cellauto',
};

const work = mkdtempSync(join(tmpdir(), 'xclip-screenshots-'));
const watch = join(work, 'videos');
const scratch = join(work, 'scratch');
mkdirSync(watch);
mkdirSync(scratch);
const [modelDir] = await Promise.all([buildSmallTextModel(), buildWebPage()]);
const server = await startServe([
  '--watch',
  watch,
  '--data',
  join(work, 'data'),
  '--model',
  modelDir!,
  '--timeline',
  '2',
]);
for (const [name, pattern] of Object.entries(VIDEOS))
  copyFileSync(makeTestVideo(scratch, name, { pattern, seconds: 8, size: '320x180' }), join(watch, name));
writeFileSync(join(watch, 'truncated upload.mp4'), 'not really a video');

const total = Object.keys(VIDEOS).length + 1;
for (;;) {
  const { items } = (await (await fetch(`${server.base}/videos?limit=100`)).json()) as { items: { status: string }[] };
  if (items.length === total && items.every((item) => item.status === 'DONE' || item.status === 'FAILED')) break;
  await new Promise((resolve) => setTimeout(resolve, 500));
}

const browser = await launchChromium();
const page = await browser.newPage();
await page.setViewport({ width: 1280, height: 860 });
const docs = new URL('../docs/', import.meta.url).pathname;
mkdirSync(docs, { recursive: true });

await page.goto(server.base, { waitUntil: 'networkidle0' });
await page.screenshot({ path: join(docs, 'web-library.png') });

await page.goto(`${server.base}/#/search?q=a+colourful+test+pattern&k=5`);
await page.waitForSelector('.hits .moments a');
await page.waitForNetworkIdle();
await page.screenshot({ path: join(docs, 'web-search.png') });

await page.click('.hits h3 a');
await page.waitForSelector('.timeline-table');
// The player shows the video's first frame, not a loading spinner.
await page.waitForFunction("document.querySelector('video.video-player').readyState >= 2");
await page.waitForNetworkIdle();
await page.screenshot({ path: join(docs, 'web-video.png'), fullPage: true });

await browser.close();
await stopServe(server);
process.stdout.write(`wrote docs/web-library.png, docs/web-search.png, docs/web-video.png\n`);
