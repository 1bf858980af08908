import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FunctionImage } from '../../infra/lib/function-image.js';

const work = mkdtempSync(join(tmpdir(), 'xclip-install-ffmpeg-'));

/** Runs the images' ffmpeg installer with a stand-in curl that writes `download` and logs the URL it was asked for. */
function install(arch: string, download: string) {
  const bin = mkdtempSync(join(work, 'bin-'));
  writeFileSync(
    join(bin, 'curl'),
    `#!/bin/sh\nwhile [ "$1" != "-o" ]; do shift; done\nprintf '%s' "${download}" > "$2"\necho "$3" > "${bin}/url"\n`,
  );
  chmodSync(join(bin, 'curl'), 0o755);
  const target = join(work, `ffmpeg-${arch || 'none'}`);
  const scratch = mkdtempSync(join(work, 'tmp-'));
  const run = spawnSync('sh', [FunctionImage.FFMPEG_INSTALLER, arch, target], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, TMPDIR: scratch },
  });
  assert.deepEqual(readdirSync(scratch), [], 'the download is removed, whatever happened');
  return { run, target, url: existsSync(join(bin, 'url')) ? readFileSync(join(bin, 'url'), 'utf8').trim() : undefined };
}

test('an architecture without a pinned build is refused before anything is fetched', () => {
  for (const arch of ['', 'riscv64']) {
    const { run, target, url } = install(arch, 'x');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /no ffmpeg build for architecture .*amd64 and arm64 are supported/);
    assert.equal(url, undefined);
    assert.equal(existsSync(target), false);
  }
});

test('a download that does not match the pinned sha256 installs nothing', () => {
  for (const arch of ['amd64', 'arm64']) {
    const { run, target, url } = install(arch, 'not the real archive');
    assert.notEqual(run.status, 0);
    assert.equal(url, `https://johnvansickle.com/ffmpeg/old-releases/ffmpeg-5.1.1-${arch}-static.tar.xz`);
    assert.match(run.stdout + run.stderr, /FAILED/);
    assert.equal(existsSync(target), false);
  }
});
