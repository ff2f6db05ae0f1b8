// Float64 reference for assembly/kernels/binary.ts: pow rounded once to float32, then ATen's
// float32 products; maximum/minimum and their tie rule exactly.
const f = Math.fround;

/** C's pow: 1^y = 1 and (-1)^±inf = 1 (JavaScript's Math.pow says NaN). */
export const powC = (x: number, y: number): number => (x === 1 || (x === -1 && Math.abs(y) === Infinity) ? 1 : Math.pow(x, y));

/** out = a^b */
export function powTensorForward(out: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) out[i] = f(powC(a[i], b[i]));
}

/** da += dout * (b * a^(b-1)), nothing where b == 0 */
export function powTensorBackwardBase(da: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>, dout: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) {
    if (b[i] === 0) continue;
    da[i] = f(da[i] + f(dout[i] * f(b[i] * f(powC(a[i], f(b[i] - 1))))));
  }
}

/** db += dout * (out * ln a), 0 where a == 0 and b >= 0 */
export function powTensorBackwardExponent(db: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>, out: ArrayLike<number>, dout: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) {
    const t = a[i] === 0 && b[i] >= 0 ? 0 : f(out[i] * f(Math.log(a[i])));
    db[i] = f(db[i] + f(dout[i] * t));
  }
}

/** out = max(a, b) (isMin 0) or min(a, b), NaN if either is NaN */
export function maxminForward(out: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>, N: number, isMin: number): void {
  for (let i = 0; i < N; i++) out[i] = isMin ? Math.min(a[i], b[i]) : Math.max(a[i], b[i]);
}

/** dself += dout where self wins, dout / 2 on ties, nothing where other wins */
export function maxminBackward(dself: Float64Array, self: ArrayLike<number>, other: ArrayLike<number>, dout: ArrayLike<number>, N: number, isMin: number): void {
  for (let i = 0; i < N; i++) {
    const x = self[i], y = other[i];
    if (isMin ? x > y : x < y) continue;
    dself[i] = f(dself[i] + (x === y ? f(dout[i] / 2) : dout[i]));
  }
}
