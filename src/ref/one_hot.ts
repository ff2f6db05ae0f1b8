// Float64 reference for assembly/kernels/one_hot.ts: F.one_hot.

/** out (N,C): 1 at [n, idx[n]], 0 elsewhere. */
export function oneHot(out: Float64Array, idx: ArrayLike<number>, N: number, C: number): void {
  out.fill(0, 0, N * C);
  for (let n = 0; n < N; n++) out[n * C + idx[n]] = 1;
}
