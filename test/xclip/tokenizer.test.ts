import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { XclipError } from '../../layers/common/errors.js';
import { CLIP_BPE_DIR } from '../../layers/xclip/clip-bpe.js';
import { builtinLabelSet } from '../../layers/xclip/label-sets.js';
import { BYTE_SYMBOLS } from '../../layers/xclip/tokenizer/bpe.js';
import { fixText } from '../../layers/xclip/tokenizer/fix-text.js';
import {
  ClipTokenizer,
  InvalidTokenizerError,
  MissingTokenizerFileError,
  normalizeClipText,
  parseMerges,
  parseVocab,
} from '../../layers/xclip/tokenizer.js';

const FIXTURE = 'test/fixtures/clip-tokenizer';

interface TokenizerCase {
  text: string;
  ids: number[];
  normalized: string;
  input_ids_77?: number[];
  attention_mask_77?: number[];
}
const {
  bos_id: BOS,
  eos_id: EOS,
  cases,
} = JSON.parse(readFileSync(join(FIXTURE, 'cases.json'), 'utf8')) as {
  bos_id: number;
  eos_id: number;
  cases: TokenizerCase[];
};
const tokenizer = ClipTokenizer.fromDirectory(CLIP_BPE_DIR);

test('matches OpenAI simple_tokenizer.py (with ftfy 6.3.1) on every reference case', () => {
  assert.equal(cases.length, 71);
  assert.equal(tokenizer.startOfTextId, BOS);
  assert.equal(tokenizer.endOfTextId, EOS);
  for (const { text, ids, normalized } of cases) {
    assert.equal(normalizeClipText(text), normalized, `normalized ${JSON.stringify(text)}`);
    assert.deepEqual(tokenizer.encode(text), ids, `ids of ${JSON.stringify(text)}`);
  }
});

test('encodeBatch gives the Hugging Face 77-token form of the reference cases', () => {
  const withForm = cases.filter((c) => c.input_ids_77 !== undefined);
  assert.ok(
    withForm.some((c) => c.ids.length > 77),
    'the cases include over-long texts',
  );
  const batch = tokenizer.encodeBatch(withForm.map((c) => c.text));
  assert.equal(batch.rows, withForm.length);
  assert.equal(batch.length, 77);
  withForm.forEach((c, row) => {
    const at = row * 77;
    assert.deepEqual(Array.from(batch.inputIds.subarray(at, at + 77), Number), c.input_ids_77, c.text.slice(0, 40));
    assert.deepEqual(
      Array.from(batch.attentionMask.subarray(at, at + 77), Number),
      c.attention_mask_77,
      c.text.slice(0, 40),
    );
    assert.equal(batch.lengths[row], Math.min(c.ids.length, 77));
  });
});

test('encodeBatch truncates to [BOS, first tokens, EOS] and can pad to the longest row only', () => {
  const texts = ['a photo of a cat', '', 'playing guitar'];
  const full = texts.map((text) => tokenizer.encode(text));
  const batch = tokenizer.encodeBatch(texts, { padToLongest: true });
  assert.deepEqual(batch.lengths, [7, 2, 4]);
  assert.equal(batch.length, 7);
  assert.deepEqual(Array.from(batch.inputIds, Number), [
    ...full[0]!,
    ...full[1]!,
    EOS,
    EOS,
    EOS,
    EOS,
    EOS,
    ...full[2]!,
    EOS,
    EOS,
    EOS,
  ]);
  assert.deepEqual(
    Array.from(batch.attentionMask, Number),
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0],
  );

  const short = tokenizer.encodeBatch(texts, { contextLength: 4 });
  assert.deepEqual(short.lengths, [4, 2, 4]);
  assert.deepEqual(Array.from(short.inputIds.subarray(0, 4), Number), [BOS, full[0]![1], full[0]![2], EOS]);
  assert.deepEqual(tokenizer.encodeBatch([], { padToLongest: true }), {
    inputIds: new BigInt64Array(0),
    attentionMask: new BigInt64Array(0),
    rows: 0,
    length: 0,
    lengths: [],
  });
  assert.throws(() => tokenizer.encodeBatch(texts, { contextLength: 1 }), /invalid context length 1/);
});

test('ftfy repairs mojibake, entities and other glitches as python-ftfy 6.3.1 does', () => {
  const fixed: Array<[string, string]> = [
    ['schÃ¶n', 'schön'],
    ['âœ” No problems', '✔ No problems'],
    ['This â€” should be an em dash', 'This — should be an em dash'],
    ['â€œ like this â€\ufffd', '" like this \ufffd'], // lossy Windows-1252
    ['voilÃ le travail', 'voilà le travail'], // a space that was byte A0
    ['ÐŸÑ€Ð¸Ð²ÐµÑ‚', 'Привет'],
    ['This text was never UTF-8 at all\x85', 'This text was never UTF-8 at all…'],
    ['\xc3\xa0\xc2\xb2\xc2\xa0_\xc3\xa0\xc2\xb2\xc2\xa0', 'ಠ_ಠ'], // twice encoded
    ['&macr;\\_(ã\x83\x84)_/&macr;', '¯\\_(ツ)_/¯'],
    ['P&EACUTE;REZ &NTILDE; &nTILDE; this&not that', 'PÉREZ Ñ &nTILDE; this&not that'],
    ['<b>&amp;</b>\nfish &amp; chips', '<b>&amp;</b>\nfish &amp; chips'], // HTML: entities stay from the first '<' on
    ['ＬＯＵＤ　ＮＯＩＳＥＳ ﬂuﬃeﬆ', 'LOUD NOISES fluffiest'],
    ['\x1b[36;44mblue\x1b[0m \ufeffa\x01b \ud83d', 'blue ab \ufffd'],
    ['a\r\nb\rc\u2028d', 'a\nb\nc\nd'],
  ];
  for (const [text, expected] of fixed) assert.equal(fixText(text), expected, JSON.stringify(text));
  // Text that only looks odd stays as it is.
  for (const text of [
    'AHÅ™, the new sofa from IKEA®',
    'not such a fan of Charlotte Brontë…”',
    '(╯°□°)╯︵ ┻━┻',
    '¿Qué? ¡Sí!',
    'Ελληνικά 10°C',
  ]) {
    assert.equal(fixText(text), text.replace('”', '"'));
  }
});

test('normalisation unescapes HTML twice after ftfy, then collapses Unicode whitespace', () => {
  assert.equal(normalizeClipText('<b>&amp;amp;</b>'), '<b>&</b>');
  assert.equal(normalizeClipText(' A\u00a0\u2003B\t\u3000C\n'), 'a b c');
  assert.equal(normalizeClipText('&#x41;&#128;&#1;&#0;'), 'a€\ufffd');
});

test('encodes all Kinetics-400 labels within the context length', () => {
  const { names } = builtinLabelSet('k400');
  const batch = tokenizer.encodeBatch(names, { padToLongest: true });
  assert.equal(batch.rows, 400);
  assert.ok(batch.length < 77 && batch.lengths.every((n) => n > 2));
});

/** A tiny tokenizer: byte symbols, one merge, special tokens at ids of its own. */
function tinyVocab(): Map<string, number> {
  const vocab = new Map<string, number>();
  BYTE_SYMBOLS.forEach((symbol, i) => {
    vocab.set(symbol, i);
    vocab.set(`${symbol}</w>`, 256 + i);
  });
  vocab.set('hi</w>', 512);
  vocab.set('<|startoftext|>', 900);
  vocab.set('<|endoftext|>', 901);
  return vocab;
}

test('builds from parsed data and reads the special ids from the vocabulary', () => {
  const tiny = new ClipTokenizer({ vocab: tinyVocab(), merges: [['h', 'i</w>']] });
  assert.deepEqual(tiny.encode('Hi hip'), [900, 512, 0x68, 0x69, 256 + 0x70, 901]); // ids are byte values here
  assert.deepEqual(
    tiny.encodeBatch(['hi'], { contextLength: 4 }).inputIds,
    BigInt64Array.from([900n, 512n, 901n, 901n]),
  );
  assert.deepEqual(parseMerges('#version: 0.2\nh i</w>\r\na b\n'), [
    ['h', 'i</w>'],
    ['a', 'b'],
  ]);
  assert.deepEqual(
    parseVocab('{"a": 0, "b": 7}'),
    new Map([
      ['a', 0],
      ['b', 7],
    ]),
  );
});

test('missing or malformed tokenizer files give clear typed errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clip-tokenizer-'));
  const load = () => ClipTokenizer.fromDirectory(dir);
  const rejects = (type: new (...args: never[]) => XclipError, pattern: RegExp) =>
    assert.throws(load, (error: unknown) => {
      assert.ok(error instanceof type && error instanceof XclipError);
      assert.match(error.message, pattern);
      return true;
    });
  assert.throws(() => ClipTokenizer.fromDirectory(join(dir, 'nope')), MissingTokenizerFileError);
  rejects(MissingTokenizerFileError, /vocab\.json is missing/);
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(Object.fromEntries(tinyVocab())));
  rejects(MissingTokenizerFileError, /merges\.txt is missing/);
  writeFileSync(join(dir, 'merges.txt'), '#version: 0.2\nh i</w>\n');
  assert.deepEqual(load().encode('hi'), [900, 512, 901]);

  writeFileSync(join(dir, 'merges.txt'), '#version: 0.2\nh i</w>\nx\n');
  rejects(InvalidTokenizerError, /line 3 is "x", not "left right"/);
  writeFileSync(join(dir, 'merges.txt'), '#version: 0.2\nh i</w>\nh i\n');
  rejects(InvalidTokenizerError, /"hi" is not in the vocabulary \(merge 2\)/);
  writeFileSync(join(dir, 'merges.txt'), '');
  writeFileSync(join(dir, 'vocab.json'), '{"a": ');
  rejects(InvalidTokenizerError, /vocab\.json.*not JSON/);
  writeFileSync(join(dir, 'vocab.json'), '{"a": -1}');
  rejects(InvalidTokenizerError, /token "a" has id -1/);
  writeFileSync(join(dir, 'vocab.json'), '[1, 2]');
  rejects(InvalidTokenizerError, /not a JSON object/);
  const noEnd = tinyVocab();
  noEnd.delete('<|endoftext|>');
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(Object.fromEntries(noEnd)));
  rejects(InvalidTokenizerError, /"<\|endoftext\|>" is not in the vocabulary/);
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['bin/xclip.js', ...args], (error, stdout, stderr) => {
      done({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

test('xclip tokenize prints the ids of each text as JSON', async () => {
  const ok = await runCli(['tokenize', '--vocab', CLIP_BPE_DIR, 'a photo of a cat', 'don’t']);
  assert.deepEqual(ok, {
    code: 0,
    stdout: '[[49406,320,1125,539,320,2368,49407],[49406,847,713,49407]]\n',
    stderr: '',
  });
  const failed = await runCli(['tokenize', '--vocab', 'no/such/dir', 'a cat']);
  assert.equal(failed.code, 1);
  assert.equal(failed.stdout, '');
  assert.equal(failed.stderr, 'xclip: cannot load the CLIP tokenizer from no/such/dir (no such directory)\n');
});
