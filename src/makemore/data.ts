// The notebook's data pipeline as a library: names text -> words -> vocab -> shuffled 80/10/10
// split -> (X, Y) context/target arrays, bit-for-bit what build_dataset produces.
// Takes the file's text, never a path: reading files is the caller's job (no Node APIs here).
import { PythonRandom } from '../random/python.ts';
import { CONTROL, tooLong } from './text.ts';

/** A problem with the names data itself; the message says what is wrong and what to do. */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

/**
 * Splits a names file into words, one per line. Lines end in \n, \r\n or \r; lines that are
 * empty or whitespace-only are dropped, every other line is kept exactly as written (no
 * trimming: " ann" is a different name from "ann"). A leading byte-order mark is ignored.
 * @example
 *   parseNames('emma\r\nolivia\n\nava\n'); // ['emma', 'olivia', 'ava']
 */
export function parseNames(text: string): string[] {
  if (typeof text !== 'string') throw new DataError(`parseNames: expected the file's text as a string, got ${typeof text}`);
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  if (text.length === 0) throw new DataError('the names file is empty: expected one name per line');
  const lines = text.split(/\r\n|\r|\n/);
  const words: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const where = `line ${i + 1}`;
    const long = tooLong(line, i + 1);
    if (long) throw new DataError(long);
    if (line.includes('\u0000') || line.includes('\uFFFD')) {
      const what = line.includes('\u0000') ? 'a NUL byte' : 'U+FFFD (a byte that was not valid UTF-8)';
      throw new DataError(`the names file looks binary or is not UTF-8: ${where} contains ${what}; expected plain UTF-8 text, one name per line`);
    }
    const control = CONTROL.exec(line);
    if (control) {
      const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      const label = code === '0009' ? ' (tab)' : '';
      throw new DataError(`${where} contains control character U+${code}${label} in ${JSON.stringify(line)}: names must be plain text, one per line (is this a names file?)`);
    }
    if (line.trim() === '') continue;
    if (line.includes('.')) {
      throw new DataError(`${where}: name ${JSON.stringify(line)} contains '.', which the model uses as its start/end-of-name token; remove or replace the '.'`);
    }
    words.push(line);
  }
  if (words.length === 0) throw new DataError('no names found: the file has only blank lines; expected one name per line');
  return words;
}

export interface Vocab {
  /** index -> character; itos[0] is '.', the start/end-of-name token. */
  itos: string[];
  stoi: Map<string, number>;
}

/**
 * The notebook's vocabulary: '.' is 0, then every distinct character of the words in code point
 * order (Python's sorted() on str), from 1. Characters are code points, as in Python.
 * @example
 *   buildVocab(['emma', 'ava']).itos; // ['.', 'a', 'e', 'm', 'v']
 */
export function buildVocab(words: string[]): Vocab {
  const chars = new Set<string>();
  for (const w of words) for (const ch of w) chars.add(ch);
  if (chars.has('.')) throw new DataError("buildVocab: a word contains '.', which is reserved for the start/end-of-name token");
  const sorted = [...chars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const itos = ['.', ...sorted];
  return { itos, stoi: new Map(itos.map((s, i) => [s, i])) };
}

/**
 * The notebook's build_dataset: for each word, the context starts as blockSize zeros and for
 * each ch in w + '.' we emit (context, stoi[ch]) and slide ch into the context.
 * X is (n, blockSize) row-major, Y is (n).
 * @example
 *   const { X, Y, n } = buildDataset(['ab'], buildVocab(['ab']), 2);
 *   // n = 3; X = [0,0, 0,1, 1,2]; Y = [1, 2, 0]
 */
export function buildDataset(words: string[], vocab: Vocab, blockSize: number): { X: Int32Array; Y: Int32Array; n: number } {
  if (!Number.isInteger(blockSize) || blockSize < 1) {
    throw new RangeError(`buildDataset: blockSize must be a positive integer, got ${blockSize}`);
  }
  // Two passes over the words (count, then fill), so nothing but X and Y is allocated.
  let n = 0;
  for (let i = 0; i < words.length; i++) {
    for (const ch of words[i]) {
      if (ch === '.' || !vocab.stoi.has(ch)) {
        throw new DataError(`word ${i} (${JSON.stringify(words[i])}) has character ${JSON.stringify(ch)}, which is not in the vocabulary; build the vocabulary from all the words`);
      }
      n++;
    }
    n++; // the '.' that ends the word
  }
  const X = new Int32Array(n * blockSize);
  const Y = new Int32Array(n);
  const context = new Int32Array(blockSize);
  let row = 0;
  const next = (ix: number) => {
    X.set(context, row * blockSize);
    Y[row++] = ix;
    context.copyWithin(0, 1);
    context[blockSize - 1] = ix;
  };
  for (const w of words) {
    context.fill(0);
    for (const ch of w) next(vocab.stoi.get(ch)!);
    next(0);
  }
  return { X, Y, n };
}

/**
 * random.seed(seed); random.shuffle(words) on a copy, then the notebook's split at
 * n1 = int(0.8 n), n2 = int(0.9 n). The input array is left untouched.
 * @example
 *   const { train, val, test } = splitWords(words, 42); // words 'yuheng', 'diondre', ... first
 */
export function splitWords(words: string[], seed: number): { train: string[]; val: string[]; test: string[] } {
  const shuffled = words.slice();
  new PythonRandom(seed).shuffle(shuffled);
  // NOTE: Math.trunc of the same float64 product is exactly Python's int(0.8*len(words)).
  const n1 = Math.trunc(0.8 * shuffled.length);
  const n2 = Math.trunc(0.9 * shuffled.length);
  return { train: shuffled.slice(0, n1), val: shuffled.slice(n1, n2), test: shuffled.slice(n2) };
}

/** The smallest word count for which int(0.8 n), int(0.9 n) leave every split non-empty. */
export const MIN_NAMES = 6;

export interface Dataset { X: Int32Array; Y: Int32Array; n: number }

export interface Splits {
  words: string[];
  vocab: Vocab;
  train: Dataset;
  val: Dataset;
  test: Dataset;
}

/**
 * The whole pipeline of the notebook's first cells: parse (or take parseNames' words), vocab over all words, shuffle and
 * split, build the three datasets.
 * @example
 *   const s = makeSplits(text, { blockSize: 3, seed: 42 });
 *   s.train.n; // 182625 on names.txt
 */
export function makeSplits(text: string | string[], opts: { blockSize: number; seed: number }): Splits {
  const words = typeof text === 'string' ? parseNames(text) : text;
  const vocab = buildVocab(words);
  const split = splitWords(words, opts.seed);
  for (const name of ['train', 'val', 'test'] as const) {
    if (split[name].length === 0) {
      throw new DataError(`too few names: got ${words.length}, but the 80/10/10 split leaves the ${name} split empty; ` +
        `at least ${MIN_NAMES} names are needed`);
    }
  }
  return {
    words,
    vocab,
    train: buildDataset(split.train, vocab, opts.blockSize),
    val: buildDataset(split.val, vocab, opts.blockSize),
    test: buildDataset(split.test, vocab, opts.blockSize),
  };
}
