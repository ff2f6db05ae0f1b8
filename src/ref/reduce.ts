// Float64 reference for assembly/kernels/reduce.ts: exact-order float64 sums rounded once to
// float32, then (acc) one float32 add. The kernels sum in another order, so agree within 1 ulp.
const f = Math.fround;
const put = (out: Float64Array, i: number, s: number, acc: number) => { out[i] = acc ? f(out[i] + f(s)) : f(s); };

/** out (N) (+)= column sums of inp (M,N) */
export function sumDim0(out: Float64Array, inp: ArrayLike<number>, M: number, N: number, acc: number): void {
  for (let j = 0; j < N; j++) {
    let s = 0;
    for (let i = 0; i < M; i++) s += inp[i * N + j];
    put(out, j, s, acc);
  }
}

/** out (M) (+)= row sums of inp (M,N) */
export function sumDim1(out: Float64Array, inp: ArrayLike<number>, M: number, N: number, acc: number): void {
  for (let i = 0; i < M; i++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += inp[i * N + j];
    put(out, i, s, acc);
  }
}

/** out[0] (+)= sum of inp (N) */
export function sumAll(out: Float64Array, inp: ArrayLike<number>, N: number, acc: number): void {
  let s = 0;
  for (let i = 0; i < N; i++) s += inp[i];
  put(out, 0, s, acc);
}

/** out (M) = row max of inp (M,N); NaN anywhere in a row gives NaN */
export function maxDim1(out: Float64Array, inp: ArrayLike<number>, M: number, N: number): void {
  for (let i = 0; i < M; i++) {
    let m = -Infinity;
    for (let j = 0; j < N; j++) m = Math.max(m, inp[i * N + j]);
    out[i] = m;
  }
}
