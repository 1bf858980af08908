import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GpuImage } from '../../infra/lib/gpu-image.js';

const work = mkdtempSync(join(tmpdir(), 'xclip-entrypoint-'));
// A stand-in `node` that reports what the server would have been started with.
const bin = join(work, 'bin');
mkdirSync(bin);
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell script, not a template
writeFileSync(join(bin, 'node'), '#!/bin/sh\necho "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-} ARGS=$*"\n');
chmodSync(join(bin, 'node'), 0o755);

/** Runs the GPU image's entry point with a host driver of `hostDriver` (none: no GPU) and compat libraries of `compatDriver`. */
function start(hostDriver: string | undefined, compatDriver: string | undefined, ldLibraryPath?: string) {
  const dir = mkdtempSync(join(work, 'case-'));
  const versionFile = join(dir, 'version');
  if (hostDriver)
    writeFileSync(
      versionFile,
      `NVRM version: NVIDIA UNIX x86_64 Kernel Module  ${hostDriver}  Tue Oct  1 00:00:00 UTC 2024\nGCC version:  gcc version 7.3.1\n`,
    );
  const compatDir = join(dir, 'compat');
  mkdirSync(compatDir);
  if (compatDriver) writeFileSync(join(compatDir, `libcuda.so.${compatDriver}`), '');
  const run = spawnSync('sh', [GpuImage.ENTRYPOINT, 'serve'], {
    encoding: 'utf8',
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      NVIDIA_DRIVER_VERSION_FILE: versionFile,
      CUDA_COMPAT_DIR: compatDir,
      ...(ldLibraryPath ? { LD_LIBRARY_PATH: ldLibraryPath } : {}),
    },
  });
  assert.equal(run.status, 0, run.stderr);
  return { stdout: run.stdout.trim(), stderr: run.stderr, compatDir };
}

test("a host driver older than the CUDA runtime's puts the forward-compatibility libraries first, and says so", () => {
  const { stdout, stderr, compatDir } = start('550.127.05', '580.95.05', '/opt/lib');
  assert.equal(stdout, `LD_LIBRARY_PATH=${compatDir}:/opt/lib ARGS=/opt/app/functions/gpu-server/index.mjs serve`);
  assert.match(stderr, /host driver R550 is older than CUDA's R580/);
  const older = start('470.256.02', '580.95.05');
  assert.equal(older.stdout, `LD_LIBRARY_PATH=${older.compatDir} ARGS=/opt/app/functions/gpu-server/index.mjs serve`);
});

test('a new enough host driver, no GPU, or no compat libraries: the server starts unchanged', () => {
  for (const [host, compat] of [
    ['580.95.05', '580.95.05'],
    ['595.91.07', '580.95.05'],
    [undefined, '580.95.05'],
    ['550.127.05', undefined],
  ] as const) {
    const { stdout, stderr } = start(host, compat);
    assert.equal(
      stdout,
      'LD_LIBRARY_PATH= ARGS=/opt/app/functions/gpu-server/index.mjs serve',
      `host ${host}, compat ${compat}`,
    );
    assert.equal(stderr, '');
  }
});
