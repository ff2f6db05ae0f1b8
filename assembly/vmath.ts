// Vector math for kernels that need exp, erf or tanh: float64 lanes (f64x2) and a scalar twin
// that runs the same operations in the same order, so SIMD bodies, scalar tails and the scalar
// build give the same bits. Float64 throughout, for float32 results that round once (within
// 1 float32 ulp of the true value). Leaves out: float64-accurate results (the errors below are
// far under a float32 ulp, not under a float64 one).

// f32x4 <-> two f64x2: the low and high lane pairs, and back.
// @ts-ignore: decorator
@inline export function lo64(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
// @ts-ignore: decorator
@inline export function hi64(v: v128): v128 { return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)); }
// @ts-ignore: decorator
@inline export function narrow(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

// exp(x) = 2^n * e^r, n = nearest(x / ln 2), r = x - n ln 2 (|r| <= ln2/2) by Cody and Waite's
// two-part ln 2 (LN2_HI has its low 21 bits zero, so n * LN2_HI is exact), e^r by its Taylor
// series to r^11 (relative error under 1e-14). x is clamped to +-200 first: every float32 result
// is already 0 or Infinity there, and 2^n stays a normal float64. A NaN passes the clamps
// (pmin/pmax keep their first operand when a comparison fails) and comes out NaN.
const LOG2E: f64 = 1.4426950408889634;
const LN2_HI: f64 = 0.6931471803691238;
const LN2_LO: f64 = 1.9082149292705877e-10;
const XMAX: f64 = 200;
// 1.5 * 2^52: adding it to an integer n (|n| < 2^51) puts n in the low mantissa bits.
const MAGIC: f64 = 6755399441055744;
const T2: f64 = 1.0 / 2, T3: f64 = 1.0 / 6, T4: f64 = 1.0 / 24, T5: f64 = 1.0 / 120, T6: f64 = 1.0 / 720;
const T7: f64 = 1.0 / 5040, T8: f64 = 1.0 / 40320, T9: f64 = 1.0 / 362880, T10: f64 = 1.0 / 3628800, T11: f64 = 1.0 / 39916800;

// @ts-ignore: decorator
@inline function vpoly(r: v128): v128 {
  let p = f64x2.add(f64x2.mul(f64x2.splat(T11), r), f64x2.splat(T10));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(T9));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(T8));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(T7));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(T6));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(T5));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(T4));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(T3));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(T2));
  p = f64x2.add(f64x2.mul(p, r), f64x2.splat(1));
  return f64x2.add(f64x2.mul(p, r), f64x2.splat(1));
}

// @ts-ignore: decorator
@inline function spoly(r: f64): f64 {
  let p = T11 * r + T10;
  p = p * r + T9;
  p = p * r + T8;
  p = p * r + T7;
  p = p * r + T6;
  p = p * r + T5;
  p = p * r + T4;
  p = p * r + T3;
  p = p * r + T2;
  p = p * r + 1;
  return p * r + 1;
}

/** e^x in both f64x2 lanes. */
// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  x = f64x2.pmax(f64x2.pmin(x, f64x2.splat(XMAX)), f64x2.splat(-XMAX));
  const n = f64x2.nearest(f64x2.mul(x, f64x2.splat(LOG2E)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(n, f64x2.splat(LN2_HI))), f64x2.mul(n, f64x2.splat(LN2_LO)));
  const ni = i64x2.sub(f64x2.add(n, f64x2.splat(MAGIC)), f64x2.splat(MAGIC)); // n as i64 (bit patterns)
  const scale = i64x2.shl(i64x2.add(ni, i64x2.splat(1023)), 52);
  return f64x2.mul(vpoly(r), scale);
}

/** e^x, the same operations as vexp on one value. */
// @ts-ignore: decorator
@inline export function sexp(x: f64): f64 {
  x = XMAX < x ? XMAX : x;
  x = x < -XMAX ? -XMAX : x;
  const n = nearest<f64>(x * LOG2E);
  const r = (x - n * LN2_HI) - n * LN2_LO;
  const ni = reinterpret<i64>(n + MAGIC) - reinterpret<i64>(MAGIC);
  return spoly(r) * reinterpret<f64>((ni + 1023) << 52);
}

// tanh(u) = 1 - 2 / (e^(2u) + 1). Absolute error ~1e-16; relative error grows for |u| below
// ~1e-8, so this is for uses like 1 + tanh(u) (gelu), not a general tanh.
// @ts-ignore: decorator
@inline export function vtanh(u: v128): v128 {
  const e = vexp(f64x2.add(u, u));
  return f64x2.sub(f64x2.splat(1), f64x2.div(f64x2.splat(2), f64x2.add(e, f64x2.splat(1))));
}

// @ts-ignore: decorator
@inline export function stanh(u: f64): f64 {
  return 1 - 2 / (sexp(u + u) + 1);
}

// erf(x) ~ x * h(x^2/8 - 1) on |x| <= 4, h a degree-20 polynomial, max absolute error 1.5e-11
// (tools/erf_fit.py derives and checks it). |x| > 4 is clamped to 4, where float32 erf is +-1.
const ERF = memory.data<f64>([
  0.3535309956441507, -0.17657623321206217, 0.13167511672351623,
  -0.10771044904052929, 0.0902090009214031, -0.07472772606188144,
  0.0598867994774584, -0.04576648202673131, 0.03306146960357637,
  -0.02246618306979384, 0.01434573523104881, -0.008630038714784037,
  0.004864631807936296, -0.002530354947804818, 0.001272317850127374,
  -0.0006730880882459759, 0.00029918666208865024, -7.231602445475276e-05,
  3.107158893809279e-05, -3.671428413758116e-05, 1.3256109655622066e-05,
]);
const ERF_DEG = 20;

/** erf(x) in both f64x2 lanes. */
// @ts-ignore: decorator
@inline export function verf(x: v128): v128 {
  x = f64x2.pmax(f64x2.pmin(x, f64x2.splat(4)), f64x2.splat(-4));
  const s = f64x2.sub(f64x2.mul(f64x2.mul(x, x), f64x2.splat(0.125)), f64x2.splat(1));
  let h = f64x2.splat(load<f64>(ERF + (<usize>ERF_DEG << 3)));
  for (let i = ERF_DEG - 1; i >= 0; i--) h = f64x2.add(f64x2.mul(h, s), f64x2.splat(load<f64>(ERF + (<usize>i << 3))));
  return f64x2.mul(x, h);
}

/** erf(x), the same operations as verf on one value. */
// @ts-ignore: decorator
@inline export function serf(x: f64): f64 {
  x = 4 < x ? 4 : x;
  x = x < -4 ? -4 : x;
  const s = x * x * 0.125 - 1;
  let h = load<f64>(ERF + (<usize>ERF_DEG << 3));
  for (let i = ERF_DEG - 1; i >= 0; i--) h = h * s + load<f64>(ERF + (<usize>i << 3));
  return x * h;
}
