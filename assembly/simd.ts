// Small shared helpers for the kernels. Nothing here allocates.

/** First byte JS may use: everything below belongs to the module's static data. */
export const HEAP_BASE: usize = __heap_base;

/** Sum of the four f32 lanes of v. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * f32(a·b + c) rounded once, as a hardware fused multiply-add (PyTorch's CPU kernels use them:
 * `add_(x, alpha=a)` is fma(x, a, self) in its AVX2 build). a·b is exact in f64; the f64 sum s
 * rounds once more, which is wrong only when s lands exactly on an f32 midpoint; then
 * round-to-odd (TwoSum's error nudges s one f64 ulp towards the exact value) makes the final
 * rounding exact. See src/random/fma.ts, the same method in TS. Inlined, with its rare path: the
 * optimizers call it a few times per element.
 */
// @ts-ignore: decorator
@inline export function fma32(a: f32, b: f32, c: f32): f32 {
  const p = <f64>a * <f64>b;
  const s = p + <f64>c;
  const f = <f32>s;
  if (<f64>f == s) return f;
  // s is an f32 midpoint iff g, the f32 on the far side of s from f, is itself an f32.
  const g = <f64>f + 2 * (s - <f64>f);
  if (<f64>(<f32>g) != g && isFinite(f)) return f;
  return fma32Odd(p, <f64>c, s, f);
}

/**
 * fma32 on four lanes (f32x4 a·b + c, each lane rounded once), bit for bit fma32's: the products
 * and sums in two f64x2 halves, the same exactness test per lane, and all four lanes through
 * fma32 in the rare case that a lane sits on an f32 midpoint (or is not finite).
 */
// @ts-ignore: decorator
@inline export function fma32x4(a: v128, b: v128, c: v128): v128 {
  const sl = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)), f64x2.promote_low_f32x4(c));
  const ah = v128.shuffle<f32>(a, a, 2, 3, 0, 1), bh = v128.shuffle<f32>(b, b, 2, 3, 0, 1), ch = v128.shuffle<f32>(c, c, 2, 3, 0, 1);
  const sh = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(ah), f64x2.promote_low_f32x4(bh)), f64x2.promote_low_f32x4(ch));
  const fl = f32x4.demote_f64x2_zero(sl), fh = f32x4.demote_f64x2_zero(sh);
  if (fmaHalfNeedsCare(sl, fl) || fmaHalfNeedsCare(sh, fh)) return fma32x4Lanes(a, b, c);
  return v128.shuffle<f32>(fl, fh, 0, 1, 4, 5);
}

/** Whether a lane of s (f64x2), rounded to f (f32 lanes 0, 1), needs fma32's careful path. */
// @ts-ignore: decorator
@inline function fmaHalfNeedsCare(s: v128, f: v128): bool {
  const back = f64x2.promote_low_f32x4(f);
  const inexact = v128.not(f64x2.eq(back, s));
  if (!v128.any_true(inexact)) return false;
  const g = f64x2.add(back, f64x2.mul(f64x2.splat(2), f64x2.sub(s, back)));
  const gIsF32 = f64x2.eq(f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(g)), g);
  const finite = f64x2.lt(f64x2.abs(back), f64x2.splat(Infinity));
  return v128.any_true(v128.and(inexact, v128.or(gIsF32, v128.not(finite))));
}

// @ts-ignore: decorator
@inline function fma32x4Lanes(a: v128, b: v128, c: v128): v128 {
  let r = f32x4.splat(fma32(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0), f32x4.extract_lane(c, 0)));
  r = f32x4.replace_lane(r, 1, fma32(f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1), f32x4.extract_lane(c, 1)));
  r = f32x4.replace_lane(r, 2, fma32(f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2), f32x4.extract_lane(c, 2)));
  return f32x4.replace_lane(r, 3, fma32(f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3), f32x4.extract_lane(c, 3)));
}

/**
 * fma32's rare path: s = p + c sits on an f32 midpoint (or overflowed); round to odd. Inlined too:
 * a call anywhere in a kernel's loop makes V8 keep its vectors in memory (2.5x slower SGD).
 */
// @ts-ignore: decorator
@inline function fma32Odd(p: f64, c: f64, s: f64, f: f32): f32 {
  const bv = s - p;
  const e = (p - (s - bv)) + (c - bv);
  if (e == 0 || isNaN(e)) return f;
  let bits = reinterpret<u64>(s);
  if ((bits & 1) != 0) return f;
  bits = (e > 0) == (s > 0) ? bits | 1 : bits - 1;
  return <f32>reinterpret<f64>(bits);
}
