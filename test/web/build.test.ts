import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildWebPage } from '../../web/build.js';

/** The brief's bound on the page's script, gzipped. */
const MAX_SCRIPT_GZIP_BYTES = 150 * 1024;

test('the web page builds into index.html and hashed assets it names, with its script under 150 KB gzipped', async () => {
  const out = mkdtempSync(join(tmpdir(), 'xclip-web-build-'));
  const built = await buildWebPage(out);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  const assets = built.filter((file) => file.path.startsWith('assets/'));
  assert.deepEqual(assets.map((file) => file.path.replace(/-[A-Za-z0-9]+\./, '-HASH.')).sort(), [
    'assets/icon-HASH.svg',
    'assets/main-HASH.js',
    'assets/styles-HASH.css',
  ]);
  for (const asset of assets) assert.ok(html.includes(`"${asset.path}"`), `index.html names ${asset.path}`);
  assert.doesNotMatch(html, /<script>|<style>|style=/, 'no inline code: the Content-Security-Policy forbids it');
  const script = assets.find((file) => file.path.endsWith('.js'))!;
  assert.ok(script.gzipBytes < MAX_SCRIPT_GZIP_BYTES, `${script.gzipBytes} bytes gzipped`);
});
