// tanh as a clamped rational function in f32x4, and its backward from the saved output.
// Leaves out: an exact libm tanh. Max abs error vs Math.tanh is 3.7e-7 over every float32
// (6 ulps of the correctly rounded result at worst); tests/kernels/tanh.test.ts checks a sweep.

// see: Eigen, Eigen/src/Core/arch/Default/GenericPacketMathFunctions.h, ptanh_float (the
// EIGEN_FAST_MATH branch): a [9,8] odd/even minimax rational from rminimax on [-8.67, 8.67],
//   tanh(x) ~ (x + x^3 * P(x^2)) / Q(x^2),
// with the input clamped to ±C. With separate mul and add (simd and scalar builds) C is Eigen's
// 7.90738964, the smallest float32 where the rational is exactly 1. The relaxed build uses
// relaxed_madd, which may or may not fuse depending on the CPU, so it clamps at 9 instead and then
// clamps the result to ±1: exactly ±1 at the ends either way, max error 3.3e-7 instead of 3.7e-7.
const RELAXED = ASC_FEATURE_SIMD && ASC_FEATURE_RELAXED_SIMD;
const C: f32 = RELAXED ? 9 : 7.90738964080810547;
const P3: f32 = 1.394553628e-8;
const P2: f32 = 2.102733560e-5;
const P1: f32 = 3.520756727e-3;
const P0: f32 = 1.340216100e-1;
const Q4: f32 = 8.015776984e-7;
const Q3: f32 = 3.326951409e-4;
const Q2: f32 = 2.597254514e-2;
const Q1: f32 = 4.673548340e-1;
const Q0: f32 = 1.0;

// The constants as f32x4 rows in static data, loaded once per call: V8 rematerialises a
// v128.const inside the loop every iteration (the loop ran at 1.7 ns/element that way, 0.8 now).
const K = memory.data<f32>([
  C, C, C, C, -C, -C, -C, -C, P3, P3, P3, P3, P2, P2, P2, P2, P1, P1, P1, P1, P0, P0, P0, P0,
  Q4, Q4, Q4, Q4, Q3, Q3, Q3, Q3, Q2, Q2, Q2, Q2, Q1, Q1, Q1, Q1, Q0, Q0, Q0, Q0, 1, 1, 1, 1, -1, -1, -1, -1,
], 16);

// a*b + c: fused in the relaxed build where the CPU has FMA, else one rounding each.
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (RELAXED) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// NOTE: pmin(x, C) = (C < x ? C : x) and pmax(x, -C) = (x < -C ? -C : x): a NaN x fails both
// comparisons and passes through, so NaN propagates (f32x4.min/max would too, but V8 lowers
// them to NaN-fixing sequences that cost twice the time here). -0 passes through: x^3 * P + x = -0.
// @ts-ignore: decorator
@inline function tanh4(v: v128, c: v128, nc: v128, p3: v128, p2: v128, p1: v128, p0: v128,
  q4: v128, q3: v128, q2: v128, q1: v128, q0: v128, one: v128, mone: v128): v128 {
  const x = f32x4.pmax(f32x4.pmin(v, c), nc);
  const x2 = f32x4.mul(x, x), x3 = f32x4.mul(x2, x);
  let p = madd(p3, x2, p2);
  let q = madd(q4, x2, q3);
  p = madd(p, x2, p1);
  q = madd(q, x2, q2);
  p = madd(p, x2, p0);
  q = madd(q, x2, q1);
  q = madd(q, x2, q0);
  const r = f32x4.div(madd(x3, p, x), q);
  return RELAXED ? f32x4.pmax(f32x4.pmin(r, one), mone) : r;
}

// The scalar build's version: the same operations in the same order as tanh4 without relaxed.
// @ts-ignore: decorator
@inline function tanh1(x: f32): f32 {
  x = select<f32>(C, x, C < x);
  x = select<f32>(-C, x, x < -C);
  const x2 = x * x, x3 = x2 * x;
  const p = ((P3 * x2 + P2) * x2 + P1) * x2 + P0;
  const q = (((Q4 * x2 + Q3) * x2 + Q2) * x2 + Q1) * x2 + Q0;
  return (x3 * p + x) / q;
}

// inp (N) -> out (N) = tanh(inp); backward keeps out. out may alias inp. ref: src/ref/tanh.ts
// In SIMD builds the last 1-3 elements go through the same f32x4 code as the rest (lane-wise
// loads and stores), so every element of a call is computed the same way, even with relaxed FMA.
// Threads: by elements (shares start at multiples of 4, so even the relaxed build's FMA lanes line up).
// @split N: out += 1, inp += 1
// @reads inp[u0:u1]
// @writes out[u0:u1]
export function tanh_forward(out: usize, inp: usize, N: i32): void {
  if (ASC_FEATURE_SIMD) {
    const c = v128.load(K), nc = v128.load(K, 16);
    const p3 = v128.load(K, 32), p2 = v128.load(K, 48), p1 = v128.load(K, 64), p0 = v128.load(K, 80);
    const q4 = v128.load(K, 96), q3 = v128.load(K, 112), q2 = v128.load(K, 128), q1 = v128.load(K, 144), q0 = v128.load(K, 160);
    const one = v128.load(K, 176), mone = v128.load(K, 192);
    let i = 0;
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, tanh4(v128.load(inp + o), c, nc, p3, p2, p1, p0, q4, q3, q2, q1, q0, one, mone));
    }
    const rem = N - i;
    if (rem > 0) {
      const a = inp + (<usize>i << 2), b = out + (<usize>i << 2);
      let v = f32x4.splat(load<f32>(a));
      if (rem > 1) v = f32x4.replace_lane(v, 1, load<f32>(a, 4));
      if (rem > 2) v = f32x4.replace_lane(v, 2, load<f32>(a, 8));
      const r = tanh4(v, c, nc, p3, p2, p1, p0, q4, q3, q2, q1, q0, one, mone);
      store<f32>(b, f32x4.extract_lane(r, 0));
      if (rem > 1) store<f32>(b, f32x4.extract_lane(r, 1), 4);
      if (rem > 2) store<f32>(b, f32x4.extract_lane(r, 2), 8);
    }
  } else {
    for (let i = 0; i < N; i++) {
      const o = <usize>i << 2;
      store<f32>(out + o, tanh1(load<f32>(inp + o)));
    }
  }
}

// dinp (N) (+)= (1 - out*out) * dout (N), out (N) = tanh(inp) saved by the forward; acc 1 adds,
// 0 writes. ref: src/ref/tanh.ts (bit for bit: the float32 order is ((1 - out*out) * dout) then +=)
// @split N: dinp += 1, out += 1, dout += 1
// @reads out[u0:u1], dout[u0:u1]
// @writes dinp[u0:u1]
export function tanh_backward(dinp: usize, out: usize, dout: usize, N: i32, acc: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      const y = v128.load(out + o);
      const d = f32x4.mul(f32x4.sub(one, f32x4.mul(y, y)), v128.load(dout + o));
      v128.store(dinp + o, acc ? f32x4.add(v128.load(dinp + o), d) : d);
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    const y = load<f32>(out + o);
    const d: f32 = (<f32>1 - y * y) * load<f32>(dout + o);
    store<f32>(dinp + o, acc ? load<f32>(dinp + o) + d : d);
  }
}
