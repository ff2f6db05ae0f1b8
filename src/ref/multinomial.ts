// Reference for assembly/kernels/multinomial.ts: torch.multinomial's two CPU algorithms given the
// draws, written plainly (a full sort instead of a heap). float32 steps are Math.fround'ed, as
// PyTorch computes them in float32: the picks must agree exactly.

/** First bad entry as [row, col], [row, -1] for a row with no positive entry, or null. */
export function multinomialCheck(probs: ArrayLike<number>, R: number, C: number): [number, number] | null {
  for (let r = 0; r < R; r++) {
    let any = false;
    for (let c = 0; c < C; c++) {
      const p = probs[r * C + c];
      if (!(p >= 0 && p < Infinity)) return [r, c];
      if (p > 0) any = true;
    }
    if (!any) return [r, -1];
  }
  return null;
}

/** out (R,K): per row the K columns with the largest f32(p/q), largest first, NaN first, lower index on ties. */
export function multinomialTopk(out: Int32Array, probs: ArrayLike<number>, q: ArrayLike<number>, R: number, C: number, K: number): void {
  for (let r = 0; r < R; r++) {
    const ratio = Array.from({ length: C }, (_, c) => Math.fround(probs[r * C + c] / q[r * C + c]));
    const key = (c: number) => (Number.isNaN(ratio[c]) ? Infinity : ratio[c]);
    const order = ratio.map((_, c) => c).sort((a, b) => {
      const na = Number.isNaN(ratio[a]), nb = Number.isNaN(ratio[b]);
      if (na !== nb) return na ? -1 : 1;
      return key(b) - key(a) || a - b;
    });
    for (let s = 0; s < K; s++) out[r * K + s] = order[s];
  }
}

/** out (R,K) with replacement: binary search of each u in the row's float32 normalised cumulative sums. */
export function multinomialCdf(out: Int32Array, probs: ArrayLike<number>, u: ArrayLike<number>, R: number, C: number, K: number): void {
  const fr = Math.fround;
  for (let r = 0; r < R; r++) {
    const cum = new Float64Array(C);
    let sum = 0;
    for (let c = 0; c < C; c++) cum[c] = sum = fr(sum + probs[r * C + c]);
    for (let c = 0; c < C; c++) cum[c] = fr(cum[c] / sum);
    cum[C - 1] = 1;
    for (let s = 0; s < K; s++) {
      const x = u[r * K + s];
      let lo = 0, hi = C;
      while (hi > lo) {
        const mid = lo + ((hi - lo) >> 1);
        if (cum[mid] < x) lo = mid + 1; else hi = mid;
      }
      out[r * K + s] = lo;
    }
  }
}
