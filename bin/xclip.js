#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.hugetlb=1:${GLIBC_TUNABLES} node
// The first line asks glibc's malloc (2.35 and later; others ignore it) to back its large blocks with transparent
// huge pages, which the usual kernel setting (THP "madvise") grants only to memory that asks. Each 4 KiB page of
// the model's weights otherwise costs a page fault on first touch: about 0.45 s of system time in a 1.56 s
// `xclip classify` on a 2-core VM (BENCHMARKS.md, "Process start"). glibc reads the setting once, at process start,
// hence the shebang; a GLIBC_TUNABLES of the caller's own comes after it and wins (glibc.malloc.hugetlb=0 turns it
// off). `node bin/xclip.js` runs without it.
// Runs the CLI's bundle (dist/cli, which `npm ci` builds: scripts/build-cli.mjs) while it is newer than every file
// it was built from, else the TypeScript sources directly through tsx, so an edited checkout runs its edits with no
// build step. The bundle starts in a fraction of tsx's time: no compiling, and one file per command.
import { readFileSync, statSync } from 'node:fs';

const BUNDLE_DIR = new URL('../dist/cli/', import.meta.url);

/** Whether dist/cli holds a bundle built after the last change to each of its sources. */
function bundleIsFresh() {
  try {
    const { builtAt, sources } = JSON.parse(readFileSync(new URL('sources.json', BUNDLE_DIR), 'utf8'));
    const root = new URL('../', import.meta.url);
    return sources.every((source) => statSync(new URL(source, root)).mtimeMs < builtAt);
  } catch {
    return false;
  }
}

let main;
if (bundleIsFresh()) ({ main } = await import(new URL('modules/main.mjs', BUNDLE_DIR).href));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../layers/cli/main.ts'));
}
process.exitCode = await main(process.argv);
