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

/** out (P,Q) = max (or min) over d of inp (P,D,Q), idx = first d holding it; NaN wins */
export function maxminMid(out: Float64Array, idx: Int32Array, inp: ArrayLike<number>, P: number, D: number, Q: number, isMin: number): void {
  for (let p = 0; p < P; p++) {
    for (let q = 0; q < Q; q++) {
      let m = inp[p * D * Q + q], at = 0;
      for (let d = 1; d < D; d++) {
        const x = inp[(p * D + d) * Q + q];
        if (Number.isNaN(m)) break;
        if (Number.isNaN(x) || (isMin ? x < m : x > m)) { m = x; at = d; }
      }
      out[p * Q + q] = m;
      idx[p * Q + q] = at;
    }
  }
}

/** dinp (P,D,Q) += dout (P,Q) at d = idx */
export function indexMidBackward(dinp: Float64Array, idx: ArrayLike<number>, dout: ArrayLike<number>, P: number, D: number, Q: number): void {
  for (let p = 0; p < P; p++) for (let q = 0; q < Q; q++) {
    const k = (p * D + idx[p * Q + q]) * Q + q;
    dinp[k] = f(dinp[k] + dout[p * Q + q]);
  }
}

/** dinp += dout / count at the d where inp == out (evenly 1: NaN matches NaN, else mask * share everywhere) */
export function tiesBackward(dinp: Float64Array, inp: ArrayLike<number>, out: ArrayLike<number>, dout: ArrayLike<number>, P: number, D: number, Q: number, evenly: number): void {
  for (let p = 0; p < P; p++) for (let q = 0; q < Q; q++) {
    const m = out[p * Q + q];
    const hit = (x: number) => x === m || (evenly === 1 && Number.isNaN(m) && Number.isNaN(x));
    let count = 0;
    for (let d = 0; d < D; d++) if (hit(inp[(p * D + d) * Q + q])) count++;
    const share = f(dout[p * Q + q] / count);
    for (let d = 0; d < D; d++) {
      const k = (p * D + d) * Q + q;
      if (hit(inp[k])) dinp[k] = f(dinp[k] + share);
      else if (!evenly) dinp[k] = f(dinp[k] + 0 * share);
    }
  }
}

/** out (P,Q) = log(sum_d e^(x - m)) + m over d of inp (P,D,Q), m the max (0 if ±Infinity) */
export function logsumexpMid(out: Float64Array, inp: ArrayLike<number>, P: number, D: number, Q: number): void {
  for (let p = 0; p < P; p++) for (let q = 0; q < Q; q++) {
    let m = -Infinity;
    for (let d = 0; d < D; d++) m = Math.max(m, inp[(p * D + d) * Q + q]);
    if (m === Infinity || m === -Infinity) m = 0;
    let s = 0;
    for (let d = 0; d < D; d++) s += Math.exp(inp[(p * D + d) * Q + q] - m);
    out[p * Q + q] = f(Math.log(s) + m);
  }
}

/** dinp (P,D,Q) += dout (P,Q) * e^(inp - out), the difference in float32 */
export function logsumexpBackward(dinp: Float64Array, inp: ArrayLike<number>, out: ArrayLike<number>, dout: ArrayLike<number>, P: number, D: number, Q: number): void {
  for (let p = 0; p < P; p++) for (let d = 0; d < D; d++) for (let q = 0; q < Q; q++) {
    const k = (p * D + d) * Q + q;
    dinp[k] = f(dinp[k] + f(dout[p * Q + q] * f(Math.exp(f(inp[k] - out[p * Q + q])))));
  }
}
