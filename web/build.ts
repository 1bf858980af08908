// Builds the web page into dist/web: index.html and content-hashed assets, which `xclip serve` serves
// (layers/pipeline/http/web-page.ts). `npm ci` runs it as the prepare script; `npm run build:web` by hand.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BUILT_WEB_PAGE_DIR } from '../layers/pipeline/http/web-page.js';

const WEB_DIR = fileURLToPath(new URL('.', import.meta.url));

export interface BuiltFile {
  /** Path under the output folder, '/'-separated. */
  path: string;
  bytes: number;
  gzipBytes: number;
}

function hashedName(name: string, contents: Uint8Array): string {
  const hash = createHash('sha256').update(contents).digest('hex').slice(0, 10);
  const extension = extname(name);
  return `${basename(name, extension)}-${hash}${extension}`;
}

/** Bundles web/src (Preact, TypeScript, CSS) and writes the page to `outDir`, replacing what was there. */
export async function buildWebPage(outDir = BUILT_WEB_PAGE_DIR): Promise<BuiltFile[]> {
  const bundle = await build({
    entryPoints: [join(WEB_DIR, 'src', 'main.tsx'), join(WEB_DIR, 'src', 'styles.css')],
    outdir: join(outDir, 'assets'),
    entryNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome111', 'firefox113', 'safari16.4'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(WEB_DIR, 'tsconfig.json'),
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'warning',
  });
  const outputs = new Map<string, Uint8Array>();
  for (const file of bundle.outputFiles) outputs.set(`assets/${basename(file.path)}`, file.contents);
  const icon = readFileSync(join(WEB_DIR, 'icon.svg'));
  outputs.set(`assets/${hashedName('icon.svg', icon)}`, icon);

  // index.html names assets/main.js, assets/styles.css and assets/icon.svg; each becomes its hashed name.
  let html = readFileSync(join(WEB_DIR, 'index.html'), 'utf8');
  for (const path of outputs.keys()) {
    const plain = path.replace(/-[A-Za-z0-9]+(\.\w+)$/, '$1');
    if (!html.includes(`"${plain}"`)) throw new Error(`web/index.html does not reference ${plain}`);
    html = html.replace(`"${plain}"`, `"${path}"`);
  }
  outputs.set('index.html', new TextEncoder().encode(html));

  // Written beside the output folder and swapped in by two renames, so a server starting meanwhile
  // (tests run in parallel) finds the old page or the new one, and no page only between the renames.
  const folder = resolve(outDir);
  const fresh = `${folder}.new-${process.pid}`;
  const stale = `${folder}.old-${process.pid}`;
  mkdirSync(join(fresh, 'assets'), { recursive: true });
  const built: BuiltFile[] = [];
  for (const [path, contents] of outputs) {
    writeFileSync(join(fresh, path), contents);
    built.push({ path, bytes: contents.length, gzipBytes: gzipSync(contents, { level: 9 }).length });
  }
  if (existsSync(folder)) renameSync(folder, stale);
  renameSync(fresh, folder);
  rmSync(stale, { recursive: true, force: true });
  return built;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const built = await buildWebPage(process.argv[2]);
  for (const file of built) process.stdout.write(`${file.path}: ${file.bytes} bytes, ${file.gzipBytes} gzipped\n`);
}
