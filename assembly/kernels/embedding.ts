// Embedding lookup (torch C[idx]) as a row gather, and its backward as a scatter-add.
// An index outside [0, V) is recorded in the status word (assembly/status.ts) and its row is
// zero (forward) or skipped (backward): never a read or write out of bounds.
// Leaves out: padding_idx, max_norm.
import { fail, S_INDEX } from '../status';
// Rows are E floats (E = 10: 40 bytes, so rows are not 16-byte aligned; wasm v128 loads need not be).

// table (V,E), idx (N) i32 -> out (N,E), out[n] = table[idx[n]]. ref: src/ref/embedding.ts
// A row is copied as 4-float vectors, then a 2-float (64-bit) piece, then a last float:
// E = 10 is two v128 and one i64 move, with no per-float loop.
// wrap = 1 lets -V <= idx < 0 count from the end (PyTorch's indexing; F.embedding refuses them).
// Threads: by rows of out.
// @split N -> embeddingForwardRows
// @reads table[0 : V*E], idx[u0:u1]
// @writes out(N,E)[u0:u1, :]
// @fails
export function embedding_forward(out: usize, table: usize, idx: usize, N: i32, E: i32, V: i32, wrap: i32): void {
  embeddingForwardRows(out, table, idx, N, E, V, wrap, 0, N);
}

// Rows [n0, n1) of embedding_forward (a bad index is reported at its place in the whole idx).
export function embeddingForwardRows(out: usize, table: usize, idx: usize, N: i32, E: i32, V: i32, wrap: i32, n0: i32, n1: i32): void {
  const rowBytes = <usize>E << 2;
  for (let n = n0; n < n1; n++) {
    let v = load<i32>(idx + (<usize>n << 2));
    if (wrap && v < 0) v += V;
    const dst = out + <usize>n * rowBytes;
    if (<u32>v >= <u32>V) { fail(S_INDEX, load<i32>(idx + (<usize>n << 2)), n); memory.fill(dst, 0, rowBytes); continue; }
    const src = table + <usize>v * rowBytes;
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      for (; i + 4 <= E; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
    }
    for (; i + 2 <= E; i += 2) store<u64>(dst + (<usize>i << 2), load<u64>(src + (<usize>i << 2)));
    if (i < E) store<u32>(dst + (<usize>i << 2), load<u32>(src + (<usize>i << 2)));
  }
}

// dtable (V,E) += scatter of dout (N,E) by idx (N) i32: dtable[idx[n]] += dout[n].
// ref: src/ref/embedding.ts
// NOTE: repeated indices accumulate; rows are added in order n = 0..N-1, one at a time, so no
// two lanes ever write the same element and the sum order matches the reference exactly.
// Threads: thread 0 alone (a scatter-add: two rows may add into one).
// @reads dout[0 : N*E], idx[0:N]
// @writes dtable[0 : V*E]
// @fails
export function embedding_backward(dtable: usize, dout: usize, idx: usize, N: i32, E: i32, V: i32, wrap: i32): void {
  const rowBytes = <usize>E << 2;
  for (let n = 0; n < N; n++) {
    let v = load<i32>(idx + (<usize>n << 2));
    if (wrap && v < 0) v += V;
    if (<u32>v >= <u32>V) { fail(S_INDEX, v, n); continue; }
    const dst = dtable + <usize>v * rowBytes;
    const src = dout + <usize>n * rowBytes;
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      for (; i + 4 <= E; i += 4) {
        const o = <usize>i << 2;
        v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
      }
      if (i + 2 <= E) {
        // two floats through the low half of a vector
        const o = <usize>i << 2;
        v128.store64_lane(dst + o, f32x4.add(v128.load64_zero(dst + o), v128.load64_zero(src + o)), 0);
        i += 2;
      }
    }
    for (; i < E; i++) {
      const o = <usize>i << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
    }
  }
}

// Several index tensors into one (x[i0, i1, ...] with tensors, after broadcasting): the flat
// index over the indexed dims, built one dim at a time as out = out·size + idx (Horner), so the
// gather that follows is one embedding_forward over those dims merged. -size <= idx < 0 counts
// from the end (PyTorch's indexing); anything else outside [0, size) goes to the status word
// and becomes 0. acc = 0 starts the sum (the first dim). ref: src/ref/embedding.ts indexCombine
export function index_combine(out: usize, idx: usize, N: i32, size: i32, acc: i32): void {
  for (let n = 0; n < N; n++) {
    const raw = load<i32>(idx + (<usize>n << 2));
    let v = raw < 0 ? raw + size : raw;
    if (<u32>v >= <u32>size) { fail(S_INDEX, raw, n); v = 0; }
    const p = out + (<usize>n << 2);
    store<i32>(p, acc ? load<i32>(p) * size + v : v);
  }
}
