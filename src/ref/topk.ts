// Float64 reference for assembly/kernels/topk.ts: torch.topk's indices by a full sort.

/** out (R,K): each row's K best column indices, best first; NaN largest, ties lowest index first. */
export function topkIndices(out: Int32Array, inp: ArrayLike<number>, R: number, C: number, K: number, largest: boolean): void {
  const key = (v: number) => (Number.isNaN(v) ? Infinity : v);
  for (let r = 0; r < R; r++) {
    const idx = Array.from({ length: C }, (_, j) => j);
    idx.sort((a, b) => {
      const va = inp[r * C + a], vb = inp[r * C + b];
      const na = Number.isNaN(va), nb = Number.isNaN(vb);
      if (na !== nb) return largest ? (na ? -1 : 1) : (na ? 1 : -1);
      if (!na && key(va) !== key(vb)) return largest ? vb - va : va - vb;
      return a - b;
    });
    for (let k = 0; k < K; k++) out[r * K + k] = idx[k];
  }
}
