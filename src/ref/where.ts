// Float64 reference for assembly/kernels/where.ts: selection, exact.

/** out = cond != 0 ? a : b */
export function whereForward(out: Float64Array, cond: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) out[i] = cond[i] !== 0 ? a[i] : b[i];
}

/** dinp (+)= dout where cond is true (side 0) or false (side 1), else 0; acc 0 writes */
export function whereBackward(dinp: Float64Array, cond: ArrayLike<number>, dout: ArrayLike<number>, N: number, side: number, acc = 1): void {
  for (let i = 0; i < N; i++) {
    const g = (cond[i] !== 0) === (side === 0) ? dout[i] : 0;
    dinp[i] = acc ? Math.fround(dinp[i] + g) : g;
  }
}
