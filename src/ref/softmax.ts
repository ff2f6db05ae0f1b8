// Float64 reference for assembly/kernels/softmax.ts, row by row (dim 1). The forward is
// float64 throughout and rounds once; the backward rounds the row's dot product, then float32.
const f = Math.fround;

/** out (M,N) = softmax of each row of inp (M,N), max-subtracted */
export function softmaxForward(out: Float64Array, inp: ArrayLike<number>, M: number, N: number): void {
  for (let i = 0; i < M; i++) {
    let m = -Infinity;
    for (let j = 0; j < N; j++) m = Math.max(m, inp[i * N + j]);
    let s = 0;
    for (let j = 0; j < N; j++) s += Math.exp(inp[i * N + j] - m);
    for (let j = 0; j < N; j++) out[i * N + j] = f(Math.exp(inp[i * N + j] - m) / s);
  }
}

/** dinp (M,N) += out * (dout - sum_j dout_j out_j), per row */
export function softmaxBackward(dinp: Float64Array, out: ArrayLike<number>, dout: ArrayLike<number>, M: number, N: number): void {
  for (let i = 0; i < M; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += dout[i * N + j] * out[i * N + j];
    const sf = f(s);
    for (let j = 0; j < N; j++) {
      const k = i * N + j;
      dinp[k] = f(dinp[k] + f(out[k] * f(dout[k] - sf)));
    }
  }
}

/** out (M,N) = log softmax of each row of inp (M,N) */
export function logSoftmaxForward(out: Float64Array, inp: ArrayLike<number>, M: number, N: number): void {
  for (let i = 0; i < M; i++) {
    let m = -Infinity;
    for (let j = 0; j < N; j++) m = Math.max(m, inp[i * N + j]);
    let s = 0;
    for (let j = 0; j < N; j++) s += Math.exp(inp[i * N + j] - m);
    const lse = m + Math.log(s);
    for (let j = 0; j < N; j++) out[i * N + j] = f(inp[i * N + j] - lse);
  }
}

/** dinp (M,N) += dout - exp(out) * sum_j dout_j, per row */
export function logSoftmaxBackward(dinp: Float64Array, out: ArrayLike<number>, dout: ArrayLike<number>, M: number, N: number): void {
  for (let i = 0; i < M; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += dout[i * N + j];
    const sf = f(s);
    for (let j = 0; j < N; j++) {
      const k = i * N + j;
      dinp[k] = f(dinp[k] + f(dout[k] - f(f(Math.exp(out[k])) * sf)));
    }
  }
}
