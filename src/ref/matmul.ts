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

/**
 * out (B0,B1,M,N) (+)= a @ b per batch, as assembly's matmul_batched: layout 0 nn, 1 tn (a stored
 * (K,M)), 2 nt (b stored (N,K)); batch strides in elements, 0 for a broadcast batch dim.
 */
export function matmulBatched(out: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>, layout: number, B0: number, B1: number,
  M: number, K: number, N: number, os: [number, number], as: [number, number], bs: [number, number], acc: boolean): void {
  const f = [matmulNN, matmulTN, matmulNT][layout];
  for (let i = 0; i < B0; i++) {
    for (let j = 0; j < B1; j++) {
      const o = i * os[0] + j * os[1], x = i * as[0] + j * as[1], y = i * bs[0] + j * bs[1];
      const part = out.subarray(o, o + M * N);
      f(part, Array.prototype.slice.call(a, x, x + M * K), Array.prototype.slice.call(b, y, y + K * N), M, K, N, acc);
    }
  }
}
