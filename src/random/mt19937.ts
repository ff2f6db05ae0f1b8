// MT19937: the 32-bit Mersenne Twister shared by CPython's `random` and torch's CPU generator
// (rng-parity.md §1). Plain TS over a Uint32Array; no distributions here, only the word stream
// and the two seeding procedures (init_genrand for torch, init_by_array for CPython).

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;

/** A snapshot of the engine: a copy of the 624 state words and the read index (0..624). */
export interface MT19937State {
  mt: Uint32Array;
  index: number;
}

/**
 * The raw engine. `nextU32()` returns tempered 32-bit words as non-negative numbers.
 * @example
 *   const mt = new MT19937(); mt.initGenrand(42);
 *   mt.nextU32(); // 1608637542, same as std::mt19937(42)()
 */
export class MT19937 {
  readonly mt = new Uint32Array(N);
  index = N;

  constructor() {
    // The reference engines default to 5489 when used unseeded; do the same so an
    // accidentally unseeded engine is still deterministic.
    this.initGenrand(5489);
  }

  /**
   * §1 init_genrand(s): mt[0] = s mod 2^32, then Knuth's multiplicative recurrence.
   * The index is set to 624 so that the first draw regenerates the whole block.
   */
  initGenrand(seed: number): void {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1];
      // Math.imul keeps the low 32 bits of the product, which is all the recurrence uses.
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.index = N;
  }

  /**
   * §1 init_by_array(key) (CPython's seeding): start from init_genrand(19650218), mix the key
   * in over max(624, len) steps, run a second diffusion pass of 623 steps, then force
   * mt[0] = 0x80000000 so the state can never be all zeros.
   */
  initByArray(key: ArrayLike<number>): void {
    const mt = this.mt;
    const len = key.length;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, len); k > 0; k--) {
      const prev = mt[i - 1];
      // (mt[i] ^ prod) is a signed int32 here; adding key[j] + j stays far below 2^53,
      // so the final >>> 0 reduces the exact sum mod 2^32.
      mt[i] = ((mt[i] ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + (key[j] >>> 0) + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= len) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1];
      mt[i] = ((mt[i] ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = UPPER;
    this.index = N;
  }

  /** §1 regeneration: the twist over all 624 words, done in place in index order. */
  private twist(): void {
    const mt = this.mt;
    for (let k = 0; k < N; k++) {
      // (k+1) and (k+397) wrap mod 624; the words they read past the wrap were already
      // rewritten in this pass, which is what the reference's in-place loop does too.
      const y = (mt[k] & UPPER) | (mt[k + 1 < N ? k + 1 : k + 1 - N] & LOWER);
      const src = mt[k + M < N ? k + M : k + M - N];
      mt[k] = src ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    this.index = 0;
  }

  /** One tempered output word in [0, 2^32). */
  nextU32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  getState(): MT19937State {
    return { mt: this.mt.slice(), index: this.index };
  }

  setState(state: { mt: ArrayLike<number>; index: number }): void {
    if (state.mt.length !== N) {
      throw new RangeError(`MT19937.setState: 'mt' must hold ${N} words, got ${state.mt.length}`);
    }
    if (!Number.isInteger(state.index) || state.index < 0 || state.index > N) {
      throw new RangeError(`MT19937.setState: 'index' must be an integer in [0, ${N}], got ${state.index}`);
    }
    for (let i = 0; i < N; i++) this.mt[i] = state.mt[i] >>> 0;
    this.index = state.index;
  }
}
