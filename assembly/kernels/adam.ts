// torch.optim.Adam and AdamW (PyTorch 1.13's single-tensor path) over one flat block of
// parameters, gradients and their state, in PyTorch's order and rounding. The scalars that
// depend on the learning rate and the step count are computed in float64 by the TS optimizer
// (as PyTorch computes them in Python) and passed in, rounded to float32 as PyTorch's kernels
// round a Python number.

// params, grads, expAvg, expAvgSq (N), maxExpAvgSq (N, or 0 without amsgrad). Per element:
//   g = maximize ? -g : g
//   AdamW: p = p * decay                      (decay = 1 - lr*weightDecay)
//   Adam:  g = g + weightDecay * p            (when weightDecay != 0)
//   m = m*beta1 + (1 - beta1)*g;  v = v*beta2 + (1 - beta2)*g*g
//   amsgrad: vmax = max(vmax, v), and vmax replaces v below
//   p = p + negStepSize * m / (sqrt(v) / bc2Sqrt + eps)
// with negStepSize = -lr / (1 - beta1^step) and bc2Sqrt = sqrt(1 - beta2^step).
// flags: 1 amsgrad, 2 maximize, 4 decoupled (AdamW). ref: src/ref/adam.ts
// NOTE: PyTorch's AVX2 build fuses `x + a*y` (add_ with alpha, addcmul_) into one rounding:
// m = fma(g, 1-beta1, m*beta1), v = fma((1-beta2)*g, g, v*beta2), Adam's g = fma(p, wd, g). The
// eps goes OUTSIDE the square root, after the bias correction; addcdiv_ is (s*m)/denom, then +p.
import { fma32 } from '../simd';
import { lo64, hi64, narrow } from '../vmath';

// @split N: params += 1, grads += 1, expAvg += 1, expAvgSq += 1, maxExpAvgSq += 1
// @reads grads[u0:u1]
// @writes params[u0:u1], expAvg[u0:u1], expAvgSq[u0:u1], maxExpAvgSq[u0:u1] if maxExpAvgSq != 0
export function adam_step(params: usize, grads: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize,
  negStepSize: f32, bc2Sqrt: f32, decay: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  eps: f32, weightDecay: f32, flags: i32, N: i32): void {
  const amsgrad = flags & 1, maximize = flags & 2, decoupled = flags & 4;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // Four elements at a time, the same float32 operations in the same order on each lane; a
    // group where a fused multiply-add needs fma32's rare path goes through the scalar loop.
    const vdecay = f32x4.splat(decay), vwd = f32x4.splat(weightDecay), vb1 = f32x4.splat(beta1), v1b1 = f32x4.splat(oneMinusBeta1);
    const vb2 = f32x4.splat(beta2), v1b2 = f32x4.splat(oneMinusBeta2), vbc2 = f32x4.splat(bc2Sqrt), veps = f32x4.splat(eps), vstep = f32x4.splat(negStepSize);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      rare = false;
      let p = v128.load(params + o);
      let g = v128.load(grads + o);
      if (maximize) g = f32x4.neg(g);
      if (decoupled) p = f32x4.mul(p, vdecay);
      else if (weightDecay != 0) g = fma32x4(p, vwd, g);
      const m = fma32x4(g, v1b1, f32x4.mul(v128.load(expAvg + o), vb1));
      const v = fma32x4(f32x4.mul(v1b2, g), g, f32x4.mul(v128.load(expAvgSq + o), vb2));
      if (rare) {
        adamScalar(params, grads, expAvg, expAvgSq, maxExpAvgSq, negStepSize, bc2Sqrt, decay, beta1, oneMinusBeta1,
          beta2, oneMinusBeta2, eps, weightDecay, flags, i, i + 4);
        continue;
      }
      v128.store(expAvg + o, m);
      v128.store(expAvgSq + o, v);
      let d = v;
      if (amsgrad) {
        d = f32x4.max(v128.load(maxExpAvgSq + o), v); // f32x4.max: NaN in, NaN out, as f32.max
        v128.store(maxExpAvgSq + o, d);
      }
      const denom = f32x4.add(f32x4.div(f32x4.sqrt(d), vbc2), veps);
      v128.store(params + o, f32x4.add(p, f32x4.div(f32x4.mul(vstep, m), denom)));
    }
  }
  adamScalar(params, grads, expAvg, expAvgSq, maxExpAvgSq, negStepSize, bc2Sqrt, decay, beta1, oneMinusBeta1,
    beta2, oneMinusBeta2, eps, weightDecay, flags, i, N);
}

/** adam_step's elements from..to-1, one at a time (the tail, the scalar build, fma32's rare path). */
function adamScalar(params: usize, grads: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize,
  negStepSize: f32, bc2Sqrt: f32, decay: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  eps: f32, weightDecay: f32, flags: i32, from: i32, to: i32): void {
  const amsgrad = flags & 1, maximize = flags & 2, decoupled = flags & 4;
  for (let i = from; i < to; i++) {
    const o = <usize>i << 2;
    let p = load<f32>(params + o);
    let g = load<f32>(grads + o);
    if (maximize) g = -g;
    if (decoupled) p = p * decay;
    else if (weightDecay != 0) g = fma32(p, weightDecay, g);
    const m = fma32(g, oneMinusBeta1, load<f32>(expAvg + o) * beta1);
    const v = fma32(oneMinusBeta2 * g, g, load<f32>(expAvgSq + o) * beta2);
    store<f32>(expAvg + o, m);
    store<f32>(expAvgSq + o, v);
    let d = v;
    if (amsgrad) {
      d = max(load<f32>(maxExpAvgSq + o), v); // f32.max: NaN in, NaN out
      store<f32>(maxExpAvgSq + o, d);
    }
    const denom = Mathf.sqrt(d) / bc2Sqrt + eps;
    store<f32>(params + o, p + negStepSize * m / denom);
  }
}

// Set when a lane of fma32x4 below cannot give fma32's answer by the plain f64 sum (an f32
// midpoint, an overflow, a NaN): the caller then redoes those 4 elements with scalar fma32.
let rare: bool = false;

/** f64x2 lanes that already are f32 values: x == f32(x). */
// @ts-ignore: decorator
@inline function isF32(x: v128): v128 { return f64x2.eq(f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(x)), x); }

/**
 * fma32 on two f64x2 halves of four lanes (the low or the high pair), as fma32's fast path: the
 * exact product plus c, rounded in f64 then to f32, which is right unless the f64 sum s is not the
 * f32 result f and the f32 on the far side of s from f is an f32 itself (s is then a midpoint)
 * or f is not finite; then `rare` is set.
 */
// @ts-ignore: decorator
@inline function fmaHalf(a: v128, b: v128, c: v128): v128 {
  const s = f64x2.add(f64x2.mul(a, b), c);
  const f = f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(s));
  const g = f64x2.add(f, f64x2.mul(f64x2.splat(2), f64x2.sub(s, f)));
  const finite = f64x2.eq(f64x2.sub(f, f), f64x2.splat(0));
  const ok = v128.or(f64x2.eq(f, s), v128.andnot(finite, isF32(g)));
  rare = rare || v128.any_true(v128.not(ok));
  return s;
}

/** fma32 on four lanes (f32x4 a·b + c); sets `rare` if a lane needs scalar fma32. */
// @ts-ignore: decorator
@inline function fma32x4(a: v128, b: v128, c: v128): v128 {
  return narrow(fmaHalf(lo64(a), lo64(b), lo64(c)), fmaHalf(hi64(a), hi64(b), hi64(c)));
}
