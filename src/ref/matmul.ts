// Float64 reference for assembly/kernels/matmul.ts: the three layouts as plain triple loops.
// Row-major throughout; acc=true adds into out (backward accumulates), false overwrites it.

/** out(M,N) (+)= a(M,K) @ b(K,N) */
export function matmulNN(out: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number, acc: boolean): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += a[i * K + p] * b[p * N + j];
      out[i * N + j] = acc ? out[i * N + j] + s : s;
    }
  }
}

/** out(M,N) (+)= aᵀ @ b, with a stored (K,M) and b (K,N): dweight = inpᵀ @ dout */
export function matmulTN(out: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number, acc: boolean): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += a[p * M + i] * b[p * N + j];
      out[i * N + j] = acc ? out[i * N + j] + s : s;
    }
  }
}

/** out(M,N) (+)= a @ bᵀ, with a stored (M,K) and b (N,K): dinp = dout @ weightᵀ */
export function matmulNT(out: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number, acc: boolean): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += a[i * K + p] * b[j * K + p];
      out[i * N + j] = acc ? out[i * N + j] + s : s;
    }
  }
}
