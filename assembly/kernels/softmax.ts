// Softmax over each row of an (M,N) matrix and its backward from the saved output.
// Leaves out: the cross-entropy pairing (cross_entropy.ts fuses its own softmax backward) and
// other dims (the TS op transposes first if it ever needs one).

// inp (M,N) -> out (M,N), out[i,j] = exp(inp[i,j] - m_i) / sum_k exp(inp[i,k] - m_i), m_i = row max.
// Backward keeps out. out may alias inp. N >= 1. ref: src/ref/softmax.ts
// NOTE: subtracting the row max is what keeps logits like 1e4 finite: exp(1e4) overflows, but
// every exp(x - max) is in (0, 1] and the sum is at least 1. A NaN in a row makes the whole row
// NaN (max propagates it), as in torch; a row of all -Infinity is NaN too (-inf - -inf).
// exp runs in float64 on the exact difference x - max, one element at a time; the sum is float64.
// Threads: every kernel here goes by rows.
// @split M: out += N, inp += N
// @reads inp(M,N)[u0:u1, :]
// @writes out(M,N)[u0:u1, :]
export function softmax_forward(out: usize, inp: usize, M: i32, N: i32): void {
  const row = <usize>N << 2;
  for (let r = 0; r < M; r++) {
    const x = inp + <usize>r * row, y = out + <usize>r * row;
    const m = <f64>rowMax(x, N);
    let s: f64 = 0;
    for (let j = 0; j < N; j++) {
      const o = <usize>j << 2;
      const e = <f32>Math.exp(<f64>load<f32>(x + o) - m);
      store<f32>(y + o, e);
      s += <f64>e;
    }
    // Dividing the stored float32 exps by their own float32 sum: two roundings per element.
    const sf = <f32>s;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const vs = f32x4.splat(sf);
      for (; j + 4 <= N; j += 4) {
        const o = <usize>j << 2;
        v128.store(y + o, f32x4.div(v128.load(y + o), vs));
      }
    }
    for (; j < N; j++) {
      const o = <usize>j << 2;
      store<f32>(y + o, load<f32>(y + o) / sf);
    }
  }
}

// dinp (M,N) += out * (dout - sum_j dout_j * out_j) per row, out (M,N) saved by the forward,
// dout (M,N). The dot product is float64, rounded once; the rest is float32. ref: src/ref/softmax.ts
// @split M: dinp += N, out += N, dout += N
// @reads out(M,N)[u0:u1, :], dout(M,N)[u0:u1, :]
// @writes dinp(M,N)[u0:u1, :]
export function softmax_backward(dinp: usize, out: usize, dout: usize, M: i32, N: i32): void {
  const row = <usize>N << 2;
  for (let r = 0; r < M; r++) {
    const base = <usize>r * row;
    const y = out + base, g = dout + base, d = dinp + base;
    let j = 0;
    let s: f64 = 0;
    if (ASC_FEATURE_SIMD) {
      let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
      for (; j + 4 <= N; j += 4) {
        const o = <usize>j << 2;
        const a = v128.load(y + o), b = v128.load(g + o);
        s0 = f64x2.add(s0, f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)));
        s1 = f64x2.add(s1, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(a, a, 2, 3, 2, 3)),
          f64x2.promote_low_f32x4(v128.shuffle<f32>(b, b, 2, 3, 2, 3))));
      }
      const t = f64x2.add(s0, s1);
      s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
    }
    for (; j < N; j++) {
      const o = <usize>j << 2;
      s += <f64>load<f32>(y + o) * <f64>load<f32>(g + o);
    }
    const sf = <f32>s;
    j = 0;
    if (ASC_FEATURE_SIMD) {
      const vs = f32x4.splat(sf);
      for (; j + 4 <= N; j += 4) {
        const o = <usize>j << 2;
        const t = f32x4.mul(v128.load(y + o), f32x4.sub(v128.load(g + o), vs));
        v128.store(d + o, f32x4.add(v128.load(d + o), t));
      }
    }
    for (; j < N; j++) {
      const o = <usize>j << 2;
      store<f32>(d + o, load<f32>(d + o) + load<f32>(y + o) * (load<f32>(g + o) - sf));
    }
  }
}

// Max of n >= 1 floats at p, NaN-propagating (f32x4.max and f32.max both are).
// @ts-ignore: decorator
@inline function rowMax(p: usize, n: i32): f32 {
  let m = load<f32>(p);
  let j = 1;
  if (ASC_FEATURE_SIMD) {
    if (n >= 4) {
      let v = v128.load(p);
      for (j = 4; j + 4 <= n; j += 4) v = f32x4.max(v, v128.load(p + (<usize>j << 2)));
      m = max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
    }
  }
  for (; j < n; j++) m = max(m, load<f32>(p + (<usize>j << 2)));
  return m;
}

// inp (M,N) -> out (M,N), out[i,j] = inp[i,j] - m_i - log(sum_k exp(inp[i,k] - m_i)): the log of
// softmax per row, computed without taking the log of a rounded probability (so a confidently
// wrong class gives a large finite value, not -inf). Backward keeps out. ref: src/ref/softmax.ts
// NOTE: the sum is float64 and the offset m + log(sum) float64, rounded once per element.
// @same softmax_forward
export function log_softmax_forward(out: usize, inp: usize, M: i32, N: i32): void {
  const row = <usize>N << 2;
  for (let r = 0; r < M; r++) {
    const x = inp + <usize>r * row, y = out + <usize>r * row;
    const m = <f64>rowMax(x, N);
    let s: f64 = 0;
    for (let j = 0; j < N; j++) s += Math.exp(<f64>load<f32>(x + (<usize>j << 2)) - m);
    const lse = m + Math.log(s);
    for (let j = 0; j < N; j++) {
      const o = <usize>j << 2;
      store<f32>(y + o, <f32>(<f64>load<f32>(x + o) - lse));
    }
  }
}

// dinp (M,N) += dout - exp(out) * sum_j dout_j per row, out (M,N) saved by the forward.
// The row sum is float64, rounded once; exp(out) float64, rounded once. ref: src/ref/softmax.ts
// @same softmax_backward
export function log_softmax_backward(dinp: usize, out: usize, dout: usize, M: i32, N: i32): void {
  const row = <usize>N << 2;
  for (let r = 0; r < M; r++) {
    const base = <usize>r * row;
    const y = out + base, g = dout + base, d = dinp + base;
    let s: f64 = 0;
    for (let j = 0; j < N; j++) s += <f64>load<f32>(g + (<usize>j << 2));
    const sf = <f32>s;
    for (let j = 0; j < N; j++) {
      const o = <usize>j << 2;
      const p = <f32>Math.exp(<f64>load<f32>(y + o));
      store<f32>(d + o, load<f32>(d + o) + (load<f32>(g + o) - p * sf));
    }
  }
}
