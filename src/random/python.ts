// PythonRandom: CPython 3.11's `random.Random` for the calls the makemore notebook makes:
// seed(int), getrandbits, randbelow, shuffle, random() (rng-parity.md §2). It leaves out
// seeding from str/bytes/None, the other distributions and the legacy version=1 seeding.
import { MT19937 } from './mt19937.ts';

const TWO32 = 4294967296;

/**
 * A deterministic stand-in for `random.Random(seed)`.
 * @example
 *   const rng = new PythonRandom(42);
 *   rng.shuffle(words); // same order as random.seed(42); random.shuffle(words)
 */
export class PythonRandom {
  readonly mt = new MT19937();

  constructor(seed: number | bigint = 0) {
    this.seed(seed);
  }

  /**
   * §2.1: random.seed(n) for an int n. |n| is split into 32-bit words, least significant
   * first (at least one word, so 0 gives [0]), and passed to init_by_array.
   */
  seed(seed: number | bigint): void {
    if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
      throw new RangeError(`PythonRandom.seed: expected an integer (number or bigint), got ${seed}`);
    }
    let n = BigInt(seed);
    if (n < 0n) n = -n;
    const key: number[] = [];
    do {
      key.push(Number(n & 0xffffffffn));
      n >>= 32n;
    } while (n > 0n);
    this.mt.initByArray(key);
  }

  /** §2.2 for 0 ≤ k ≤ 32: the top k bits of one word, as a number. No BigInt involved. */
  getrandbits32(k: number): number {
    if (k === 0) return 0;
    return this.mt.nextU32() >>> (32 - k);
  }

  /**
   * §2.2 random.getrandbits(k) for any k ≥ 0. Words fill 32 bits at a time from the least
   * significant end; the last partial word keeps its top bits (u32 >> (32 − rest)).
   */
  getrandbits(k: number): bigint {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`getrandbits: k must be a non-negative integer, got ${k}`);
    if (k <= 32) return BigInt(this.getrandbits32(k));
    let out = 0n;
    let shift = 0n;
    for (let rest = k; rest > 0; rest -= 32) {
      const w = rest >= 32 ? this.mt.nextU32() : this.mt.nextU32() >>> (32 - rest);
      out |= BigInt(w) << shift;
      shift += 32n;
    }
    return out;
  }

  /**
   * §2.3 randbelow(n): k = bit_length(n) (of n, not n−1), draw getrandbits(k) and reject
   * while ≥ n. Numbers below 2^32 take a BigInt-free path; larger n go through BigInt.
   */
  randbelow(n: number): number;
  randbelow(n: bigint): bigint;
  randbelow(n: number | bigint): number | bigint {
    if (typeof n === 'number') {
      if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`randbelow: n must be a positive safe integer, got ${n}`);
      if (n < TWO32) {
        const k = 32 - Math.clz32(n);
        let r = this.getrandbits32(k);
        while (r >= n) r = this.getrandbits32(k);
        return r;
      }
      return Number(this.randbelow(BigInt(n)));
    }
    if (n <= 0n) throw new RangeError(`randbelow: n must be positive, got ${n}`);
    const k = n.toString(2).length;
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** §2.4 random.shuffle(x), in place: for i = len−1 down to 1, swap x[i] with x[randbelow(i+1)]. */
  shuffle<T>(x: T[]): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1);
      const t = x[i];
      x[i] = x[j];
      x[j] = t;
    }
  }

  /** random.random(): 53 bits from two words (a = top 27 bits, b = top 26), in [0, 1). */
  random(): number {
    const a = this.mt.nextU32() >>> 5;
    const b = this.mt.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}
