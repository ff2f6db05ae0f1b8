// Layer normalisation over the last N elements of each of M rows (llm.c's layernorm_forward and
// layernorm_backward), with an optional per-element weight and bias (PyTorch's elementwise affine).
// Leaves out: the normalised shape's structure (the TS op flattens it to N) and any other dim.

// Row sums in float64 (two f64x2 accumulators over f32x4 loads), for the statistics.
// @ts-ignore: decorator
@inline function promoteHigh(v: v128): v128 { return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)); }

function rowSum(x: usize, N: i32): f64 {
  let j = 0, s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    for (; j + 4 <= N; j += 4) {
      const v = v128.load(x + (<usize>j << 2));
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
      s1 = f64x2.add(s1, promoteHigh(v));
    }
    const t = f64x2.add(s0, s1);
    s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  }
  for (; j < N; j++) s += <f64>load<f32>(x + (<usize>j << 2));
  return s;
}

// Σ (x - m)² over a row, in float64.
function rowSqDev(x: usize, m: f64, N: i32): f64 {
  let j = 0, s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const vm = f64x2.splat(m);
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    for (; j + 4 <= N; j += 4) {
      const v = v128.load(x + (<usize>j << 2));
      const a = f64x2.sub(f64x2.promote_low_f32x4(v), vm), b = f64x2.sub(promoteHigh(v), vm);
      s0 = f64x2.add(s0, f64x2.mul(a, a));
      s1 = f64x2.add(s1, f64x2.mul(b, b));
    }
    const t = f64x2.add(s0, s1);
    s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  }
  for (; j < N; j++) { const d = <f64>load<f32>(x + (<usize>j << 2)) - m; s += d * d; }
  return s;
}

// inp (M,N), weight (N) or 0, bias (N) or 0 -> out (M,N), mean (M), rstd (M).
// mean = Σx/N, var = Σ(x - mean)²/N (BIASED, as torch.nn.LayerNorm), rstd = 1/sqrt(var + eps),
// out = (x - mean) * rstd * weight + bias. ref: src/ref/layer_norm.ts, torch.nn.LayerNorm
// NOTE: eps sits inside the square root. The statistics are float64 sums, rounded once to f32;
// the per-element maths is float32. Backward keeps inp, weight, mean and rstd (llm.c's choice).
// @split M: out += N, mean += 1, rstd += 1, inp += N
// @reads inp(M,N)[u0:u1, :], weight[0:N] if weight != 0, bias[0:N] if bias != 0
// @writes out(M,N)[u0:u1, :], mean[u0:u1], rstd[u0:u1]
export function layernorm_forward(out: usize, mean: usize, rstd: usize, inp: usize, weight: usize, bias: usize, eps: f32, M: i32, N: i32): void {
  const row = <usize>N << 2;
  for (let r = 0; r < M; r++) {
    const x = inp + <usize>r * row, y = out + <usize>r * row;
    const m = rowSum(x, N) / <f64>N;
    const v = rowSqDev(x, m, N) / <f64>N;
    const mf = <f32>m, rs = <f32>(1 / Math.sqrt(v + <f64>eps));
    store<f32>(mean + (<usize>r << 2), mf);
    store<f32>(rstd + (<usize>r << 2), rs);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const vm = f32x4.splat(mf), vr = f32x4.splat(rs);
      for (; j + 4 <= N; j += 4) {
        const o = <usize>j << 2;
        let h = f32x4.mul(f32x4.sub(v128.load(x + o), vm), vr);
        if (weight) h = f32x4.mul(h, v128.load(weight + o));
        if (bias) h = f32x4.add(h, v128.load(bias + o));
        v128.store(y + o, h);
      }
    }
    for (; j < N; j++) {
      const o = <usize>j << 2;
      let h = (load<f32>(x + o) - mf) * rs;
      if (weight) h *= load<f32>(weight + o);
      if (bias) h += load<f32>(bias + o);
      store<f32>(y + o, h);
    }
  }
}

// dinp (M,N) +=, dweight (N) +=, dbias (N) += from dout (M,N); any of the three may be 0 (not
// wanted). Keeps inp, weight (or 0), mean, rstd. With xhat = (x - mean)*rstd and dn = dout*weight:
//   dinp = rstd * (dn - mean(dn) - xhat * mean(dn * xhat)),  dweight = Σrows dout*xhat,  dbias = Σrows dout.
// The two row means are float64 sums. ref: src/ref/layer_norm.ts (llm.c layernorm_backward)
export function layernorm_backward(dinp: usize, dweight: usize, dbias: usize, dout: usize, inp: usize, weight: usize, mean: usize, rstd: usize, M: i32, N: i32): void {
  const row = <usize>N << 2;
  for (let r = 0; r < M; r++) {
    const x = inp + <usize>r * row, g = dout + <usize>r * row;
    const mf = load<f32>(mean + (<usize>r << 2)), rs = load<f32>(rstd + (<usize>r << 2));
    if (dinp) {
      let s1: f64 = 0, s2: f64 = 0;
      for (let j = 0; j < N; j++) {
        const o = <usize>j << 2;
        const xh = (load<f32>(x + o) - mf) * rs;
        const dn = weight ? load<f32>(g + o) * load<f32>(weight + o) : load<f32>(g + o);
        s1 += <f64>dn;
        s2 += <f64>dn * <f64>xh;
      }
      const a = <f32>(s1 / <f64>N), b = <f32>(s2 / <f64>N);
      const d = dinp + <usize>r * row;
      let j = 0;
      if (ASC_FEATURE_SIMD) {
        const vm = f32x4.splat(mf), vr = f32x4.splat(rs), va = f32x4.splat(a), vb = f32x4.splat(b);
        for (; j + 4 <= N; j += 4) {
          const o = <usize>j << 2;
          const xh = f32x4.mul(f32x4.sub(v128.load(x + o), vm), vr);
          let dn = v128.load(g + o);
          if (weight) dn = f32x4.mul(dn, v128.load(weight + o));
          const t = f32x4.mul(f32x4.sub(f32x4.sub(dn, va), f32x4.mul(xh, vb)), vr);
          v128.store(d + o, f32x4.add(v128.load(d + o), t));
        }
      }
      for (; j < N; j++) {
        const o = <usize>j << 2;
        const xh = (load<f32>(x + o) - mf) * rs;
        const dn = weight ? load<f32>(g + o) * load<f32>(weight + o) : load<f32>(g + o);
        store<f32>(d + o, load<f32>(d + o) + (dn - a - xh * b) * rs);
      }
    }
    if (dweight || dbias) {
      let j = 0;
      if (ASC_FEATURE_SIMD) {
        const vm = f32x4.splat(mf), vr = f32x4.splat(rs);
        for (; j + 4 <= N; j += 4) {
          const o = <usize>j << 2;
          const gv = v128.load(g + o);
          if (dweight) v128.store(dweight + o, f32x4.add(v128.load(dweight + o), f32x4.mul(gv, f32x4.mul(f32x4.sub(v128.load(x + o), vm), vr))));
          if (dbias) v128.store(dbias + o, f32x4.add(v128.load(dbias + o), gv));
        }
      }
      for (; j < N; j++) {
        const o = <usize>j << 2;
        const gv = load<f32>(g + o);
        if (dweight) store<f32>(dweight + o, load<f32>(dweight + o) + gv * ((load<f32>(x + o) - mf) * rs));
        if (dbias) store<f32>(dbias + o, load<f32>(dbias + o) + gv);
      }
    }
  }
}
