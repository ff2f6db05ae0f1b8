// Sums over rows, columns or everything, plus a row max; max/min/logsumexp over the middle dim of
// (P,D,Q) with their backward kernels. A sum needs no backward kernel: its gradient is a
// broadcast, which elementwise.ts already does (add/copy with bmode 1 or 2).
// NOTE: every sum accumulates in float64 and rounds once at the end. A float32 running sum of a
// million values in [0,1) drifts by ~4e-5 relative (hundreds of ulps); float64 keeps it in one.

// Low and high halves of four f32 lanes, widened to f64x2.
// @ts-ignore: decorator
@inline function lo64(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
// @ts-ignore: decorator
@inline function hi64(v: v128): v128 { return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)); }
// Two f64x2 back to one f32x4: [a0, a1, b0, b1].
// @ts-ignore: decorator
@inline function narrow(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

// out[j] (+)= f32(s): store one column (or row) result.
// @ts-ignore: decorator
@inline function put(out: usize, s: f64, acc: i32): void {
  const r = <f32>s;
  store<f32>(out, acc ? load<f32>(out) + r : r);
}

// Float64 sum of n contiguous floats at p.
// @ts-ignore: decorator
@inline function sum64(p: usize, n: i32): f64 {
  let i = 0;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
    for (; i + 8 <= n; i += 8) {
      const v = v128.load(p + (<usize>i << 2)), w = v128.load(p + (<usize>i << 2), 16);
      s0 = f64x2.add(s0, lo64(v));
      s1 = f64x2.add(s1, hi64(v));
      s2 = f64x2.add(s2, lo64(w));
      s3 = f64x2.add(s3, hi64(w));
    }
    const t = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
    s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  }
  for (; i < n; i++) s += <f64>load<f32>(p + (<usize>i << 2));
  return s;
}

// Column sums of the 16 (8, 4) columns starting at p over M rows of `stride` bytes -> out.
// @ts-ignore: decorator
@inline function cols16(out: usize, p: usize, M: i32, stride: usize, acc: i32): void {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let s4 = f64x2.splat(0), s5 = f64x2.splat(0), s6 = f64x2.splat(0), s7 = f64x2.splat(0);
  for (let i = 0; i < M; i++, p += stride) {
    const a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32), d = v128.load(p, 48);
    s0 = f64x2.add(s0, lo64(a)); s1 = f64x2.add(s1, hi64(a));
    s2 = f64x2.add(s2, lo64(b)); s3 = f64x2.add(s3, hi64(b));
    s4 = f64x2.add(s4, lo64(c)); s5 = f64x2.add(s5, hi64(c));
    s6 = f64x2.add(s6, lo64(d)); s7 = f64x2.add(s7, hi64(d));
  }
  const r0 = narrow(s0, s1), r1 = narrow(s2, s3), r2 = narrow(s4, s5), r3 = narrow(s6, s7);
  if (acc) {
    v128.store(out, f32x4.add(v128.load(out), r0)); v128.store(out, f32x4.add(v128.load(out, 16), r1), 16);
    v128.store(out, f32x4.add(v128.load(out, 32), r2), 32); v128.store(out, f32x4.add(v128.load(out, 48), r3), 48);
  } else {
    v128.store(out, r0); v128.store(out, r1, 16); v128.store(out, r2, 32); v128.store(out, r3, 48);
  }
}

// @ts-ignore: decorator
@inline function cols4(p: usize, M: i32, stride: usize): v128 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  for (let i = 0; i < M; i++, p += stride) {
    const a = v128.load(p);
    s0 = f64x2.add(s0, lo64(a)); s1 = f64x2.add(s1, hi64(a));
  }
  return narrow(s0, s1);
}

// inp (M,N) -> out (N), out[j] = sum_i inp[i,j]: the column sums, also the bias backward.
// acc: 0 = overwrite, 1 = out += result. ref: src/ref/reduce.ts
// Threads: by columns (each column is summed on its own, so any split gives the same bits).
// @split N -> sumDim0Cols
// @reads inp(M,N)[:, u0:u1]
// @writes out[u0:u1]
export function sum_dim0(out: usize, inp: usize, M: i32, N: i32, acc: i32): void {
  colSums(out, inp, M, N, <usize>N << 2, acc);
}

// Columns [j0, j1) of sum_dim0.
export function sumDim0Cols(out: usize, inp: usize, M: i32, N: i32, acc: i32, j0: i32, j1: i32): void {
  colSums(out + (<usize>j0 << 2), inp + (<usize>j0 << 2), M, j1 - j0, <usize>N << 2, acc);
}

// The sums of N columns of M rows `stride` bytes apart, into out (N).
// Columns go in blocks of 16 so each pass down the rows keeps 8 f64x2 sums in registers; a
// ragged end reuses the last full 4 columns and stores only the lanes not yet written.
function colSums(out: usize, inp: usize, M: i32, N: i32, stride: usize, acc: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 16 <= N; j += 16) cols16(out + (<usize>j << 2), inp + (<usize>j << 2), M, stride, acc);
    for (; j + 4 <= N; j += 4) {
      const o = <usize>j << 2;
      const r = cols4(inp + o, M, stride);
      v128.store(out + o, acc ? f32x4.add(v128.load(out + o), r) : r);
    }
    if (j < N && N >= 4) {
      const o = <usize>(N - 4) << 2;
      const r = cols4(inp + o, M, stride);
      const from = j - (N - 4); // lanes 0..from-1 are already done
      if (from <= 1) put(out + o + 4, <f64>f32x4.extract_lane(r, 1), acc);
      if (from <= 2) put(out + o + 8, <f64>f32x4.extract_lane(r, 2), acc);
      put(out + o + 12, <f64>f32x4.extract_lane(r, 3), acc);
      return;
    }
  }
  // Four columns per pass down the rows, so a tall input is read once per 4 columns, not per column.
  for (; j + 4 <= N; j += 4) {
    let a: f64 = 0, b: f64 = 0, c: f64 = 0, d: f64 = 0;
    let p = inp + (<usize>j << 2);
    for (let i = 0; i < M; i++, p += stride) {
      a += <f64>load<f32>(p); b += <f64>load<f32>(p, 4); c += <f64>load<f32>(p, 8); d += <f64>load<f32>(p, 12);
    }
    const o = out + (<usize>j << 2);
    put(o, a, acc); put(o + 4, b, acc); put(o + 8, c, acc); put(o + 12, d, acc);
  }
  for (; j < N; j++) {
    let s: f64 = 0;
    let p = inp + (<usize>j << 2);
    for (let i = 0; i < M; i++, p += stride) s += <f64>load<f32>(p);
    put(out + (<usize>j << 2), s, acc);
  }
}

// inp (M,N) -> out (M), out[i] = sum_j inp[i,j]: the row sums. acc as in sum_dim0. ref: src/ref/reduce.ts
// @split M: out += 1, inp += N
// @reads inp(M,N)[u0:u1, :]
// @writes out[u0:u1]
export function sum_dim1(out: usize, inp: usize, M: i32, N: i32, acc: i32): void {
  const row = <usize>N << 2;
  for (let i = 0; i < M; i++) put(out + (<usize>i << 2), sum64(inp + <usize>i * row, N), acc);
}

// inp (N) -> out (1), out[0] = sum of all. acc as in sum_dim0. ref: src/ref/reduce.ts
// Threads: one float64 sum in order, so thread 0 alone.
// @reads inp[0:N]
// @writes out[0:1]
export function sum_all(out: usize, inp: usize, N: i32, acc: i32): void {
  put(out, sum64(inp, N), acc);
}

// inp (M,N) -> out (M), out[i] = max_j inp[i,j]; a NaN anywhere in the row gives NaN.
// N >= 1. ref: src/ref/reduce.ts
// NOTE: f32x4.max and f32.max both propagate NaN (unlike pmax or x > m ? x : m).
// @same sum_dim1
export function max_dim1(out: usize, inp: usize, M: i32, N: i32): void {
  const row = <usize>N << 2;
  for (let r = 0; r < M; r++) {
    const p = inp + <usize>r * row;
    let m = load<f32>(p);
    let j = 1;
    if (ASC_FEATURE_SIMD) {
      if (N >= 4) {
        let v = v128.load(p);
        for (j = 4; j + 4 <= N; j += 4) v = f32x4.max(v, v128.load(p + (<usize>j << 2)));
        m = max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
      }
    }
    for (; j < N; j++) m = max(m, load<f32>(p + (<usize>j << 2)));
    store<f32>(out + (<usize>r << 2), m);
  }
}

// inp (P,D,Q) -> out (P,Q), out[p,q] = sum_d inp[p,d,q]: a sum over a middle dim, as P calls of
// sum_dim0 (same bits). acc as in sum_dim0. ref: src/ref/reduce.ts
// Threads: by p (whole planes).
// @split P: out += Q, inp += D*Q
// @reads inp[u0*D*Q : u1*D*Q]
// @writes out[u0*Q : u1*Q]
export function sum_mid(out: usize, inp: usize, P: i32, D: i32, Q: i32, acc: i32): void {
  const plane = <usize>D * <usize>Q << 2;
  const row = <usize>Q << 2;
  for (let p = 0; p < P; p++) sum_dim0(out + <usize>p * row, inp + <usize>p * plane, D, Q, acc);
}

// inp (P,D,Q) -> out (P,Q) = max over d (isMin 0) or min (isMin 1), and idx (P,Q) int32 = the
// first d holding it (withIdx 1; else idx is not touched). A NaN wins over every number, and the
// first NaN's index is the one kept, as torch.max(dim) / argmax. D >= 1. ref: src/ref/reduce.ts
export function maxmin_mid(out: usize, idx: usize, inp: usize, P: i32, D: i32, Q: i32, isMin: i32, withIdx: i32): void {
  const row = <usize>Q << 2, plane = <usize>D * row;
  for (let p = 0; p < P; p++) {
    const src = inp + <usize>p * plane, o = out + <usize>p * row, ix = idx + <usize>p * row;
    memory.copy(o, src, row);
    if (withIdx) memory.fill(ix, 0, row);
    for (let d = 1; d < D; d++) {
      const r = src + <usize>d * row;
      for (let q = 0; q < Q; q++) {
        const x = load<f32>(r + (<usize>q << 2)), m = load<f32>(o + (<usize>q << 2));
        const better = isMin ? x < m : x > m;
        if (better || (x != x && m == m)) {
          store<f32>(o + (<usize>q << 2), x);
          if (withIdx) store<i32>(ix + (<usize>q << 2), d);
        }
      }
    }
  }
}

// dinp (P,D,Q) += dout (P,Q) at d = idx[p,q]: the backward of max/min over a dim (the gradient
// goes to the one index returned). ref: src/ref/reduce.ts
export function index_mid_backward(dinp: usize, idx: usize, dout: usize, P: i32, D: i32, Q: i32): void {
  const row = <usize>Q << 2, plane = <usize>D * row;
  for (let p = 0; p < P; p++) {
    for (let q = 0; q < Q; q++) {
      const j = <usize>p * row + (<usize>q << 2);
      const at = dinp + <usize>p * plane + <usize>load<i32>(idx + j) * row + (<usize>q << 2);
      store<f32>(at, load<f32>(at) + load<f32>(dout + j));
    }
  }
}

// dinp (P,D,Q) += dout (P,Q) shared among the d where inp equals out (P,Q), the reduction's
// result: the backward of amax/amin and of max()/min() over everything.
//   evenly 0 (amax/amin, ATen scale_grad_by_count): dinp += mask * (dout / count) for every d;
//     a NaN result matches nothing, so count is 0 and the slice gets NaN, as in PyTorch.
//   evenly 1 (max()/min(), ATen evenly_distribute_backward): NaN matches NaN, and only the
//     matching d get dout / count.
// ref: src/ref/reduce.ts
export function ties_backward(dinp: usize, inp: usize, out: usize, dout: usize, P: i32, D: i32, Q: i32, evenly: i32): void {
  const row = <usize>Q << 2, plane = <usize>D * row;
  for (let p = 0; p < P; p++) {
    const src = inp + <usize>p * plane, dst = dinp + <usize>p * plane;
    for (let q = 0; q < Q; q++) {
      const j = <usize>p * row + (<usize>q << 2);
      const m = load<f32>(out + j);
      const nan = evenly && m != m;
      let count: i32 = 0;
      for (let d = 0; d < D; d++) {
        const x = load<f32>(src + <usize>d * row + (<usize>q << 2));
        if (x == m || (nan && x != x)) count++;
      }
      const share = load<f32>(dout + j) / <f32>count;
      for (let d = 0; d < D; d++) {
        const at = <usize>d * row + (<usize>q << 2);
        const x = load<f32>(src + at);
        const hit = x == m || (nan && x != x);
        if (hit) store<f32>(dst + at, load<f32>(dst + at) + share);
        else if (!evenly) store<f32>(dst + at, load<f32>(dst + at) + <f32>0 * share);
      }
    }
  }
}

// inp (P,D,Q) -> out (P,Q) = log(sum_d e^(x - m)) + m, m = the max over d, or 0 when that is
// ±Infinity (ATen's logsumexp: all -inf gives -inf, any +inf gives +inf, NaN gives NaN). The
// differences, exps, sum and log run in float64 and round once. D = 0 gives -Infinity.
// ref: src/ref/reduce.ts
export function logsumexp_mid(out: usize, inp: usize, P: i32, D: i32, Q: i32): void {
  const row = <usize>Q << 2, plane = <usize>D * row;
  for (let p = 0; p < P; p++) {
    const src = inp + <usize>p * plane;
    for (let q = 0; q < Q; q++) {
      const c = src + (<usize>q << 2);
      let m: f64 = -Infinity;
      for (let d = 0; d < D; d++) m = max(m, <f64>load<f32>(c + <usize>d * row));
      if (m == Infinity || m == -Infinity) m = 0;
      let s: f64 = 0;
      for (let d = 0; d < D; d++) s += Math.exp(<f64>load<f32>(c + <usize>d * row) - m);
      store<f32>(out + <usize>p * row + (<usize>q << 2), <f32>(Math.log(s) + m));
    }
  }
}

// dinp (P,D,Q) += dout (P,Q) * e^(inp - out) (ATen logsumexp_backward: the float32 difference,
// its exp rounded to float32, times dout). ref: src/ref/reduce.ts
export function logsumexp_backward(dinp: usize, inp: usize, out: usize, dout: usize, P: i32, D: i32, Q: i32): void {
  const row = <usize>Q << 2, plane = <usize>D * row;
  for (let p = 0; p < P; p++) {
    for (let d = 0; d < D; d++) {
      const at = <usize>p * plane + <usize>d * row;
      for (let q = 0; q < Q; q++) {
        const j = <usize>p * row + (<usize>q << 2), o = at + (<usize>q << 2);
        const e = <f32>Math.exp(<f64>(load<f32>(inp + o) - load<f32>(out + j)));
        store<f32>(dinp + o, load<f32>(dinp + o) + load<f32>(dout + j) * e);
      }
    }
  }
}
