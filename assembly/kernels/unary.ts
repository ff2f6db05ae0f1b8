// Pointwise unary ops and their backward kernels: neg, exp, log, log10, pow, sqrt, abs, sign,
// log1p, sin, cos.
// Transcendentals run one element at a time in float64 and round once (accuracy over speed:
// none of them is on the training hot path); the rest use the f32x4 body plus a scalar tail.
// Leaves out: neg's backward (it is `sub` with acc=1) and tanh (tanh.ts has a SIMD one).

const LN10: f32 = 2.302585092994046;

// out[i] = op(a[i]) in float64, rounded once to float32.
// NOTE: that double rounding (libm's float64 result, then to float32) lands on the correctly
// rounded float32 except in rare ties, so the kernel agrees with src/ref within 1 ulp.
// op: 0 = exp, 1 = ln, 2 = log10, 3 = log1p, 4 = sin, 5 = cos (a literal at each call site).
// @ts-ignore: decorator
@inline function fn64(op: i32, x: f64): f64 {
  if (op == 0) return Math.exp(x);
  if (op == 1) return Math.log(x);
  if (op == 2) return Math.log10(x);
  if (op == 3) return Math.log1p(x);
  if (op == 4) return Math.sin(x);
  return Math.cos(x);
}

// @ts-ignore: decorator
@inline function map64(out: usize, a: usize, N: i32, op: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, <f32>fn64(op, <f64>load<f32>(a + o)));
  }
}

// a (N) -> out (N) = -a. ref: src/ref/unary.ts
// Threads: every kernel here goes by elements (any split, same bits).
// @split N: out += 1, a += 1
// @reads a[u0:u1]
// @writes out[u0:u1]
export function neg_forward(out: usize, a: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.neg(v128.load(a + o)));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, -load<f32>(a + o));
  }
}

// a (N) -> out (N) = e^a; backward keeps out. ref: src/ref/unary.ts
// @same neg_forward
export function exp_forward(out: usize, a: usize, N: i32): void {
  map64(out, a, N, 0);
}

// a (N) -> out (N) = ln a (-Infinity at 0, NaN below); backward keeps inp. ref: src/ref/unary.ts
// @same neg_forward
export function log_forward(out: usize, a: usize, N: i32): void {
  map64(out, a, N, 1);
}

// a (N) -> out (N) = log10 a; backward keeps inp. ref: src/ref/unary.ts
// @same neg_forward
export function log10_forward(out: usize, a: usize, N: i32): void {
  map64(out, a, N, 2);
}

// a (N) -> out (N) = sqrt a (correctly rounded, -0 stays -0); backward keeps out. ref: src/ref/unary.ts
// @same neg_forward
export function sqrt_forward(out: usize, a: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.sqrt(v128.load(a + o)));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, Mathf.sqrt(load<f32>(a + o)));
  }
}

// a (N) -> out (N) = a^p; backward keeps inp. ref: src/ref/unary.ts
// NOTE: p = 2, 0.5, -1 and -0.5 are the notebook's (x**2, var**0.5, sum**-1, (var+eps)**-0.5)
// and run as the float32 ops x*x, sqrt(x), 1/x and 1/sqrt(x) (two roundings for the last one);
// p = 3 (GPT-2's GELU) and -2 run as (x*x)*x and 1/(x*x): PyTorch's CPU kernel special-cases
// those six exponents this way, so its pow(x, 3.0) is x*x*x bit for bit (checked on 10^6
// values), not the correctly rounded cube (which differs in a quarter of them).
// So (-0)**0.5 = -0 as torch.sqrt gives, where IEEE pow would say +0. Any other p goes through
// float64 pow, which gets the sign of a negative base right for integer p and NaN otherwise.
// @same neg_forward
export function pow_forward(out: usize, a: usize, p: f32, N: i32): void {
  if (p == 2) powSpecial(out, a, N, 0);
  else if (p == 0.5) powSpecial(out, a, N, 1);
  else if (p == -1) powSpecial(out, a, N, 2);
  else if (p == -0.5) powSpecial(out, a, N, 3);
  else if (p == 3) powSpecial(out, a, N, 4);
  else if (p == -2) powSpecial(out, a, N, 5);
  else {
    const pp = <f64>p;
    for (let i = 0; i < N; i++) {
      const o = <usize>i << 2;
      store<f32>(out + o, <f32>Math.pow(<f64>load<f32>(a + o), pp));
    }
  }
}

// which: 0 = x*x, 1 = sqrt x, 2 = 1/x, 3 = 1/sqrt x, 4 = (x*x)*x, 5 = 1/(x*x)
// @ts-ignore: decorator
@inline function powSpecial(out: usize, a: usize, N: i32, which: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      const x = v128.load(a + o);
      let r: v128;
      if (which == 0) r = f32x4.mul(x, x);
      else if (which == 1) r = f32x4.sqrt(x);
      else if (which == 2) r = f32x4.div(one, x);
      else if (which == 3) r = f32x4.div(one, f32x4.sqrt(x));
      else if (which == 4) r = f32x4.mul(f32x4.mul(x, x), x);
      else r = f32x4.div(one, f32x4.mul(x, x));
      v128.store(out + o, r);
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(a + o);
    let r: f32;
    if (which == 0) r = x * x;
    else if (which == 1) r = Mathf.sqrt(x);
    else if (which == 2) r = 1 / x;
    else if (which == 3) r = 1 / Mathf.sqrt(x);
    else if (which == 4) r = x * x * x;
    else r = 1 / (x * x);
    store<f32>(out + o, r);
  }
}

// dinp (N) += dout (N) * out (N), out = e^inp saved by the forward. ref: src/ref/unary.ts
// @split N: dinp += 1, out += 1, dout += 1
// @reads out[u0:u1], dout[u0:u1]
// @writes dinp[u0:u1]
export function exp_backward(dinp: usize, out: usize, dout: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      v128.store(dinp + o, f32x4.add(v128.load(dinp + o), f32x4.mul(v128.load(dout + o), v128.load(out + o))));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(dinp + o, load<f32>(dinp + o) + load<f32>(dout + o) * load<f32>(out + o));
  }
}

// dinp (N) += dout (N) / inp (N). ref: src/ref/unary.ts
// @split N: dinp += 1, inp += 1, dout += 1
// @reads inp[u0:u1], dout[u0:u1]
// @writes dinp[u0:u1]
export function log_backward(dinp: usize, inp: usize, dout: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      v128.store(dinp + o, f32x4.add(v128.load(dinp + o), f32x4.div(v128.load(dout + o), v128.load(inp + o))));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(dinp + o, load<f32>(dinp + o) + load<f32>(dout + o) / load<f32>(inp + o));
  }
}

// dinp (N) += dout (N) / (inp (N) * ln 10), in that float32 order. ref: src/ref/unary.ts
// @same log_backward
export function log10_backward(dinp: usize, inp: usize, dout: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const ln10 = f32x4.splat(LN10);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      const d = f32x4.div(v128.load(dout + o), f32x4.mul(v128.load(inp + o), ln10));
      v128.store(dinp + o, f32x4.add(v128.load(dinp + o), d));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(dinp + o, load<f32>(dinp + o) + load<f32>(dout + o) / (load<f32>(inp + o) * LN10));
  }
}

// dinp (N) += dout (N) * p * inp (N)^(p-1), the term in float64 rounded once. ref: src/ref/unary.ts
// p = 2 (the hot one, from x**2) is the exact float32 product dout*2*inp, run in SIMD.
// NOTE: p = 0 has gradient 0 everywhere, 0 included (as PyTorch), not 0 * 0^-1 = NaN.
// @same log_backward
export function pow_backward(dinp: usize, inp: usize, dout: usize, p: f32, N: i32): void {
  if (p == 0) return;
  let i = 0;
  if (p == 2) {
    if (ASC_FEATURE_SIMD) {
      for (; i + 4 <= N; i += 4) {
        const o = <usize>i << 2;
        const d = f32x4.mul(f32x4.add(v128.load(dout + o), v128.load(dout + o)), v128.load(inp + o));
        v128.store(dinp + o, f32x4.add(v128.load(dinp + o), d));
      }
    }
    for (; i < N; i++) {
      const o = <usize>i << 2;
      const g = load<f32>(dout + o);
      store<f32>(dinp + o, load<f32>(dinp + o) + (g + g) * load<f32>(inp + o));
    }
    return;
  }
  if (p == 3) {
    // PyTorch's order: dout * (3 * x²), x² = x*x, each product rounded (as its forward, x*x*x)
    if (ASC_FEATURE_SIMD) {
      const three = f32x4.splat(3);
      for (; i + 4 <= N; i += 4) {
        const o = <usize>i << 2;
        const x = v128.load(inp + o);
        const d = f32x4.mul(v128.load(dout + o), f32x4.mul(three, f32x4.mul(x, x)));
        v128.store(dinp + o, f32x4.add(v128.load(dinp + o), d));
      }
    }
    for (; i < N; i++) {
      const o = <usize>i << 2;
      const x = load<f32>(inp + o);
      store<f32>(dinp + o, load<f32>(dinp + o) + load<f32>(dout + o) * (<f32>3 * (x * x)));
    }
    return;
  }
  const pp = <f64>p, pm1 = pp - 1; // exact in float64
  for (; i < N; i++) {
    const o = <usize>i << 2;
    const t = <f64>load<f32>(dout + o) * pp * Math.pow(<f64>load<f32>(inp + o), pm1);
    store<f32>(dinp + o, load<f32>(dinp + o) + <f32>t);
  }
}

// dinp (N) += dout (N) * 0.5 / out (N), out = sqrt(inp) saved by the forward. ref: src/ref/unary.ts
// @same exp_backward
export function sqrt_backward(dinp: usize, out: usize, dout: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const half = f32x4.splat(0.5);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      const d = f32x4.div(f32x4.mul(v128.load(dout + o), half), v128.load(out + o));
      v128.store(dinp + o, f32x4.add(v128.load(dinp + o), d));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(dinp + o, load<f32>(dinp + o) + load<f32>(dout + o) * 0.5 / load<f32>(out + o));
  }
}

// a (N) -> out (N) = |a| (clears the sign bit: |-0| = 0, |NaN| = NaN). ref: src/ref/unary.ts
// @same neg_forward
export function abs_forward(out: usize, a: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.abs(v128.load(a + o)));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, Mathf.abs(load<f32>(a + o)));
  }
}

// (x > 0) - (x < 0) as 1, 0 or -1 in four lanes: 0 for ±0 and NaN, as torch.sign (1.13) gives.
// @ts-ignore: decorator
@inline function vsign(x: v128, one: v128, zero: v128): v128 {
  return f32x4.sub(v128.and(f32x4.gt(x, zero), one), v128.and(f32x4.lt(x, zero), one));
}

// @ts-ignore: decorator
@inline function ssign(x: f32): f32 {
  return <f32>(x > 0) - <f32>(x < 0);
}

// a (N) -> out (N) = sign(a): 1, -1, or 0 for ±0 and NaN. Its gradient is 0. ref: src/ref/unary.ts
// @same neg_forward
export function sign_forward(out: usize, a: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1), zero = f32x4.splat(0);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, vsign(v128.load(a + o), one, zero));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, ssign(load<f32>(a + o)));
  }
}

// dinp (N) += dout * sign(inp) (ATen abs_backward: grad * self.sgn(); 0 at 0 and NaN). ref: src/ref/unary.ts
// @same log_backward
export function abs_backward(dinp: usize, inp: usize, dout: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1), zero = f32x4.splat(0);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      const d = f32x4.mul(v128.load(dout + o), vsign(v128.load(inp + o), one, zero));
      v128.store(dinp + o, f32x4.add(v128.load(dinp + o), d));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(dinp + o, load<f32>(dinp + o) + load<f32>(dout + o) * ssign(load<f32>(inp + o)));
  }
}

// a (N) -> out (N) = ln(1 + a), accurate near 0; backward keeps inp. ref: src/ref/unary.ts
// @same neg_forward
export function log1p_forward(out: usize, a: usize, N: i32): void {
  map64(out, a, N, 3);
}

// a (N) -> out (N) = sin a; backward keeps inp. ref: src/ref/unary.ts
// @same neg_forward
export function sin_forward(out: usize, a: usize, N: i32): void {
  map64(out, a, N, 4);
}

// a (N) -> out (N) = cos a; backward keeps inp. ref: src/ref/unary.ts
// @same neg_forward
export function cos_forward(out: usize, a: usize, N: i32): void {
  map64(out, a, N, 5);
}

// dinp (N) += dout / (inp + 1), the sum rounded to float32 first (ATen: grad / (self + 1)).
// ref: src/ref/unary.ts
// @same log_backward
export function log1p_backward(dinp: usize, inp: usize, dout: usize, N: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(dinp + o, load<f32>(dinp + o) + load<f32>(dout + o) / (load<f32>(inp + o) + 1));
  }
}

// dinp (N) += dout * cos(inp) (ATen: grad * self.cos()), cos rounded to float32. ref: src/ref/unary.ts
// @same log_backward
export function sin_backward(dinp: usize, inp: usize, dout: usize, N: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(dinp + o, load<f32>(dinp + o) + load<f32>(dout + o) * <f32>Math.cos(<f64>load<f32>(inp + o)));
  }
}

// dinp (N) += dout * -sin(inp) (ATen: grad * -self.sin()), sin rounded to float32. ref: src/ref/unary.ts
// @same log_backward
export function cos_backward(dinp: usize, inp: usize, dout: usize, N: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(dinp + o, load<f32>(dinp + o) + load<f32>(dout + o) * -<f32>Math.sin(<f64>load<f32>(inp + o)));
  }
}

// dinp (N) += -dout * (out * out), out = 1/inp saved by the forward (ATen reciprocal's
// derivative, float32 order). ref: src/ref/unary.ts
// @same exp_backward
export function reciprocal_backward(dinp: usize, out: usize, dout: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      const y = v128.load(out + o);
      v128.store(dinp + o, f32x4.add(v128.load(dinp + o), f32x4.mul(f32x4.neg(v128.load(dout + o)), f32x4.mul(y, y))));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    const y = load<f32>(out + o);
    store<f32>(dinp + o, load<f32>(dinp + o) + -load<f32>(dout + o) * (y * y));
  }
}

// dinp (N) += -0.5 * dout * out^3, out = 1/sqrt(inp) saved by the forward (ATen rsqrt's
// derivative; out^3 as (out*out)*out). ref: src/ref/unary.ts
// @same exp_backward
export function rsqrt_backward(dinp: usize, out: usize, dout: usize, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const mhalf = f32x4.splat(-0.5);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      const y = v128.load(out + o);
      const d = f32x4.mul(f32x4.mul(mhalf, v128.load(dout + o)), f32x4.mul(f32x4.mul(y, y), y));
      v128.store(dinp + o, f32x4.add(v128.load(dinp + o), d));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    const y = load<f32>(out + o);
    store<f32>(dinp + o, load<f32>(dinp + o) + <f32>-0.5 * load<f32>(dout + o) * (y * y * y));
  }
}
