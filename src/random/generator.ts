// Generator: torch.Generator (CPU, PyTorch 1.13) in plain TS: randn / normal_, rand / uniform_,
// randint, randperm, exponential_, int64 random_ and multinomial(·, 1), bit for bit
// (rng-parity.md §3–§7; the streams it does not cover are described where they are made and
// listed in tools/fixtures/README.md). Contiguous float32 outputs (plus the float64 uniforms and
// int64 values multinomial and DataLoader seeding need); no other dtypes or distributions.
import { MT19937 } from './mt19937.ts';
import { fma32 } from './fma.ts';

const TWO32 = 4294967296;
const TWO_M24 = 2 ** -24;
const TWO_M53 = 2 ** -53;

/** A binary32 constant from its bit pattern (the §4.3 table lists them this way). */
function f32bits(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0];
}

// §4.3 constants, exactly as stored in the AVX2 kernel's .rodata.
const TWO_PI = f32bits(0x40c90fdb);
const SQRTHF = f32bits(0x3f3504f3);
// log polynomial P0..P8, highest degree first (a Float64Array of binary32 values).
const P = Float64Array.from([0x3d9021bb, 0xbdebd1b8, 0x3def251a, 0xbdfe5d4f, 0x3e11e9bf, 0xbe2aae50, 0x3e4cceac,
  0xbe7ffffc, 0x3eaaaaaa], f32bits);
const Q1 = f32bits(0xb95e8083), Q2 = f32bits(0x3f318000);
const FOPI = f32bits(0x3fa2f983);
// −π/4 split in three (DP1, DP2, DP3): the first two have short mantissas so j·DPk stays exact.
const DP = Float64Array.from([0xbf490000, 0xb97da000, 0xb3222169], f32bits);
const C0 = f32bits(0x37ccf5ce), C1 = f32bits(0xbab6061a), C2 = f32bits(0x3d2aaaa5);
const S0 = f32bits(0xb94ca1f9), S1 = f32bits(0x3c08839e), S2 = f32bits(0xbe2aaaa3);

// 2^-b for b = 0..25, to scale an integer mantissa into [0.5, 1) without a division.
const POW2_NEG = Float64Array.from({ length: 26 }, (_, b) => 2 ** -b);

const fround = Math.fround;

/**
 * Everything needed to resume a generator exactly: JSON-serialisable (numbers and a string).
 * NOTE: a cached normal of -0 would come back as +0 through JSON; that needs u = 0 exactly
 * (probability 2^-53 per pair), so we accept it.
 */
export interface GeneratorState {
  /** The seed given to manualSeed, as a decimal string (it can exceed 2^53). */
  seed: string;
  /** The 624 MT19937 state words. */
  mt: number[];
  /** The MT19937 read index, 0..624. */
  index: number;
  /** The cached binary64 Box–Muller value of the numel < 16 randn path (§4.5), or null. */
  normal: number | null;
}

/**
 * A CPU torch.Generator. Seeding, the u32 stream and every fill match PyTorch 1.13 exactly.
 * @example
 *   const g = new Generator().manualSeed(42);
 *   const C = new Float32Array(27 * 10); g.fillRandn(C);       // torch.randn((27,10), generator=g)
 *   const ix = new Int32Array(32); g.fillRandint(ix, 0, 182625); // torch.randint(0, N, (32,), generator=g)
 */
export class Generator {
  private readonly mt = new MT19937();
  private seed = 67280421310721n; // torch's default_rng_seed_val
  private normal: number | null = null;

  constructor(seed?: number | bigint) {
    this.manualSeed(seed ?? this.seed);
  }

  /**
   * §3 torch.Generator.manual_seed(s). Like torch, a negative seed wraps to 2^64 + s and the
   * engine is seeded (init_genrand) with the low 32 bits; the Box–Muller cache is cleared.
   * initialSeed() still reports the full (wrapped) 64-bit value.
   */
  manualSeed(seed: number | bigint): this {
    if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
      throw new RangeError(`manualSeed: expected an integer seed (number or bigint), got ${seed}`);
    }
    let s = BigInt(seed);
    if (s < -(2n ** 63n) || s >= 2n ** 64n) {
      throw new RangeError(`manualSeed: seed ${s} is outside [-2^63, 2^64) (torch: "Overflow when unpacking long")`);
    }
    if (s < 0n) s += 2n ** 64n;
    this.seed = s;
    this.normal = null;
    this.mt.initGenrand(Number(s & 0xffffffffn));
    return this;
  }

  /** torch.Generator.initial_seed(): the last seed given to manualSeed (wrapped to unsigned 64 bits). */
  initialSeed(): bigint {
    return this.seed;
  }

  /** One raw u32 (torch's `random()`). */
  random(): number {
    return this.mt.nextU32();
  }

  /** §3 random64(): two u32, the FIRST draw is the high word. BigInt: keep it out of hot loops. */
  random64(): bigint {
    const hi = this.mt.nextU32();
    const lo = this.mt.nextU32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /**
   * §3 uniform float64 in [0,1): the low 53 bits of random64, i.e. the low 21 bits of the first
   * word and all 32 of the second, times 2^-53. Done in numbers, exactly.
   */
  private uniform53(): number {
    const hi = this.mt.nextU32() & 0x1fffff;
    const lo = this.mt.nextU32();
    return (hi * TWO32 + lo) * TWO_M53;
  }

  /** torch.rand(out.length) in float32: each element is (u32 & 0xFFFFFF)·2^-24, exact (§3). */
  fillRand(out: Float32Array): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = (this.mt.nextU32() & 0xffffff) * TWO_M24;
    return out;
  }

  /**
   * Tensor.uniform_(from, to) in float32: per element one u32, x = (u32 & 0xFFFFFF)·2^-24,
   * then fma32(x, f32(to − from), from) with from and to rounded to float32 first. The fused
   * multiply-add is what GCC emitted in the AVX2 build PyTorch dispatches to here; with from = 0
   * and to = 1 it is exact, so this equals fillRand.
   */
  fillUniform(out: Float32Array, from = 0, to = 1): Float32Array {
    const a = fround(from), b = fround(to);
    if (!(a <= b)) throw new RangeError(`uniform_: expects to return a [from, to) range, but found from=${from} > to=${to}`);
    const d = fround(b - a);
    if (!Number.isFinite(d)) throw new RangeError(`uniform_: to - from must fit float32, got from=${from}, to=${to}`);
    for (let i = 0; i < out.length; i++) out[i] = fma32((this.mt.nextU32() & 0xffffff) * TWO_M24, d, a);
    return out;
  }

  /** torch.rand(n, dtype=torch.float64): per element one random64, its low 53 bits times 2^-53 (§3). */
  fillRand64(out: Float64Array): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform53();
    return out;
  }

  /**
   * torch.randperm(out.length): out = 0..n−1, then for i = 0..n−2 swap out[i] with
   * out[i + (u32 mod (n − i))]: one u32 per swap, plain modulo, the same for every n PyTorch 1.13
   * takes (it has one CPU path; later versions switch to random64 above ~2^28).
   */
  fillRandperm<T extends Int32Array | Float32Array>(out: T): T {
    const n = out.length;
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = 0; i < n - 1; i++) {
      const z = i + (this.mt.nextU32() % (n - i));
      const t = out[i];
      out[i] = out[z];
      out[z] = t;
    }
    return out;
  }

  /**
   * Tensor.bernoulli_(p) (a number p) into float32: 1 where a uniform float64 (random64's low
   * 53 bits, two u32) is below p, else 0; one draw per element even when p is 0 or 1, as
   * torch's CPU kernel without MKL. F.dropout draws its mask this way with p = 1 − dropout p.
   */
  fillBernoulli(out: Float32Array, p: number): Float32Array {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`bernoulli_: expects 0 <= p <= 1, got ${p}`);
    for (let i = 0; i < out.length; i++) out[i] = this.uniform53() < p ? 1 : 0;
    return out;
  }

  /**
   * `torch.empty((), dtype=torch.int64).random_(generator=g).item()`: random64 mod 2^63.
   * This is how a DataLoader draws its base seed and a RandomSampler without a generator its
   * seed, from the default generator.
   */
  randomLong(): bigint {
    return this.random64() % (1n << 63n);
  }

  /**
   * torch.randn / Tensor.normal_(mean, std) into a contiguous float32 buffer (§4.1 dispatch):
   * 16 or more elements take the AVX2 block fill (§4.2–4.3), fewer take the scalar binary64
   * Box–Muller with its cache (§4.5).
   */
  fillRandn(out: Float32Array, mean = 0, std = 1): Float32Array {
    if (out.length >= 16) this.normalFill(out, fround(mean), fround(std));
    else this.normalSmall(out, mean, std);
    return out;
  }

  /**
   * §4.2 fill algorithm. All uniforms first, in order; then transform full 16-blocks; then, if
   * n is not a multiple of 16, redraw the LAST 16 elements from fresh uniforms and transform
   * that block again. The elements it overlaps lose their first values (and their u32).
   * The Box–Muller cache is neither read nor written.
   */
  private normalFill(out: Float32Array, mean: number, std: number): void {
    const n = out.length;
    this.fillRand(out);
    for (let o = 0; o < n - 15; o += 16) normal16(out, o, mean, std);
    if (n % 16 !== 0) {
      for (let i = n - 16; i < n; i++) out[i] = (this.mt.nextU32() & 0xffffff) * TWO_M24;
      normal16(out, n - 16, mean, std);
    }
  }

  /**
   * §4.5 numel < 16: binary64 Box–Muller, one pair per two elements, with the second value of
   * a pair cached in the generator across calls (manualSeed clears it; the fill path ignores
   * it). u1 and u2 each take one random64; r uses log(1 − u2), not log1p.
   * NOTE: Math.log/cos/sin are V8's fdlibm ports, torch used glibc; the spec measured 1-ulp
   * binary64 differences between the two that vanish after rounding to float32 except very
   * rarely.
   */
  private normalSmall(out: Float32Array, mean: number, std: number): void {
    for (let i = 0; i < out.length; i++) {
      let v: number;
      if (this.normal !== null) {
        v = this.normal;
        this.normal = null;
      } else {
        const u1 = this.uniform53();
        const u2 = this.uniform53();
        const r = Math.sqrt(-2 * Math.log(1 - u2));
        const theta = 2 * Math.PI * u1;
        this.normal = r * Math.sin(theta);
        v = r * Math.cos(theta);
      }
      out[i] = v * std + mean;
    }
  }

  /**
   * torch.randint(low, high, (n,)) (§5): range = high − low; below 2^32 each element is
   * (u32 mod range) + low, one u32 each, no rejection; from 2^32 up it is
   * (random64 mod range) + low. The first case allocates nothing (training draws 32 per step).
   * Int32Array outputs must hold every value in [low, high); use Float64Array (exact below 2^53)
   * or BigInt64Array for wider ranges.
   */
  fillRandint<T extends Int32Array | Float64Array | BigInt64Array>(out: T, low: number | bigint, high: number | bigint): T {
    if (typeof low === 'number' && typeof high === 'number') {
      if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) {
        throw new RangeError(`randint: 'low' and 'high' must be integers, got low=${low}, high=${high}`);
      }
      const range = high - low;
      if (range > 0 && range < TWO32 && !(out instanceof BigInt64Array)) {
        if (out instanceof Int32Array && (low < -2147483648 || high - 1 > 2147483647)) {
          throw new RangeError(`randint: values in [${low}, ${high}) do not fit an Int32Array; pass a Float64Array or BigInt64Array`);
        }
        for (let i = 0; i < out.length; i++) out[i] = (this.mt.nextU32() % range) + low;
        return out;
      }
    }
    const lo = BigInt(low);
    const range = BigInt(high) - lo;
    if (range <= 0n) throw new RangeError(`randint: expected low < high, got low=${low}, high=${high}`);
    if (range >= 2n ** 64n) throw new RangeError(`randint: range ${range} exceeds 2^64`);
    const wide = range >= BigInt(TWO32);
    const hiVal = lo + range - 1n;
    if (out instanceof Int32Array && (lo < -2147483648n || hiVal > 2147483647n)) {
      throw new RangeError(`randint: values in [${low}, ${high}) do not fit an Int32Array; pass a Float64Array or BigInt64Array`);
    }
    if (out instanceof Float64Array && (lo < -(2n ** 53n) || hiVal > 2n ** 53n)) {
      throw new RangeError(`randint: values in [${low}, ${high}) are not exact in a Float64Array; pass a BigInt64Array`);
    }
    if (out instanceof BigInt64Array && (lo < -(2n ** 63n) || hiVal >= 2n ** 63n)) {
      throw new RangeError(`randint: values in [${low}, ${high}) do not fit int64`);
    }
    for (let i = 0; i < out.length; i++) {
      const v = (wide ? this.random64() : BigInt(this.mt.nextU32())) % range + lo;
      if (out instanceof BigInt64Array) out[i] = v;
      else out[i] = Number(v);
    }
    return out;
  }

  /**
   * Tensor.exponential_(lambd) in float32 (§6): per element one uniform float64 u (2 u32) and
   * f32((−1/λ)·log(1 − u)), all in binary64. log(1 − u), not log1p; no MKL path.
   * NOTE: Math.log (fdlibm) and glibc's log differ by 1 ulp in 7.3% of binary64 results, but in
   * none of 300,000 after rounding to float32 (§6).
   */
  fillExponential(out: Float32Array, lambd = 1): Float32Array {
    if (!(lambd > 0)) throw new RangeError(`exponential_: expects lambd > 0, got ${lambd}`);
    const scale = -1 / lambd;
    for (let i = 0; i < out.length; i++) out[i] = scale * Math.log(1 - this.uniform53());
    return out;
  }

  /**
   * torch.multinomial(probs_row, 1) (§7) for one row of `cols` float32 probabilities starting at
   * probs[offset]. Draws a float32 q_i = exponential_(1) for every column (54 u32 per row), then
   * returns argmax_i f32(p_i / q_i), the first index winning ties. Allocates nothing.
   */
  multinomial1(probs: Float32Array, offset = 0, cols = probs.length - offset): number {
    checkProbs(probs, offset, 1, cols);
    return this.sampleRow(probs, offset, cols);
  }

  /**
   * torch.multinomial(probs (rows, cols), 1).flatten(): one index per row. The q tensor is filled
   * in row-major order, so the rows consume the stream in order. All rows are validated before
   * any draw, as torch does, so a bad row leaves the generator untouched.
   */
  multinomial(probs: Float32Array, rows: number, cols: number, out = new Int32Array(rows)): Int32Array {
    if (probs.length < rows * cols) {
      throw new RangeError(`multinomial: 'probs' holds ${probs.length} values, expected rows*cols = ${rows}*${cols}`);
    }
    checkProbs(probs, 0, rows, cols);
    for (let r = 0; r < rows; r++) out[r] = this.sampleRow(probs, r * cols, cols);
    return out;
  }

  private sampleRow(probs: Float32Array, offset: number, cols: number): number {
    let best = -Infinity;
    let arg = 0;
    for (let i = 0; i < cols; i++) {
      // q is stored as float32 before the float32 division; both roundings matter.
      const q = fround(-Math.log(1 - this.uniform53()));
      const r = fround(probs[offset + i] / q);
      // argmax semantics: strictly greater wins, so the first of equals stays; a NaN beats
      // everything and the first NaN stays (q = -0 with p = 0, probability ~2^-53).
      if (r > best || (r !== r && best === best)) {
        best = r;
        arg = i;
      }
    }
    return arg;
  }

  /** A JSON-serialisable snapshot; setState(getState()) continues the identical stream. */
  getState(): GeneratorState {
    const s = this.mt.getState();
    return { seed: this.seed.toString(), mt: Array.from(s.mt), index: s.index, normal: this.normal };
  }

  setState(state: GeneratorState): this {
    if (state.normal !== null && typeof state.normal !== 'number') {
      throw new TypeError(`Generator.setState: 'normal' must be a number or null, got ${typeof state.normal}`);
    }
    this.mt.setState(state);
    this.seed = BigInt(state.seed);
    this.normal = state.normal;
    return this;
  }
}

/** torch's pre-sampling checks (§7): finite, non-negative, and no row summing to zero. */
function checkProbs(probs: Float32Array, offset: number, rows: number, cols: number): void {
  if (cols <= 0 || offset < 0 || offset + rows * cols > probs.length) {
    throw new RangeError(`multinomial: row of ${cols} at offset ${offset} is outside probs (length ${probs.length})`);
  }
  for (let r = 0; r < rows; r++) {
    let any = false;
    for (let i = offset + r * cols, end = i + cols; i < end; i++) {
      const p = probs[i];
      if (!(p >= 0 && p < Infinity)) {
        throw new RangeError(`multinomial: probability tensor contains either inf, nan or element < 0 (row ${r}, col ${i - offset - r * cols}: ${p})`);
      }
      if (p > 0) any = true;
    }
    if (!any) throw new RangeError(`multinomial: invalid multinomial distribution (sum of probabilities <= 0) in row ${r}`);
  }
}

/**
 * §4.2–4.3 one 16-element block, in place: lanes j = 0..7 pair d[o+j] (→ u1 = 1 − d) with
 * d[o+j+8] (→ u2), and store radius·cos θ and radius·sin θ back into those two slots, then
 * ·std + mean with a fused multiply-add. Every step is one binary32 operation (Math.fround
 * after a binary64 op) or one emulated FMA, in the order GCC 12 emitted for avx_mathfun.
 */
function normal16(d: Float32Array, o: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const a = o + j;
    const b = a + 8;
    // u1 = 1 − d with d = k·2^-24, so u1 = K·2^-24 for the integer K = 2^24 − k in [1, 2^24].
    // That hands us log's exponent/mantissa split without reinterpreting bits: see logU1.
    const K = 16777216 - d[a] * 16777216;
    const radius = fround(Math.sqrt(fround(logU1(K) * -2)));
    sincos(fround(TWO_PI * d[b]));
    const n1 = fround(radius * COS);
    const n2 = fround(radius * SIN);
    // NOTE: keep the fma even for std=1, mean=0: it turns a −0 (radius 0 when u1 = 1) into +0.
    d[a] = fma32(n1, std, mean);
    d[b] = fma32(n2, std, mean);
  }
}

// sincos's two results. Module-level slots instead of a returned pair: the block loop stays
// allocation-free without relying on escape analysis.
let SIN = 0;
let COS = 0;

/**
 * §4.3 sincos256_ps for one lane, θ ≥ 0 (θ = 2π·u2 here): Cephes' sinf/cosf. Reduce by the
 * even octant index j (Cody–Waite, π/4 in three parts), evaluate both polynomials on the
 * reduced x, then pick and sign them by j. Writes SIN and COS.
 */
function sincos(theta: number): void {
  // j = trunc(θ·4/π) rounded up to even; |θ| = θ and the sine sign starts positive.
  const j = (Math.trunc(fround(theta * FOPI)) + 1) & ~1;
  // x = θ − j·π/4 as x = fma32(j, DPk, x) for k = 1, 2, 3 (DPk are −π/4 in three parts).
  let x = theta;
  for (let k = 0; k < 3; k++) x = fma32(j, DP[k], x);
  const z = fround(x * x);
  // cos polynomial: 1 − z/2 + z²·(C2 + z·(C1 + z·C0)), with the fusion GCC chose.
  let c = fma32(z, C0, C1);
  c = fma32(z, c, C2);
  const h = fround(z * 0.5);
  c = fround(z * c);
  c = fma32(c, z, -h);
  c = fround(c + 1);
  // sin polynomial: x + x·z·(S2 + z·(S1 + z·S0)).
  let s = fma32(z, S0, S1);
  s = fma32(z, s, S2);
  s = fround(s * z);
  s = fma32(s, x, x);
  // j mod 4 = 2 swaps the polynomials. The sine flips when bit 2 of j is set, the cosine when
  // bit 2 of (j − 2) is clear, in two's complement (j = 0 gives −2, bit 2 set: no flip).
  const swap = (j & 2) !== 0;
  const sin = swap ? c : s;
  const cos = swap ? s : c;
  SIN = (j & 4) !== 0 ? -sin : sin;
  COS = ((j - 2) & 4) === 0 ? -cos : cos;
}

/**
 * §4.3 log256_ps for one lane, for x = K·2^-24 with integer K in [1, 2^24] (always the case for
 * u1 here). Cephes' logf: x = m·2^e with m in [0.5, 1), shifted to [√½, √2) so t = m' − 1 is
 * small, then a degree-8 polynomial in t with fused multiply-adds.
 */
function logU1(K: number): number {
  // bit length of K gives the exponent: x = (K / 2^bl) · 2^(bl − 24), mantissa in [0.5, 1).
  const bl = 32 - Math.clz32(K);
  const m = K * POW2_NEG[bl];
  let e = bl - 24;
  let t: number;
  // These subtractions are exact in binary32 (Sterbenz), so no rounding is needed.
  if (m < SQRTHF) {
    e -= 1;
    t = m - 1 + m;
  } else {
    t = m - 1;
  }
  // Horner: y = P0, then y = fma32(y, t, Pk) for k = 1..8 (eight FMAs). One call site keeps the
  // function small enough for V8 to inline every fma32.
  let y = P[0];
  for (let k = 1; k < 9; k++) y = fma32(y, t, P[k]);
  const z = fround(t * t);
  y = fround(y * t);
  // e·Q1 is rounded on its own; y·z is fused into the add (§4.3 step 5).
  y = fma32(y, z, fround(e * Q1));
  y = fma32(-z, 0.5, y);
  const r = fround(t + y);
  return fma32(e, Q2, r);
}
