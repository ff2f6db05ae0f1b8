// clamp(x, min, max) with number bounds (SIMD) or tensor bounds (same-size, broadcast by the TS
// op), and the backward of each operand as ATen's clamp_backward / clamp_backward_min_max.
// A missing number bound is passed as -Infinity / +Infinity; missing tensor bounds by flags.

// inp (N) -> out (N) = min(max(x, lo), hi); NaN in x or a bound gives NaN, and lo > hi gives hi,
// as torch.clamp. ref: src/ref/clamp.ts
// Threads: every kernel here goes by elements.
// @split N: out += 1, inp += 1
// @reads inp[u0:u1]
// @writes out[u0:u1]
export function clamp_forward(out: usize, inp: usize, lo: f32, hi: f32, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vl = f32x4.splat(lo), vh = f32x4.splat(hi);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, f32x4.min(f32x4.max(v128.load(inp + o), vl), vh));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, min<f32>(max<f32>(load<f32>(inp + o), lo), hi));
  }
}

// dinp (N) += dout where lo <= x <= hi (both ends included, so a clamped-to-itself value keeps
// its gradient; NaN x gets none). ref: src/ref/clamp.ts
// @split N: dinp += 1, inp += 1, dout += 1
// @reads inp[u0:u1], dout[u0:u1]
// @writes dinp[u0:u1]
export function clamp_backward(dinp: usize, inp: usize, dout: usize, lo: f32, hi: f32, N: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vl = f32x4.splat(lo), vh = f32x4.splat(hi);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      const x = v128.load(inp + o);
      const g = v128.and(v128.load(dout + o), v128.and(f32x4.ge(x, vl), f32x4.le(x, vh)));
      v128.store(dinp + o, f32x4.add(v128.load(dinp + o), g));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(inp + o);
    if (x >= lo && x <= hi) store<f32>(dinp + o, load<f32>(dinp + o) + load<f32>(dout + o));
  }
}

// Tensor bounds lo (N) and hi (N), either absent (hasLo/hasHi 0, pointer ignored): the gradient
// of one operand, which = 0 (x), 1 (lo) or 2 (hi), as ATen's clamp_backward_min_max:
//   both bounds: x gets dout where lo <= x <= hi; lo where x < lo and lo < hi; hi where x > hi or hi < lo
//   lo only:     x where x >= lo; lo where x < lo.   hi only: x where x <= hi; hi where x > hi.
// ref: src/ref/clamp.ts
// @split N: dinp += 1, inp += 1, lo += 1, hi += 1, dout += 1
// @reads inp[u0:u1], dout[u0:u1], lo[u0:u1] if hasLo != 0, hi[u0:u1] if hasHi != 0
// @writes dinp[u0:u1]
export function clamp_tensor_backward(dinp: usize, inp: usize, lo: usize, hi: usize, dout: usize, N: i32,
  hasLo: i32, hasHi: i32, which: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(inp + o);
    const l = hasLo ? load<f32>(lo + o) : 0, h = hasHi ? load<f32>(hi + o) : 0;
    let pass: bool;
    if (which == 0) pass = (!hasLo || x >= l) && (!hasHi || x <= h);
    else if (which == 1) pass = x < l && (!hasHi || l < h);
    else pass = x > h || (hasLo && h < l);
    if (pass) store<f32>(dinp + o, load<f32>(dinp + o) + load<f32>(dout + o));
  }
}
