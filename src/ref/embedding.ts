// Float64 reference for assembly/kernels/embedding.ts: gather rows of a (V,E) table by index,
// and scatter-add the gradient back (repeated indices accumulate, in order).

/** out (N,E): out[n] = table[idx[n]]. */
export function embeddingForward(out: Float64Array, table: ArrayLike<number>, idx: ArrayLike<number>, N: number, E: number): void {
  for (let n = 0; n < N; n++) for (let e = 0; e < E; e++) out[n * E + e] = table[idx[n] * E + e];
}

/** dtable (V,E) += dout[n] at row idx[n], for n = 0..N-1. Pass fr = Math.fround to round each add as float32 does. */
export function embeddingBackward(dtable: Float64Array, dout: ArrayLike<number>, idx: ArrayLike<number>, N: number, E: number,
  fr: (x: number) => number = (x) => x): void {
  for (let n = 0; n < N; n++) for (let e = 0; e < E; e++) dtable[idx[n] * E + e] = fr(dtable[idx[n] * E + e] + dout[n * E + e]);
}

/** out (N) = out·size + idx (acc) or idx, with -size <= idx < 0 counted from the end; null if an index is out of range. */
export function indexCombine(out: Int32Array, idx: ArrayLike<number>, N: number, size: number, acc: boolean): number | null {
  for (let n = 0; n < N; n++) {
    const v = idx[n] < 0 ? idx[n] + size : idx[n];
    if (v < 0 || v >= size) return n;
    out[n] = acc ? out[n] * size + v : v;
  }
  return null;
}
