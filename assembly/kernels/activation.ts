// Activations: relu, sigmoid and gelu (PyTorch's 'none' (erf) and 'tanh' forms), forward and
// backward, f32x4 bodies with scalar tails. The float32 arithmetic follows ATen's CPU kernels
// operation by operation (named in each comment); exp, erf and tanh run in float64 lanes
// (assembly/vmath.ts) and round once, so results sit within a float32 ulp or two of PyTorch's.
// Leaves out: relu6, leaky relu, silu (composites of these when needed).
import { lo64, hi64, narrow, vexp, sexp, verf, serf, vtanh, stanh } from '../vmath';

// inp (N) -> out (N) = max(x, 0); backward keeps out. ref: src/ref/activation.ts
// NOTE: pmax(x, 0) is (x < 0 ? 0 : x): NaN and -0 pass through, as torch.relu gives them.
// Threads: every kernel here goes by elements (shares start at multiples of 4, so the scalar
// tail holds the same elements as in one call).
// @split N: out += 1, inp += 1
// @reads inp[u0:u1]
// @writes out[u0:u1]
export function relu_forward(out: usize, inp: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.pmax(v128.load(inp + o), zero));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(inp + o);
    store<f32>(out + o, x < 0 ? 0 : x);
  }
}

// Backward kernels take acc: 1 adds into dinp, 0 writes it (the first gradient; see gradTarget).

// dinp (N) (+)= out <= 0 ? 0 : dout (ATen threshold_backward on the result; a NaN out passes
// dout). ref: src/ref/activation.ts
// @split N: dinp += 1, out += 1, dout += 1
// @reads out[u0:u1], dout[u0:u1]
// @writes dinp[u0:u1]
export function relu_backward(dinp: usize, out: usize, dout: usize, N: i32, acc: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      const g = v128.andnot(v128.load(dout + o), f32x4.le(v128.load(out + o), zero));
      v128.store(dinp + o, acc ? f32x4.add(v128.load(dinp + o), g) : g);
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    const g: f32 = load<f32>(out + o) <= 0 ? 0 : load<f32>(dout + o);
    store<f32>(dinp + o, acc ? load<f32>(dinp + o) + g : g);
  }
}

// inp (N) -> out (N) = 1 / (1 + e^-x) in ATen's float32 order (exp rounded, 1 + e, reciprocal);
// backward keeps out. sigmoid(-100) = 0 and sigmoid(100) = 1, as in PyTorch. ref: src/ref/activation.ts
// @same relu_forward
export function sigmoid_forward(out: usize, inp: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      const m = f32x4.neg(v128.load(inp + o));
      const e = narrow(vexp(lo64(m)), vexp(hi64(m)));
      v128.store(out + o, f32x4.div(one, f32x4.add(one, e)));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    const e = <f32>sexp(-<f64>load<f32>(inp + o));
    store<f32>(out + o, <f32>1 / (<f32>1 + e));
  }
}

// dinp (N) (+)= dout * (1 - out) * out, left to right (ATen sigmoid_backward). ref: src/ref/activation.ts
// @same relu_backward
export function sigmoid_backward(dinp: usize, out: usize, dout: usize, N: i32, acc: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      const y = v128.load(out + o);
      const d = f32x4.mul(f32x4.mul(v128.load(dout + o), f32x4.sub(one, y)), y);
      v128.store(dinp + o, acc ? f32x4.add(v128.load(dinp + o), d) : d);
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    const y = load<f32>(out + o);
    const d = load<f32>(dout + o) * (<f32>1 - y) * y;
    store<f32>(dinp + o, acc ? load<f32>(dinp + o) + d : d);
  }
}

// ATen's constants, rounded to float32 as its `const scalar_t k = <double expression>` does.
const SQRT1_2: f32 = 0.7071067811865476;               // M_SQRT1_2
const PDF_BETA: f32 = 0.3989422804014327;              // M_2_SQRTPI * M_SQRT1_2 * 0.5
const TANH_BETA: f32 = 0.7978845608028654;             // M_SQRT2 * M_2_SQRTPI * 0.5
const KAPPA: f32 = 0.044715;
const KAPPA3: f32 = <f32>3 * KAPPA;                    // scalar_t(3) * kKappa, in float32

// tanh(BETA * (x + KAPPA x^3)) and erf(x / sqrt 2), rounded to float32: the pieces the gelu
// forward and backward share, four lanes and one value (x2 = x*x).
// @ts-ignore: decorator
@inline function tanhPart4(x: v128, x2: v128): v128 {
  const inner = f32x4.mul(f32x4.splat(TANH_BETA), f32x4.add(x, f32x4.mul(f32x4.splat(KAPPA), f32x4.mul(x2, x))));
  return narrow(vtanh(lo64(inner)), vtanh(hi64(inner)));
}
// @ts-ignore: decorator
@inline function tanhPart1(x: f32, x2: f32): f32 { return <f32>stanh(TANH_BETA * (x + KAPPA * (x2 * x))); }
// @ts-ignore: decorator
@inline function erfPart4(x: v128): v128 {
  const a = f32x4.mul(x, f32x4.splat(SQRT1_2));
  return narrow(verf(lo64(a)), verf(hi64(a)));
}
// @ts-ignore: decorator
@inline function erfPart1(x: f32): f32 { return <f32>serf(x * SQRT1_2); }

// approx 0 (erf): out = x * 0.5 * (1 + erf(x / sqrt 2)); 1 (tanh): out = 0.5 * x * (1 + tanh(
// sqrt(2/pi) * (x + 0.044715 x^3))). inp (N) -> out (N); backward keeps inp. ref: src/ref/activation.ts
// NOTE: 1 + erf cancels for x below about -4 (so gelu(-10) = 0 where the exact value is -8e-23),
// as PyTorch's does; gelu(-Infinity) is NaN (-inf * 0), also as PyTorch's.
// @same relu_forward
export function gelu_forward(out: usize, inp: usize, N: i32, approx: i32): void {
  if (approx) geluForward(out, inp, N, true);
  else geluForward(out, inp, N, false);
}

// @ts-ignore: decorator
@inline function geluForward(out: usize, inp: usize, N: i32, tanh: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1), half = f32x4.splat(0.5);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      const x = v128.load(inp + o);
      let r: v128;
      if (tanh) r = f32x4.mul(f32x4.mul(half, x), f32x4.add(one, tanhPart4(x, f32x4.mul(x, x))));
      else r = f32x4.mul(f32x4.mul(x, half), f32x4.add(one, erfPart4(x)));
      v128.store(out + o, r);
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(inp + o);
    let r: f32;
    if (tanh) r = (<f32>0.5 * x) * (<f32>1 + tanhPart1(x, x * x));
    else r = (x * <f32>0.5) * (<f32>1 + erfPart1(x));
    store<f32>(out + o, r);
  }
}

// dinp (N) (+)= dout * gelu'(inp), in ATen's GeluBackwardKernelImpl order:
//   erf:  cdf = 0.5 (1 + erf(x/sqrt 2)), pdf = PDF_BETA e^(x*x*-0.5), dinp += dout (cdf + x pdf)
//   tanh: t = tanh(inner), dinp += dout (0.5 (1 + t) + 0.5 x (1 - t*t) BETA (1 + 3 KAPPA x^2))
// ref: src/ref/activation.ts
// @split N: dinp += 1, inp += 1, dout += 1
// @reads inp[u0:u1], dout[u0:u1]
// @writes dinp[u0:u1]
export function gelu_backward(dinp: usize, inp: usize, dout: usize, N: i32, approx: i32, acc: i32): void {
  if (approx) geluBackward(dinp, inp, dout, N, true, acc);
  else geluBackward(dinp, inp, dout, N, false, acc);
}

// @ts-ignore: decorator
@inline function geluBackward(dinp: usize, inp: usize, dout: usize, N: i32, tanh: bool, acc: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1), half = f32x4.splat(0.5);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      const x = v128.load(inp + o);
      let d: v128;
      if (tanh) {
        const x2 = f32x4.mul(x, x);
        const t = tanhPart4(x, x2);
        const left = f32x4.mul(half, x);
        const leftD = f32x4.mul(half, f32x4.add(one, t));
        const tanhD = f32x4.sub(one, f32x4.mul(t, t));
        const innerD = f32x4.mul(f32x4.splat(TANH_BETA), f32x4.add(one, f32x4.mul(f32x4.splat(KAPPA3), x2)));
        d = f32x4.add(leftD, f32x4.mul(f32x4.mul(left, tanhD), innerD));
      } else {
        const cdf = f32x4.mul(half, f32x4.add(one, erfPart4(x)));
        const q = f32x4.mul(f32x4.mul(x, x), f32x4.splat(-0.5));
        const pdf = f32x4.mul(f32x4.splat(PDF_BETA), narrow(vexp(lo64(q)), vexp(hi64(q))));
        d = f32x4.add(cdf, f32x4.mul(x, pdf));
      }
      const r = f32x4.mul(v128.load(dout + o), d);
      v128.store(dinp + o, acc ? f32x4.add(v128.load(dinp + o), r) : r);
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(inp + o);
    let d: f32;
    if (tanh) {
      const x2 = x * x;
      const t = tanhPart1(x, x2);
      const leftD = <f32>0.5 * (<f32>1 + t);
      const tanhD = <f32>1 - t * t;
      const innerD = TANH_BETA * (<f32>1 + KAPPA3 * x2);
      d = leftD + (<f32>0.5 * x) * tanhD * innerD;
    } else {
      const cdf = <f32>0.5 * (<f32>1 + erfPart1(x));
      const pdf = PDF_BETA * <f32>sexp(x * x * <f32>-0.5);
      d = cdf + x * pdf;
    }
    const r = load<f32>(dout + o) * d;
    store<f32>(dinp + o, acc ? load<f32>(dinp + o) + r : r);
  }
}
