// Float64 reference for assembly/kernels/gather.ts: torch.gather along the middle dim of
// (O, V, I), and scatter-add (its backward, and scatter_add's forward).

/** out (O,J,I): out[o,j,i] = inp[o, idx[o,j,i], i]. */
export function gatherForward(out: Float64Array, inp: ArrayLike<number>, idx: ArrayLike<number>, O: number, J: number, I: number, V: number): void {
  for (let o = 0; o < O; o++) for (let j = 0; j < J; j++) for (let i = 0; i < I; i++) {
    const n = (o * J + j) * I + i;
    out[n] = inp[(o * V + idx[n]) * I + i];
  }
}

/** dinp (O,V,I) += src (O,J,I) at [o, idx[o,j,i], i], in order; fr = Math.fround rounds each add as float32. */
export function scatterAdd(dinp: Float64Array, src: ArrayLike<number>, idx: ArrayLike<number>, O: number, J: number, I: number, V: number,
  fr: (x: number) => number = (x) => x): void {
  for (let o = 0; o < O; o++) for (let j = 0; j < J; j++) for (let i = 0; i < I; i++) {
    const n = (o * J + j) * I + i, p = (o * V + idx[n]) * I + i;
    dinp[p] = fr(dinp[p] + src[n]);
  }
}
