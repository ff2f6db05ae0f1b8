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
 * rounding exact. See src/random/fma.ts, the same method in TS. Not @inline: the optimizer
 * kernels call it a few times per element, and a call keeps the wasm (which the page downloads)
 * smaller than a copy at each call site.
 */
export function fma32(a: f32, b: f32, c: f32): f32 {
  const p = <f64>a * <f64>b;
  const s = p + <f64>c;
  const f = <f32>s;
  if (<f64>f == s) return f;
  // s is an f32 midpoint iff g, the f32 on the far side of s from f, is itself an f32.
  const g = <f64>f + 2 * (s - <f64>f);
  if (<f64>(<f32>g) != g && isFinite(f)) return f;
  return fma32Odd(p, <f64>c, s, f);
}

/** fma32's rare path: s = p + c sits on an f32 midpoint (or overflowed); round to odd. */
function fma32Odd(p: f64, c: f64, s: f64, f: f32): f32 {
  const bv = s - p;
  const e = (p - (s - bv)) + (c - bv);
  if (e == 0 || isNaN(e)) return f;
  let bits = reinterpret<u64>(s);
  if ((bits & 1) != 0) return f;
  bits = (e > 0) == (s > 0) ? bits | 1 : bits - 1;
  return <f32>reinterpret<f64>(bits);
}
