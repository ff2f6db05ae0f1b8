// makemore.py's data, as it makes it: the words of a text file, its CharDataset (a word is a row
// of <START> + characters, targets shifted by one, -1 past the end), the train/test split from
// torch.randperm under the default generator, and the batches its DataLoaders draw: the training
// InfiniteDataLoader (a RandomSampler with replacement) and evaluate()'s shuffled loader, each
// seeded from the default generator as PyTorch 1.13's DataLoader seeds it.
// Takes text, never a path (no Node APIs). Leaves out: the models and the training loop (run.ts).
import { Generator, defaultGenerator, randperm, tensor, type Tensor } from '../../index.ts';
import { DataError } from '../data.ts';
import { tooLong } from '../text.ts';

// Python's str.splitlines() line boundaries and str.strip()'s whitespace (str.isspace()).
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;
const SPACE = '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
// Characters a word may not hold: controls would drive the terminal when samples are printed.
const CONTROL = /[\u0000-\u0008\u000E-\u001B\u007F-\u0084\u0086-\u009F\u202A-\u202E\u2066-\u2069]/u; // (and the bidirectional overrides: text.ts)

function pyStrip(s: string): string {
  let a = 0, b = s.length;
  while (a < b && SPACE.includes(s[a])) a++;
  while (b > a && SPACE.includes(s[b - 1])) b--;
  return s.slice(a, b);
}

/** Code point order, Python's sorted() on str (JS's default sort compares UTF-16 units). */
const byCodePoint = (a: string, b: string) => a.codePointAt(0)! - b.codePointAt(0)!;

/**
 * create_datasets' preprocessing: lines (Python's splitlines), stripped, empty ones dropped.
 * A leading byte-order mark is dropped too (Python would keep it as a character of the first word).
 */
export function parseWords(text: string): string[] {
  if (typeof text !== 'string') throw new DataError(`expected the input file's text as a string, got ${typeof text}`);
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const words: string[] = [];
  const lines = text.split(LINE_BREAK);
  for (let i = 0; i < lines.length; i++) {
    const w = pyStrip(lines[i]);
    if (!w) continue;
    const long = tooLong(w, i + 1);
    if (long) throw new DataError(long);
    if (w.includes('\uFFFD') || w.includes('\u0000')) {
      throw new DataError(`the input file looks binary or is not UTF-8 (line ${i + 1} holds ${w.includes('\u0000') ? 'a NUL byte' : 'a byte that is not valid UTF-8'}); expected plain UTF-8 text, one word per line`);
    }
    const c = CONTROL.exec(w);
    if (c) throw new DataError(`line ${i + 1} holds the control character U+${c[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}; expected plain text, one word per line`);
    words.push(w);
  }
  return words;
}

/** The characters of `words`, each once, in code point order (makemore.py's sorted(list(set(''.join(words))))). */
export function vocabularyOf(words: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const w of words) for (const c of w) seen.add(c);
  return [...seen].sort(byCodePoint);
}

/**
 * Whether `chars` could be a vocabulary parseWords and vocabularyOf make: single characters a
 * word may hold (no controls, line breaks or U+FFFD), each once, in code point order.
 */
export function isVocabulary(chars: unknown): chars is string[] {
  if (!Array.isArray(chars) || chars.length === 0) return false;
  let last = -1;
  for (const c of chars) {
    if (typeof c !== 'string' || [...c].length !== 1 || CONTROL.test(c) || LINE_BREAK.test(c) || c === '\uFFFD') return false;
    const code = c.codePointAt(0)!;
    if (code <= last) return false;
    last = code;
  }
  return true;
}

/**
 * makemore.py's CharDataset: characters get indices 1.. in code point order, 0 is <START>/<STOP>.
 * Row i of X is [0, word..., 0...], of Y [word..., 0, -1...] (-1: no loss there).
 */
export class CharDataset {
  readonly stoi: Map<string, number>;
  readonly itos: string[];
  private readonly wordSet: Set<string>;
  constructor(readonly words: string[], readonly chars: string[], readonly maxWordLength: number) {
    this.stoi = new Map(chars.map((ch, i) => [ch, i + 1]));
    this.itos = ['', ...chars];
    this.wordSet = new Set(words);
  }
  get length(): number { return this.words.length; }
  contains(word: string): boolean { return this.wordSet.has(word); }
  /** All the possible characters and the special 0 token. */
  getVocabSize(): number { return this.chars.length + 1; }
  /** <START> token followed by the word's characters. */
  getOutputLength(): number { return this.maxWordLength + 1; }
  encode(word: string): number[] { return [...word].map((ch) => this.stoi.get(ch)!); }
  decode(ix: Iterable<number>): string { return [...ix].map((i) => this.itos[i]).join(''); }

  /** Writes word `idx`'s x and y rows at row `row` of X and Y (each getOutputLength() wide). */
  writeRow(idx: number, X: Int32Array, Y: Int32Array, row: number): void {
    const L = this.getOutputLength(), ix = this.encode(this.words[idx]);
    const x = row * L;
    X.fill(0, x, x + L);
    Y.fill(-1, x, x + L);
    for (let j = 0; j < ix.length; j++) { X[x + 1 + j] = ix[j]; Y[x + j] = ix[j]; }
    Y[x + ix.length] = 0;
  }

  /** The rows of these words, as int32 tensors X and Y of shape (n, getOutputLength()): a batch. */
  batch(indices: ArrayLike<number>): { X: Tensor; Y: Tensor } {
    const L = this.getOutputLength(), n = indices.length;
    const X = new Int32Array(n * L), Y = new Int32Array(n * L);
    for (let r = 0; r < n; r++) this.writeRow(indices[r], X, Y, r);
    return { X: tensor(X, { dtype: 'int32', shape: [n, L] }), Y: tensor(Y, { dtype: 'int32', shape: [n, L] }) };
  }
}

export interface Datasets { train: CharDataset; test: CharDataset; words: string[]; chars: string[]; maxWordLength: number }

/**
 * create_datasets: the words, their characters, and the split of makemore.py: a test set of
 * min(1000, 10%) words, chosen by torch.randperm(n) on the default generator (so seed it first,
 * as makemore.py does with torch.manual_seed(args.seed)).
 */
export function createDatasets(text: string): Datasets {
  const words = parseWords(text);
  // int(len(words) * 0.1) in Python: the same float64 product, truncated.
  const testSetSize = Math.min(1000, Math.trunc(words.length * 0.1));
  if (testSetSize < 1) {
    throw new DataError(`the input file has ${words.length} word${words.length === 1 ? '' : 's'}; makemore needs at least 10 (10% of them, up to 1000, are the test set)`);
  }
  const chars = vocabularyOf(words);
  // (a loop: spreading a million lengths into Math.max overflows the call stack)
  let maxWordLength = 0;
  for (const w of words) maxWordLength = Math.max(maxWordLength, [...w].length);
  const rp = randperm(words.length).toArray() as Int32Array;
  const cut = words.length - testSetSize;
  const trainWords = Array.from(rp.subarray(0, cut), (i) => words[i]);
  const testWords = Array.from(rp.subarray(cut), (i) => words[i]);
  return {
    train: new CharDataset(trainWords, chars, maxWordLength),
    test: new CharDataset(testWords, chars, maxWordLength),
    words, chars, maxWordLength,
  };
}

/** What create_datasets prints, line by line. */
export function datasetSummary(d: Datasets): string[] {
  return [
    `number of examples in the dataset: ${d.words.length}`,
    `max word length: ${d.maxWordLength}`,
    `number of unique characters in the vocabulary: ${d.chars.length}`,
    'vocabulary:',
    d.chars.join(''),
    `split up the dataset into ${d.train.length} training examples and ${d.test.length} test examples`,
  ];
}

/** The state an InfiniteDataLoader resumes from: its generator and the draws it holds. */
export interface LoaderState { generator: ReturnType<Generator['getState']>; pending: number[] }

/**
 * makemore.py's InfiniteDataLoader: DataLoader(dataset, sampler=RandomSampler(dataset,
 * replacement=True), batch_size). Creating its iterator draws the DataLoader's base seed from
 * the default generator (unused without workers); the sampler's first index draws its own seed
 * from the default generator too, then draws torch.randint(n, (32,)) 32 indices at a time from a
 * generator seeded with it; a batch takes the next batch_size of them.
 * NOTE: the two seeds are drawn here, at construction, in their order: nothing in makemore.py
 * uses the default generator between creating the loader and its first batch.
 */
export class InfiniteDataLoader {
  private readonly generator: Generator;
  private pending: number[] = [];
  private readonly chunk = new Int32Array(32);
  constructor(private readonly dataset: CharDataset, private readonly batchSize: number) {
    defaultGenerator().randomLong(); // _BaseDataLoaderIter's _base_seed
    this.generator = new Generator().manualSeed(defaultGenerator().randomLong()); // RandomSampler.__iter__
  }

  /** The next batch's word indices. */
  nextIndices(): number[] {
    const out: number[] = [];
    while (out.length < this.batchSize) {
      if (this.pending.length === 0) {
        this.generator.fillRandint(this.chunk, 0, this.dataset.length);
        this.pending = Array.from(this.chunk);
      }
      out.push(this.pending.shift()!);
    }
    return out;
  }

  next(): { X: Tensor; Y: Tensor } { return this.dataset.batch(this.nextIndices()); }

  getState(): LoaderState { return { generator: this.generator.getState(), pending: [...this.pending] }; }
  setState(s: LoaderState): void {
    const n = this.dataset.length;
    if (!s || !Array.isArray(s.pending) || s.pending.some((i) => !Number.isSafeInteger(i) || i < 0 || i >= n)) {
      throw new Error(`the data loader's state is not valid: its pending batch must hold word numbers from 0 to ${n - 1}`);
    }
    this.generator.setState(s.generator);
    this.pending = [...s.pending];
  }
}

/**
 * The batches of evaluate()'s DataLoader(dataset, shuffle=True, batch_size): its base seed and
 * its RandomSampler's seed come from the default generator, then torch.randperm(n) under that
 * seed orders the words; at most maxBatches + 1 batches (makemore.py's loop breaks after
 * batch index maxBatches). Returns the sampler's seed too (it says which batches these were).
 */
export function evalBatches(dataset: CharDataset, batchSize: number, maxBatches: number | null): { seed: bigint; batches: number[][] } {
  defaultGenerator().randomLong(); // _base_seed
  const seed = defaultGenerator().randomLong();
  const order = randperm(dataset.length, { generator: new Generator().manualSeed(seed) }).toArray() as Int32Array;
  const batches: number[][] = [];
  for (let i = 0; i * batchSize < order.length; i++) {
    batches.push(Array.from(order.subarray(i * batchSize, (i + 1) * batchSize)));
    if (maxBatches !== null && i >= maxBatches) break;
  }
  return { seed, batches };
}

/**
 * torch.tensor(losses).mean().item() for a few float32 losses: ATen's float32 sum (the AVX2
 * build's 8-lane vector accumulator over full groups of 8, the tail summed first, then the 8
 * lanes in order) divided by the count in float32. Exact for up to 32 values (one vector
 * accumulator; checked against torch 1.13 on 20,000 random lists); evaluate() has at most 11.
 */
export function meanAsTorch(losses: readonly number[]): number {
  const n = losses.length;
  if (n > 32) throw new Error(`meanAsTorch: ${n} values; ATen's multi-level sum for more than 32 is not reproduced`);
  const full = Math.floor(n / 8) * 8;
  const lanes = new Float32Array(8);
  for (let i = 0; i < full; i += 8) for (let k = 0; k < 8; k++) lanes[k] = Math.fround(lanes[k] + losses[i + k]);
  let acc = 0;
  for (let i = full; i < n; i++) acc = Math.fround(acc + losses[i]);
  for (let k = 0; k < 8; k++) acc = Math.fround(acc + lanes[k]);
  return Math.fround(acc / n);
}
