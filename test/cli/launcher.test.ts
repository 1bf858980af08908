import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const work = mkdtempSync(join(tmpdir(), 'xclip-launcher-'));
after(() => rmSync(work, { recursive: true, force: true }));

const shebang = readFileSync('bin/xclip.js', 'utf8').split('\n')[0]!;

/** What a script started through bin/xclip.js's first line sees in GLIBC_TUNABLES, given the caller's value. */
function tunablesThroughShebang(callersValue: string | undefined): string | undefined {
  const probe = join(work, 'probe.mjs');
  writeFileSync(probe, `${shebang}\nprocess.stdout.write(JSON.stringify(process.env.GLIBC_TUNABLES ?? null));\n`);
  chmodSync(probe, 0o755);
  const { GLIBC_TUNABLES: _inherited, ...env } = process.env;
  const stdout = execFileSync(probe, {
    encoding: 'utf8',
    env: callersValue === undefined ? env : { ...env, GLIBC_TUNABLES: callersValue },
  });
  return JSON.parse(stdout) ?? undefined;
}

test('bin/xclip.js runs as an executable through its shebang', () => {
  assert.match(execFileSync('bin/xclip.js', ['--help'], { encoding: 'utf8' }), /^Usage: xclip /);
});

test("the shebang asks glibc's malloc for huge pages, and a caller's own GLIBC_TUNABLES comes after it and wins", () => {
  const [first, ...rest] = (tunablesThroughShebang(undefined) ?? '').split(':');
  assert.equal(first, 'glibc.malloc.hugetlb=1');
  assert.deepEqual(rest.filter(Boolean), [], 'nothing else is set');
  assert.equal(
    tunablesThroughShebang('glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2'),
    'glibc.malloc.hugetlb=1:glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2',
  );
});
