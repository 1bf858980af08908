import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';

const ROOMS = ['core', 'adapters/aws', 'adapters/local', 'http', 'runtimes/aws', 'runtimes/local'].map(
  (room) => `layers/pipeline/${room}`,
);
const SOURCE_DIRS = ['layers', 'functions', 'infra', 'scripts', 'bin'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => relative('.', join(entry.parentPath, entry.name)));
}

/** Every relative module a file imports, as a path from the repository root (.js written for .ts). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((match) =>
    normalize(join(dirname(file), match[1]!)).replace(/\.js$/, '.ts'),
  );
}

const roomOf = (path: string) => ROOMS.find((room) => path.startsWith(`${room}/`));
const files = SOURCE_DIRS.flatMap(sourceFiles);

test('code outside a pipeline room imports only its index.ts', () => {
  const reaching = files.flatMap((file) =>
    importsOf(file)
      .filter((target) => {
        const room = roomOf(target);
        return room !== undefined && room !== roomOf(file) && target !== `${room}/index.ts`;
      })
      .map((target) => `${file} -> ${target}`),
  );
  assert.deepEqual(reaching, []);
});

test('layers import nothing from functions/ or infra/, infra nothing from functions/, nothing from test/', () => {
  const forbidden = files.flatMap((file) =>
    importsOf(file)
      .filter(
        (target) =>
          target.startsWith('test/') ||
          (file.startsWith('layers/') && /^(functions|infra)\//.test(target)) ||
          (file.startsWith('infra/') && target.startsWith('functions/')),
      )
      .map((target) => `${file} -> ${target}`),
  );
  assert.deepEqual(forbidden, []);
});

test('the core room knows no adapter, HTTP or runtime code', () => {
  const outward = files
    .filter((file) => file.startsWith('layers/pipeline/core/'))
    .flatMap((file) =>
      importsOf(file)
        .filter((target) => roomOf(target) !== undefined && roomOf(target) !== 'layers/pipeline/core')
        .map((target) => `${file} -> ${target}`),
    );
  assert.deepEqual(outward, []);
});
