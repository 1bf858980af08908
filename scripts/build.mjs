// Bundles each Lambda handler into one ESM file, dist/functions/<name>/index.mjs (handler export:
// `functions/<name>/index.handler`), and the GPU endpoint's server (functions/gpu-server/serve.ts, a program
// the GPU image runs), with esbuild, and beside each the decoder process (layers/media/decoder-child.ts,
// decoder-child.mjs, which the decoder pool starts from beside its own module). onnxruntime-node and node-av (native addons) stay external:
// the images install them. The files the library reads beside its modules through
// `new URL('./…', import.meta.url)` (built-in label sets, CLIP's BPE files) are copied next to each
// bundle, where import.meta.url of the bundle points.
//
// The API's bundle also carries the web page's build (dist/web, which `npm ci` builds; `npm run build:web` again
// after editing web/) in web/ beside it: the API function serves it.
//
// usage: node scripts/build.mjs [OUT_DIR]   (default dist/functions)
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outRoot = resolve(process.argv[2] ?? join(root, 'dist', 'functions'));
/** Bundle name -> its entry module in functions/<name>/. */
const ENTRIES = { classifier: 'handler.ts', api: 'handler.ts', 'gpu-results': 'handler.ts', 'gpu-server': 'serve.ts' };
const ASSETS = { labels: 'layers/xclip/labels', 'clip-bpe': 'layers/xclip/clip-bpe' };
const WEB_PAGE = join(root, 'dist', 'web');

if (!existsSync(join(WEB_PAGE, 'index.html'))) {
  process.stderr.write(`no web page build in ${WEB_PAGE}: run \`npm run build:web\` first\n`);
  process.exit(1);
}

for (const [name, entry] of Object.entries(ENTRIES)) {
  const outDir = join(outRoot, name);
  rmSync(outDir, { recursive: true, force: true });
  await build({
    entryPoints: {
      index: join(root, 'functions', name, entry),
      'decoder-child': join(root, 'layers', 'media', 'decoder-child.ts'),
      'session-worker': join(root, 'layers', 'xclip', 'session-worker.ts'),
    },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['onnxruntime-node', 'node-av'],
    // CommonJS dependencies call require() for Node built-ins, which an ES module lacks.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const [target, source] of Object.entries(ASSETS))
    cpSync(join(root, source), join(outDir, target), { recursive: true });
  if (name === 'api') cpSync(WEB_PAGE, join(outDir, 'web'), { recursive: true });
}
process.stdout.write(`bundled ${Object.keys(ENTRIES).join(', ')} into ${outRoot}\n`);
