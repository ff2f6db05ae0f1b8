import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fma32 } from '../../src/random/fma.ts';

// Exact reference: a·b + c as a BigInt times a power of two, rounded to binary32 by hand
// (nearest, ties to even, gradual underflow, overflow to infinity).

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** A finite double as [sign, integer mantissa, exponent] with x = ±m·2^e. */
function decompose(x: number): [number, bigint, number] {
  F64[0] = x;
  const b = U64[0];
  const sign = b >> 63n ? -1 : 1;
  const ex = Number((b >> 52n) & 0x7ffn);
  const frac = b & ((1n << 52n) - 1n);
  return ex === 0 ? [sign, frac, -1074] : [sign, frac | (1n << 52n), ex - 1075];
}

function exactFma32(a: number, b: number, c: number): number {
  const [sa, ma, ea] = decompose(a);
  const [sb, mb, eb] = decompose(b);
  const [sc, mc, ec] = decompose(c);
  const ep = ea + eb;
  const e0 = Math.min(ep, ec);
  const n = BigInt(sa * sb) * ma * mb * (1n << BigInt(ep - e0)) + BigInt(sc) * mc * (1n << BigInt(ec - e0));
  if (n === 0n) {
    // An exact zero sum is +0 in round-to-nearest unless both addends are -0.
    const pIsNegZero = ma * mb === 0n && sa * sb < 0;
    const cIsNegZero = mc === 0n && sc < 0;
    return pIsNegZero && cIsNegZero ? -0 : 0;
  }
  const neg = n < 0n;
  const mag = neg ? -n : n;
  const top = e0 + mag.toString(2).length - 1; // exponent of the leading bit
  const ulpExp = Math.max(top - 23, -149);
  let q: bigint;
  if (ulpExp <= e0) q = mag << BigInt(e0 - ulpExp);
  else {
    const sh = BigInt(ulpExp - e0);
    q = mag >> sh;
    const rem = mag & ((1n << sh) - 1n);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  }
  const v = Number(q) * 2 ** ulpExp;
  const r = v >= 2 ** 128 ? Infinity : v;
  return neg ? -r : r;
}

/** Deterministic 32-bit stream for building cases (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function f32FromBits(bits: number): number {
  U32[0] = bits >>> 0;
  return F32[0];
}

/** A finite binary32 with sign, a random mantissa and a biased exponent in [lo, hi]. */
function randomF32(next: () => number, lo: number, hi: number): number {
  const e = lo + (next() % (hi - lo + 1));
  return f32FromBits(((next() & 1) << 31) | (e << 23) | (next() & 0x7fffff));
}

function same(x: number, y: number): boolean {
  return Object.is(x, y);
}

test('fma32: 20,000 random cases match exact rational arithmetic', () => {
  const next = rng(1234);
  let bad = 0;
  const fails: string[] = [];
  for (let i = 0; i < 20000; i++) {
    // Mix of exponent ranges: ordinary, wide (cancellation and absorption), and subnormal.
    const kind = i % 4;
    const [lo, hi] = kind === 0 ? [120, 134] : kind === 1 ? [1, 254] : kind === 2 ? [100, 154] : [0, 60];
    const a = randomF32(next, lo, hi), b = randomF32(next, lo, hi);
    // Half the time, pick c near −a·b so the add cancels.
    const c = i % 2 ? randomF32(next, lo, hi) : Math.fround(-(a * b) * (1 + ((next() % 64) - 32) * 2 ** -22));
    const got = fma32(a, b, c), want = exactFma32(a, b, c);
    if (!same(got, want)) {
      bad++;
      if (fails.length < 5) fails.push(`fma32(${a}, ${b}, ${c}) = ${got}, exact ${want}`);
    }
  }
  assert.is(bad, 0, fails.join('\n'));
});

test('fma32: constructed double-rounding cases (a·b + c lands within 2^-53 of a binary32 midpoint)', () => {
  // a = (1 + i·2^-23)·2^k and b = (1 − i·2^-23)·2^l give a·b = 2^(k+l)·(1 − i²·2^-46): just below a
  // power of two by far less than a binary64 ulp of c + a·b. With c's half-ulp equal to 2^(k+l), the
  // binary64 sum rounds onto c's binary32 midpoint and the naive fround(a*b + c) then rounds the tie.
  const next = rng(99);
  let bad = 0, naiveBad = 0;
  const fails: string[] = [];
  for (let n = 0; n < 20000; n++) {
    const i = 1 + (next() % 511);
    const k = (next() % 40) - 20, l = (next() % 40) - 20;
    const a = Math.fround((1 + i * 2 ** -23) * 2 ** k);
    const b = Math.fround((1 - i * 2 ** -23) * 2 ** l) * (next() & 1 ? -1 : 1);
    // c has ulp 2^(k+l+1): exponent k+l+24, random mantissa (odd or even), random sign.
    const ce = k + l + 24 + 127;
    const c = f32FromBits(((next() & 1) << 31) | (ce << 23) | (next() & 0x7fffff));
    const got = fma32(a, b, c), want = exactFma32(a, b, c);
    if (!same(got, want)) {
      bad++;
      if (fails.length < 5) fails.push(`fma32(${a}, ${b}, ${c}) = ${got}, exact ${want}`);
    }
    if (!same(Math.fround(a * b + c), want)) naiveBad++;
  }
  assert.is(bad, 0, fails.join('\n'));
  // The cases really are hard: the naive emulation gets a large share of them wrong.
  console.log(`  fma32 hard cases: naive fround(a*b+c) wrong on ${naiveBad} of 20000, fma32 on ${bad}`);
  assert.ok(naiveBad > 1000, `naive fround(a*b+c) should fail often here, failed ${naiveBad} times`);
});

test('fma32: signed zeros, infinities and NaN follow IEEE', () => {
  assert.ok(same(fma32(-0, 1, 0), 0), '-0·1 + 0 = +0');
  assert.ok(same(fma32(-0, 1, -0), -0), '-0·1 + -0 = -0');
  assert.ok(same(fma32(1, 1, -1), 0), 'exact cancellation gives +0');
  assert.is(fma32(Infinity, 1, 1), Infinity);
  assert.ok(Number.isNaN(fma32(Infinity, 0, 1)));
  assert.ok(Number.isNaN(fma32(NaN, 1, 1)));
  const max = f32FromBits(0x7f7fffff);
  assert.is(fma32(max, 2, -max), max, 'no spurious overflow: a·b is held exactly');
  assert.is(fma32(max, max, 0), Infinity);
});

test('fma32: the doc example is exact', () => {
  assert.is(fma32(Math.fround(1 + 2 ** -23), Math.fround(1 - 2 ** -23), -1), -(2 ** -46));
});

test.run();
