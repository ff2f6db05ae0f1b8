// Float64 reference for assembly/kernels/layer_norm.ts: rows of N, biased variance, eps inside
// the square root, optional weight and bias (null). Exact float64 throughout.

/** out (M,N), mean (M), rstd (M) from inp (M,N). */
export function layerNormForward(out: Float64Array, mean: Float64Array, rstd: Float64Array, inp: ArrayLike<number>,
  weight: ArrayLike<number> | null, bias: ArrayLike<number> | null, eps: number, M: number, N: number): void {
  for (let r = 0; r < M; r++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += inp[r * N + j];
    const m = s / N;
    let q = 0;
    for (let j = 0; j < N; j++) q += (inp[r * N + j] - m) ** 2;
    const rs = 1 / Math.sqrt(q / N + eps);
    mean[r] = m; rstd[r] = rs;
    for (let j = 0; j < N; j++) {
      const h = (inp[r * N + j] - m) * rs;
      out[r * N + j] = h * (weight ? weight[j] : 1) + (bias ? bias[j] : 0);
    }
  }
}

/** dinp (M,N), dweight (N), dbias (N) += (any may be null) from dout (M,N). */
export function layerNormBackward(dinp: Float64Array | null, dweight: Float64Array | null, dbias: Float64Array | null,
  dout: ArrayLike<number>, inp: ArrayLike<number>, weight: ArrayLike<number> | null, mean: ArrayLike<number>, rstd: ArrayLike<number>,
  M: number, N: number): void {
  for (let r = 0; r < M; r++) {
    const xh = (j: number) => (inp[r * N + j] - mean[r]) * rstd[r];
    const dn = (j: number) => dout[r * N + j] * (weight ? weight[j] : 1);
    let a = 0, b = 0;
    for (let j = 0; j < N; j++) { a += dn(j); b += dn(j) * xh(j); }
    a /= N; b /= N;
    for (let j = 0; j < N; j++) {
      if (dinp) dinp[r * N + j] += (dn(j) - a - xh(j) * b) * rstd[r];
      if (dweight) dweight[j] += dout[r * N + j] * xh(j);
      if (dbias) dbias[j] += dout[r * N + j];
    }
  }
}
