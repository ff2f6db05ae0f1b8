import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  parseNames, buildVocab, buildDataset, splitWords, makeSplits, DataError, MIN_NAMES,
} from '../../src/makemore/data.ts';

import { namesText as readNamesText, namesTest } from '../helpers/names.ts';

const namesText = readNamesText();

function throwsData(fn: () => unknown, pattern: RegExp, what: string): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DataError)) throw new Error(`${what}: expected DataError, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    if (!pattern.test(e.message)) throw new Error(`${what}: message ${JSON.stringify(e.message)} does not match ${pattern}`);
    return;
  }
  throw new Error(`${what}: expected DataError matching ${pattern}, nothing was thrown`);
}

/** Rows of a row-major (n, blockSize) Int32Array as arrays, for readable comparisons. */
const rows = (X: Int32Array, bs: number, count: number) =>
  Array.from({ length: count }, (_, r) => Array.from(X.subarray(r * bs, (r + 1) * bs)));

test('data: line endings \\n, \\r\\n and \\r give the same names', () => {
  const want = ['emma', 'olivia', 'ava'];
  assert.equal(parseNames('emma\nolivia\nava'), want);
  assert.equal(parseNames('emma\nolivia\nava\n'), want);
  assert.equal(parseNames('emma\r\nolivia\r\nava\r\n'), want);
  assert.equal(parseNames('emma\rolivia\rava\r'), want);
  assert.equal(parseNames('emma\r\nolivia\rava\n'), want);
  assert.equal(parseNames('\uFEFFemma\nolivia\nava\n'), want, 'leading BOM ignored');
});

test('data: blank and whitespace-only lines are dropped, other lines kept exactly', () => {
  assert.equal(parseNames('\n\nemma\n\n  \n \u00A0\nava\r\n\r\n'), ['emma', 'ava']);
  assert.equal(parseNames(' ann\nmary jane \n'), [' ann', 'mary jane '], 'no trimming inside kept lines');
  assert.equal(parseNames('zoë\nchloé\n'), ['zoë', 'chloé']);
});

test('data: every DataError case says what is wrong', () => {
  throwsData(() => parseNames(''), /names file is empty/, 'empty');
  throwsData(() => parseNames('\uFEFF'), /names file is empty/, 'only a BOM');
  throwsData(() => parseNames('\n\r\n  \n'), /no names found: the file has only blank lines/, 'only blank lines');
  throwsData(() => parseNames('emma\nav\u0000a\n'), /looks binary or is not UTF-8: line 2 contains a NUL byte/, 'NUL');
  throwsData(() => parseNames('emma\n\nav\uFFFDa\n'), /not UTF-8: line 3 contains U\+FFFD/, 'replacement char');
  throwsData(() => parseNames('emma\t1\n'), /line 1 contains control character U\+0009 \(tab\)/, 'tab');
  throwsData(() => parseNames('emma\nava\u001B[0m\n'), /line 2 contains control character U\+001B/, 'escape');
  throwsData(() => parseNames('emma\u2028ava\n'), /control character U\+2028/, 'line separator');
  throwsData(() => parseNames('emma\u0085ava\n'), /control character U\+0085/, 'NEL');
  throwsData(() => parseNames('emma\n\nj.r.\nava'), /line 3: name "j\.r\." contains '\.', which the model uses as its start\/end-of-name token/, 'dot');
  throwsData(() => buildVocab(['a.b']), /reserved for the start\/end-of-name token/, 'dot in vocab');
  throwsData(() => buildDataset(['abz'], buildVocab(['ab']), 3), /word 0 \("abz"\) has character "z", which is not in the vocabulary/, 'unknown char');
  throwsData(() => makeSplits('a\nb\nc\nd\ne\n', { blockSize: 3, seed: 42 }), /too few names: got 5, .*at least 6 names are needed/, 'five names');
  throwsData(() => makeSplits('solo', { blockSize: 3, seed: 42 }), /too few names: got 1, but the 80\/10\/10 split leaves the train split empty/, 'one name');
  assert.throws(() => buildDataset(['ab'], buildVocab(['ab']), 0), /blockSize must be a positive integer, got 0/);
});

test('data: MIN_NAMES is the real minimum for three non-empty splits', () => {
  for (let n = 1; n <= 1000; n++) {
    const words = Array.from({ length: n }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}`);
    const { train, val, test: te } = splitWords(words, 42);
    assert.is(train.length + val.length + te.length, n);
    assert.is(train.length > 0 && val.length > 0 && te.length > 0, n >= MIN_NAMES, `n=${n}`);
  }
  assert.is(makeSplits('a\nb\nc\nd\ne\nf\n', { blockSize: 3, seed: 42 }).test.n, 2);
});

test('data: vocab is "." then distinct characters in code point order', () => {
  const v = buildVocab(['emma', 'olivia', 'ava']);
  assert.equal(v.itos, ['.', 'a', 'e', 'i', 'l', 'm', 'o', 'v']);
  assert.equal([...v.stoi], v.itos.map((s, i) => [s, i]));
  // Python: sorted(set('zé😀ｚA a')) == [' ', 'A', 'a', 'z', 'é', 'ｚ', '😀']; UTF-16 order
  // would put the emoji (a surrogate pair) before the fullwidth z.
  assert.equal(buildVocab(['zé😀ｚ', 'A a']).itos, ['.', ' ', 'A', 'a', 'z', 'é', 'ｚ', '😀']);
  assert.equal(buildVocab([]).itos, ['.']);
});

test('data: blockSize 1 and 5 contexts on a hand-made word list', () => {
  // vocab: . a e m v -> 0 1 2 3 4
  const words = ['emma', 'ava'];
  const vocab = buildVocab(words);
  const one = buildDataset(words, vocab, 1);
  assert.is(one.n, 9);
  assert.equal(Array.from(one.X), [0, 2, 3, 3, 1, 0, 1, 4, 1]);
  assert.equal(Array.from(one.Y), [2, 3, 3, 1, 0, 1, 4, 1, 0]);
  const five = buildDataset(words, vocab, 5);
  assert.is(five.n, 9);
  assert.is(five.X.length, 45);
  assert.equal(rows(five.X, 5, 9), [
    [0, 0, 0, 0, 0], [0, 0, 0, 0, 2], [0, 0, 0, 2, 3], [0, 0, 2, 3, 3], [0, 2, 3, 3, 1],
    [0, 0, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 1, 4], [0, 0, 1, 4, 1],
  ]);
  assert.equal(Array.from(five.Y), [2, 3, 3, 1, 0, 1, 4, 1, 0]);
  const three = buildDataset(['v'], vocab, 3);
  assert.equal(rows(three.X, 3, 2), [[0, 0, 0], [0, 0, 4]]);
  assert.equal(Array.from(three.Y), [4, 0]);
  assert.equal(buildDataset([], vocab, 3), { X: new Int32Array(0), Y: new Int32Array(0), n: 0 });
});

test('data: splitWords copies, and the same seed gives the same order', () => {
  const words = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
  const a = splitWords(words, 7), b = splitWords(words, 7);
  assert.equal(words, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'], 'input untouched');
  assert.equal(a, b);
  assert.equal([a.train.length, a.val.length, a.test.length], [8, 1, 1]);
  assert.equal([...a.train, ...a.val, ...a.test].sort(), words);
});

namesTest('data: names.txt gives the notebook\'s words, splits and first contexts', () => {
  const s = makeSplits(namesText!, { blockSize: 3, seed: 42 });
  assert.is(s.words.length, 32033);
  assert.equal(s.words.slice(0, 8), ['emma', 'olivia', 'ava', 'isabella', 'sophia', 'charlotte', 'mia', 'amelia']);
  assert.equal(s.vocab.itos, ['.', ...'abcdefghijklmnopqrstuvwxyz']);
  assert.equal([s.train.n, s.val.n, s.test.n], [182625, 22655, 22866]);
  assert.is(s.train.X.length, 182625 * 3);

  const split = splitWords(s.words, 42);
  assert.equal([split.train.length, split.val.length, split.test.length], [25626, 3203, 3204]);
  assert.equal(split.train.slice(0, 10),
    ['yuheng', 'diondre', 'xavien', 'jori', 'juanluis', 'erandi', 'phia', 'samatha', 'phoenix', 'emmelynn']);

  // yuheng. = y u h e n g . = 25 21 8 5 14 7 0, then diondre starts afresh from [0,0,0].
  assert.equal(rows(s.train.X, 3, 9), [
    [0, 0, 0], [0, 0, 25], [0, 25, 21], [25, 21, 8], [21, 8, 5], [8, 5, 14], [5, 14, 7],
    [0, 0, 0], [0, 0, 4],
  ]);
  assert.equal(Array.from(s.train.Y.subarray(0, 9)), [25, 21, 8, 5, 14, 7, 0, 4, 9]);
});

test.run();
