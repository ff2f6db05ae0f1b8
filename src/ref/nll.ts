// Float64 reference for assembly/kernels/nll.ts: per-element negative log-likelihood.
const f = Math.fround;

/** loss (N,D) = -w[t] * logp[n,t,d], wsum (N,D) = w[t] (0 when t == ignoreIndex) */
export function nllForward(loss: Float64Array, wsum: Float64Array, logp: ArrayLike<number>, targets: ArrayLike<number>,
  weight: ArrayLike<number> | null, N: number, C: number, D: number, ignoreIndex: number): void {
  for (let n = 0; n < N; n++) {
    for (let d = 0; d < D; d++) {
      const e = n * D + d, t = targets[e];
      const w = t === ignoreIndex ? 0 : weight ? weight[t] : 1;
      wsum[e] = w;
      loss[e] = t === ignoreIndex ? 0 : f(-w * logp[(n * C + t) * D + d]);
    }
  }
}

/** dlogp (N,C,D) += -w[t] * dloss[n,d] at each element's target */
export function nllBackward(dlogp: Float64Array, dloss: ArrayLike<number>, targets: ArrayLike<number>,
  weight: ArrayLike<number> | null, N: number, C: number, D: number, ignoreIndex: number): void {
  for (let n = 0; n < N; n++) {
    for (let d = 0; d < D; d++) {
      const e = n * D + d, t = targets[e];
      if (t === ignoreIndex) continue;
      const i = (n * C + t) * D + d;
      dlogp[i] = f(dlogp[i] + f(-(weight ? weight[t] : 1) * dloss[e]));
    }
  }
}
