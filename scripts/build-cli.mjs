// Bundles the CLI (layers/cli/main.ts) and its child processes (the decoder, the search bench's server) into
// dist/cli/modules with esbuild, so `xclip` starts without compiling TypeScript (bin/xclip.js runs it while
// it is newer than every file it was built from, else the sources through tsx). Code splitting keeps each
// command's implementation in its own chunk, loaded only when that command runs; packages stay external
// (node_modules). The folder sits three levels below the repository, where layers/pipeline/http does, so
// the paths modules resolve through `new URL('…', import.meta.url)` hold: the web page in dist/web, and the
// built-in label sets and CLIP's BPE files, which are copied beside the chunks.
//
// `npm ci` runs it as part of the prepare script; `npm run build:cli` by hand.
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'dist', 'cli', 'modules');
const ASSETS = {
  labels: 'layers/xclip/labels',
  'clip-bpe': 'layers/xclip/clip-bpe',
  'pytorch-reference': 'layers/bench/pytorch-reference',
};

const builtAt = Date.now();
rmSync(join(root, 'dist', 'cli'), { recursive: true, force: true });
const { metafile } = await build({
  entryPoints: {
    main: join(root, 'layers', 'cli', 'main.ts'),
    'decoder-child': join(root, 'layers', 'media', 'decoder-child.ts'),
    'session-worker': join(root, 'layers', 'xclip', 'session-worker.ts'),
    'search-server-process': join(root, 'layers', 'bench', 'search-server-process.ts'),
  },
  outdir: outDir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
for (const [target, source] of Object.entries(ASSETS))
  cpSync(join(root, source), join(outDir, target), { recursive: true });
// What bin/xclip.js checks: the bundle is stale once any of these changed after builtAt.
const assetFiles = Object.values(ASSETS).flatMap((dir) =>
  readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name))),
);
const sources = [...Object.keys(metafile.inputs), ...assetFiles];
mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
writeFileSync(join(root, 'dist', 'cli', 'sources.json'), `${JSON.stringify({ builtAt, sources }, null, 1)}\n`);
process.stdout.write(`bundled the CLI into ${relative(root, outDir)}\n`);
