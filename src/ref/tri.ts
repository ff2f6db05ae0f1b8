// Float64 reference for assembly/kernels/tri.ts: torch.tril / torch.triu over the last two dims.

/** Whether element (i, j) survives tril(k) (upper false) or triu(k) (upper true). */
export function triKeeps(i: number, j: number, k: number, upper: boolean): boolean {
  return upper ? j - i >= k : j - i <= k;
}

/** out (B,M,N) = inp masked (acc: out += inp masked). */
export function triMask(out: Float64Array, inp: ArrayLike<number>, B: number, M: number, N: number, k: number, upper: boolean, acc: boolean): void {
  for (let b = 0; b < B; b++) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    const n = (b * M + i) * N + j, v = triKeeps(i, j, k, upper) ? inp[n] : 0;
    out[n] = acc ? out[n] + v : v;
  }
}
