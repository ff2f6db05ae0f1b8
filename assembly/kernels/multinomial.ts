// torch.multinomial's two CPU algorithms (PyTorch 1.13), given the random draws (made in JS by
// src/random/generator.ts, so the streams are PyTorch's): without replacement, the K largest p/q
// with q ~ Exp(1) (the Gumbel trick); with replacement (even K = 1 in 1.13), a binary search of
// each uniform in the row's normalised cumulative sums. Bad probabilities go to the status word.
// Leaves out: float64 probabilities, rows with fewer non-zero entries than samples drawn
// without replacement (PyTorch's order among zeros depends on its sort: reported instead).
import { fail, S_VALUE } from '../status';

// probs (R,C): records (row, col) of the first entry that is negative, inf or NaN, or (row, -1)
// for a row with no positive entry (PyTorch's checks, made before any draw). ref: src/ref/multinomial.ts
export function multinomial_check(probs: usize, R: i32, C: i32): void {
  for (let r = 0; r < R; r++) {
    let any = false;
    const row = probs + ((<usize>r * <usize>C) << 2);
    for (let c = 0; c < C; c++) {
      const p = load<f32>(row + (<usize>c << 2));
      if (!(p >= 0 && p < Infinity)) { fail(S_VALUE, r, c); return; }
      if (p > 0) any = true;
    }
    if (!any) { fail(S_VALUE, r, -1); return; }
  }
}

// Whether column a beats column b: a larger f32(p/q), a NaN above everything (torch's topk and
// argmax put NaN first), the lower index on a tie.
// @ts-ignore: decorator
@inline function beats(ra: f32, a: i32, rb: f32, b: i32): bool {
  if (ra != ra) return rb == rb || a < b;
  if (rb != rb) return false;
  return ra > rb || (ra == rb && a < b);
}

// @ts-ignore: decorator
@inline function ratio(p: usize, q: usize, c: i32): f32 {
  return load<f32>(p + (<usize>c << 2)) / load<f32>(q + (<usize>c << 2));
}

// Sifts heap slot i down a min-heap (the worst kept column at the root) of n column indices.
function siftDown(heap: usize, n: i32, i: i32, p: usize, q: usize): void {
  const col = load<i32>(heap + (<usize>i << 2));
  const r = ratio(p, q, col);
  while (true) {
    let w = 2 * i + 1;
    if (w >= n) break;
    let wc = load<i32>(heap + (<usize>w << 2));
    let wr = ratio(p, q, wc);
    if (w + 1 < n) {
      const c2 = load<i32>(heap + (<usize>(w + 1) << 2));
      const r2 = ratio(p, q, c2);
      if (beats(wr, wc, r2, c2)) { w++; wc = c2; wr = r2; }
    }
    if (!beats(r, col, wr, wc)) break;
    store<i32>(heap + (<usize>i << 2), wc);
    i = w;
  }
  store<i32>(heap + (<usize>i << 2), col);
}

// probs (R,C), q (R,C) exponential draws -> out (R,K): per row the K columns with the largest
// f32(p/q), largest first (K = 1: torch's argmax; K > 1: torch's topk). heap: K i32 of scratch.
// Records (row, -2) when a row's K-th pick has p/q = 0 (fewer than K non-zero probabilities).
// ref: src/ref/multinomial.ts
export function multinomial_topk(out: usize, probs: usize, q: usize, heap: usize, R: i32, C: i32, K: i32): void {
  for (let r = 0; r < R; r++) {
    const off = (<usize>r * <usize>C) << 2;
    const p = probs + off, qq = q + off;
    const o = out + ((<usize>r * <usize>K) << 2);
    if (K == 1) {
      let best: i32 = 0;
      let br = ratio(p, qq, 0);
      for (let c = 1; c < C; c++) {
        const rc = ratio(p, qq, c);
        if (beats(rc, c, br, best)) { best = c; br = rc; }
      }
      store<i32>(o, best);
      continue;
    }
    // A min-heap of the K best columns so far, then heapsort it out, worst last.
    for (let c = 0; c < K; c++) store<i32>(heap + (<usize>c << 2), c);
    for (let i = K / 2 - 1; i >= 0; i--) siftDown(heap, K, i, p, qq);
    for (let c = K; c < C; c++) {
      const top = load<i32>(heap);
      if (beats(ratio(p, qq, c), c, ratio(p, qq, top), top)) { store<i32>(heap, c); siftDown(heap, K, 0, p, qq); }
    }
    const worst = load<i32>(heap);
    if (ratio(p, qq, worst) == 0) fail(S_VALUE, r, -2);
    for (let n = K; n > 0; n--) {
      store<i32>(o + (<usize>(n - 1) << 2), load<i32>(heap));
      store<i32>(heap, load<i32>(heap + (<usize>(n - 1) << 2)));
      siftDown(heap, n - 1, 0, p, qq);
    }
  }
}

// probs (R,C), u (R,K) float64 uniforms in [0,1) -> out (R,K) with replacement: cum (C floats of
// scratch) = the row's running float32 sum divided by its total, the last set to 1; each sample
// is the first column whose cum is not below u (binary search, float32 compared in float64).
// ref: src/ref/multinomial.ts
export function multinomial_cdf(out: usize, probs: usize, u: usize, cum: usize, R: i32, C: i32, K: i32): void {
  for (let r = 0; r < R; r++) {
    const p = probs + ((<usize>r * <usize>C) << 2);
    let sum: f32 = 0;
    for (let c = 0; c < C; c++) {
      sum += load<f32>(p + (<usize>c << 2));
      store<f32>(cum + (<usize>c << 2), sum);
    }
    for (let c = 0; c < C; c++) store<f32>(cum + (<usize>c << 2), load<f32>(cum + (<usize>c << 2)) / sum);
    store<f32>(cum + (<usize>(C - 1) << 2), 1);
    for (let s = 0; s < K; s++) {
      const n = <usize>r * <usize>K + <usize>s;
      const x = load<f64>(u + (n << 3));
      let lo = 0, hi = C;
      while (hi - lo > 0) {
        const mid = lo + (hi - lo) / 2;
        if (<f64>load<f32>(cum + (<usize>mid << 2)) < x) lo = mid + 1;
        else hi = mid;
      }
      store<i32>(out + (n << 2), lo);
    }
  }
}
