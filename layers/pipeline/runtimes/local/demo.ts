import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeSyntheticFile } from '../../../media/index.js';
import { buildModel } from '../../../xclip/build.js';
import { type DownloadProgress, fetchModel, HubUnreachableError } from '../../../xclip/hub.js';
import { resolveLabelSet } from '../../../xclip/label-sets.js';
import { MANIFEST_FILE, ModelDirectoryError, readManifest } from '../../../xclip/manifest.js';
import { defaultModelDir } from '../../../xclip/model-location.js';
import { presetConfig, writeRandomModel } from '../../../xclip/random-weights.js';
import { searchResponseSchema, videoListSchema } from '../../http/index.js';
import { LocalPipeline } from './local-pipeline.js';

const DEMO_DIR = resolve('.cache', 'demo');
const SAMPLE_SECONDS = 3;
/** lavfi sources: each sample video is a synthetic pattern FFmpeg's filters draw. */
const SAMPLES: Array<[string, string]> = [
  ['test pattern.mp4', 'testsrc2=size=320x240:rate=25'],
  ['mandelbrot zoom.mp4', 'mandelbrot=size=320x240:rate=25'],
  ['game of life.mp4', 'life=size=320x240:rate=25:mold=10:ratio=0.3:death_color=#202020:life_color=#30c030'],
  ['colour bars.mp4', 'smptebars=size=320x240:rate=25'],
];
const SEARCH_TEXT = 'a fractal zoom';
const WARNING_LINES = [
  'UNTRAINED WEIGHTS, LABELS ARE MEANINGLESS: the hub is unreachable,',
  'so this demo runs a tiny random model. Run it with network access',
  'for the real microsoft/xclip-base-patch32 (int8).',
];
const WARNING_WIDTH = 74;
const WARNING = [
  '',
  '!'.repeat(WARNING_WIDTH),
  ...WARNING_LINES.map((line) => `!!  ${line.padEnd(WARNING_WIDTH - 8)}  !!`),
  '!'.repeat(WARNING_WIDTH),
  '',
].join('\n');

type Print = (line: string) => void;

function downloadProgress(print: Print): (progress: DownloadProgress) => void {
  let lastPrinted = 0;
  return ({ file, receivedBytes, totalBytes }) => {
    if (Date.now() - lastPrinted < 5000 && receivedBytes !== totalBytes) return;
    lastPrinted = Date.now();
    const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
    print(`  ${file}: ${mb(receivedBytes)}${totalBytes ? ` / ${mb(totalBytes)}` : ''} MB`);
  };
}

/** The tiny fixture's sizes with CLIP's vocabulary, so label text tokenizes: builds in seconds, knows nothing. */
async function buildUntrainedModel(out: string): Promise<void> {
  const source = `${out}-hf`;
  writeRandomModel(source, presetConfig('tiny-clip'), 1);
  await buildModel({ from: source, out, precision: 'fp32' });
}

/** Whether `dir` holds a model this version can load; one it refuses (built by an older converter) is said why. */
function usableModel(dir: string, print: Print): boolean {
  if (!existsSync(join(dir, MANIFEST_FILE))) return false;
  try {
    readManifest(dir);
    return true;
  } catch (error) {
    if (!(error instanceof ModelDirectoryError)) throw error;
    print(`${dir} cannot be used (${error.why})`);
    return false;
  }
}

/** The real int8 model when it is built or the hub can be reached; otherwise a tiny untrained one. */
async function demoModel(print: Print): Promise<{ dir: string; trained: boolean }> {
  const dir = defaultModelDir('int8');
  if (usableModel(dir, print)) return { dir, trained: true };
  try {
    print('fetching microsoft/xclip-base-patch32 from the Hugging Face hub');
    const fetched = await fetchModel({ onProgress: downloadProgress(print) });
    print(`building the int8 model into ${dir} (a few minutes)`);
    await buildModel({
      from: fetched.dir,
      out: dir,
      precision: 'int8',
      onStage: (stage, ms) => print(`  built ${stage} (${(ms / 1000).toFixed(0)} s)`),
    });
    return { dir, trained: true };
  } catch (error) {
    if (!(error instanceof HubUnreachableError)) throw error;
    print(`offline: ${error.message}`);
    const untrained = join(DEMO_DIR, 'untrained-model');
    if (!existsSync(join(untrained, MANIFEST_FILE))) await buildUntrainedModel(untrained);
    return { dir: untrained, trained: false };
  }
}

function makeSamples(dir: string): void {
  const staging = join(DEMO_DIR, 'staging');
  mkdirSync(staging, { recursive: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, source] of SAMPLES) {
    writeSyntheticFile(join(staging, name), {
      streams: [{ source: `${source},trim=duration=${SAMPLE_SECONDS},format=yuv420p`, encoder: 'libx264' }],
    });
  }
  // Moved in only when complete, as an upload appears in a bucket.
  for (const [name] of SAMPLES) renameSync(join(staging, name), join(dir, name));
}

function percent(score: number): string {
  return `${(score * 100).toFixed(1).padStart(5)}%`;
}

/**
 * `npm run demo`: makes sample videos with FFmpeg's libraries, classifies them through the local pipeline (the
 * same watcher, queue, worker, stores and HTTP API as `xclip serve`) and prints the results.
 */
export async function runDemo(print: Print = (line) => process.stdout.write(`${line}\n`)): Promise<void> {
  const model = await demoModel(print);
  if (!model.trained) print(WARNING);
  rmSync(join(DEMO_DIR, 'run'), { recursive: true, force: true });
  const bucket = join(DEMO_DIR, 'run', 'bucket');
  print(`making ${SAMPLES.length} sample videos in ${bucket}`);
  makeSamples(bucket);

  const pipeline = await LocalPipeline.start({
    modelDir: model.dir,
    dbPath: join(DEMO_DIR, 'run', 'results.db'),
    dataDir: join(DEMO_DIR, 'run', 'data'),
    watchDir: bucket,
    settings: { labels: resolveLabelSet('k400'), top: 3 },
    scanIntervalMs: 250,
    // The samples are moved in complete (makeSamples): nothing to wait for.
    settleMs: 0,
    log: (line) => print(`  ${line}`),
  });
  try {
    const api = async (path: string, body?: unknown): Promise<unknown> =>
      (
        await pipeline.app.request(
          path,
          body === undefined
            ? {}
            : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
        )
      ).json();
    let videos = videoListSchema.parse(await api('/videos?limit=100')).items;
    while (
      videos.length < SAMPLES.length ||
      videos.some((video) => video.status === 'QUEUED' || video.status === 'PROCESSING')
    ) {
      await new Promise((done) => setTimeout(done, 250));
      videos = videoListSchema.parse(await api('/videos?limit=100')).items;
    }
    print('\nresults (GET /videos):');
    for (const video of [...videos].sort((a, b) => a.key.localeCompare(b.key))) {
      print(`${video.key}  [${video.status}]`);
      for (const label of video.labels ?? []) print(`  ${percent(label.score)}  ${label.label}`);
      if (video.error) print(`  ${video.error.message}`);
    }
    const hits = searchResponseSchema.parse(await api('/search', { text: SEARCH_TEXT, k: 3 })).items;
    print(`\nsearch "${SEARCH_TEXT}" (POST /search):`);
    for (const hit of hits) print(`  ${hit.score!.toFixed(2).padStart(6)}  ${hit.key}`);
    print('\nthe same pipeline and API run on a folder of your own with: npx xclip serve --watch DIR');
  } finally {
    await pipeline.stop();
  }
  if (!model.trained) print(WARNING);
}
