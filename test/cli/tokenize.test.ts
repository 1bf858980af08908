import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CLIP_BPE_DIR } from '../../layers/xclip/clip-bpe.js';

interface TokenizerCase {
  text: string;
  ids: number[];
  input_ids_77: number[];
  attention_mask_77: number[];
}
const { cases } = JSON.parse(readFileSync('test/fixtures/clip-tokenizer/cases.json', 'utf8')) as {
  cases: TokenizerCase[];
};

function tokenize(...args: string[]): number[][] {
  const run = spawnSync(process.execPath, ['bin/xclip.js', 'tokenize', '--vocab', CLIP_BPE_DIR, ...args], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as number[][];
}

test('xclip tokenize --context-length 77 truncates long texts exactly as the model input is made', () => {
  const long = cases.filter((c) => c.ids.length > 77);
  assert.ok(long.length >= 2, 'the reference set has texts longer than the context');
  const rows = tokenize('--context-length', '77', ...long.map((c) => c.text));
  long.forEach((c, i) => {
    const unpadded = c.input_ids_77.slice(
      0,
      c.attention_mask_77.indexOf(0) === -1 ? 77 : c.attention_mask_77.indexOf(0),
    );
    assert.deepEqual(rows[i], unpadded, `row of ${JSON.stringify(c.text.slice(0, 30))}`);
  });
  assert.deepEqual(tokenize(long[0]!.text)[0], long[0]!.ids, 'without the option nothing is cut');
});

test('xclip tokenize refuses a context length below 2', () => {
  const run = spawnSync(
    process.execPath,
    ['bin/xclip.js', 'tokenize', '--vocab', CLIP_BPE_DIR, '--context-length', '1', 'a'],
    {
      encoding: 'utf8',
    },
  );
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /context-length/);
});
