// Element-wise functions of two same-size operands (the TS op broadcasts first): pow with a
// tensor exponent, maximum and minimum, each with the backward of one operand at a time.
// Leaves out: add/sub/mul/div (elementwise.ts, with their own broadcast modes).

// C's pow (which PyTorch's CPU kernels follow): 1^y = 1 and (-1)^±inf = 1, where JavaScript's
// (and AssemblyScript's) Math.pow say NaN; x^0 = 1 even for NaN; a negative base with a
// non-integer exponent is NaN.
// @ts-ignore: decorator
@inline function powC(x: f64, y: f64): f64 {
  if (x == 1 || (x == -1 && Math.abs(y) == Infinity)) return 1;
  return Math.pow(x, y);
}

// a (N), b (N) -> out (N) = a^b, float64 pow rounded once; backward keeps a, b and out.
// ref: src/ref/binary.ts
// Threads: every kernel here goes by elements.
// @split N: out += 1, a += 1, b += 1
// @reads a[u0:u1], b[u0:u1]
// @writes out[u0:u1]
export function pow_tensor_forward(out: usize, a: usize, b: usize, N: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, <f32>powC(<f64>load<f32>(a + o), <f64>load<f32>(b + o)));
  }
}

// da (N) += dout * (b * a^(b-1)), 0 where b == 0 (ATen pow_backward_self: float32 b - 1, the
// power rounded to float32, then the products). ref: src/ref/binary.ts
// @split N: da += 1, a += 1, b += 1, dout += 1
// @reads a[u0:u1], b[u0:u1], dout[u0:u1]
// @writes da[u0:u1]
export function pow_tensor_backward_base(da: usize, a: usize, b: usize, dout: usize, N: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    const e = load<f32>(b + o);
    if (e == 0) continue;
    const p = <f32>powC(<f64>load<f32>(a + o), <f64>(e - <f32>1));
    store<f32>(da + o, load<f32>(da + o) + load<f32>(dout + o) * (e * p));
  }
}

// db (N) += dout * (out * ln a), 0 where a == 0 and b >= 0 (ATen pow_backward_exponent: there
// 0 * ln 0 would be NaN, yet 0^b is flat in b). ref: src/ref/binary.ts
// @split N: db += 1, a += 1, b += 1, out += 1, dout += 1
// @reads a[u0:u1], b[u0:u1], out[u0:u1], dout[u0:u1]
// @writes db[u0:u1]
export function pow_tensor_backward_exponent(db: usize, a: usize, b: usize, out: usize, dout: usize, N: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(a + o);
    const t: f32 = x == 0 && load<f32>(b + o) >= 0 ? 0 : load<f32>(out + o) * <f32>Math.log(<f64>x);
    store<f32>(db + o, load<f32>(db + o) + load<f32>(dout + o) * t);
  }
}

// a (N), b (N) -> out (N) = max(a, b) (isMin = 0) or min(a, b) (isMin = 1); a NaN in either gives
// NaN, as torch.maximum/minimum. Nothing kept beyond the inputs. ref: src/ref/binary.ts
export function maxmin_forward(out: usize, a: usize, b: usize, N: i32, isMin: i32): void {
  if (isMin) maxmin(out, a, b, N, true);
  else maxmin(out, a, b, N, false);
}

// @ts-ignore: decorator
@inline function maxmin(out: usize, a: usize, b: usize, N: i32, isMin: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // NOTE: wasm's f32x4.max/min (and f32 max/min) return NaN if either lane is NaN.
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      const x = v128.load(a + o), y = v128.load(b + o);
      v128.store(out + o, isMin ? f32x4.min(x, y) : f32x4.max(x, y));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(a + o), y = load<f32>(b + o);
    store<f32>(out + o, isMin ? min<f32>(x, y) : max<f32>(x, y));
  }
}

// dself (N) += the gradient of maximum(self, other) (isMin 0) or minimum (isMin 1) for self:
// dout where self wins, dout / 2 on ties, 0 where other wins (ATen: where(self == other,
// grad / 2, grad).masked_fill_(self < other, 0)); a NaN anywhere passes dout to both.
// Called with the operands swapped for other's gradient. ref: src/ref/binary.ts
export function maxmin_backward(dself: usize, self: usize, other: usize, dout: usize, N: i32, isMin: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(self + o), y = load<f32>(other + o), g = load<f32>(dout + o);
    const loses = isMin ? x > y : x < y;
    if (loses) continue;
    store<f32>(dself + o, load<f32>(dself + o) + (x == y ? g / 2 : g));
  }
}
