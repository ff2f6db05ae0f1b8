// Float64 reference for assembly/kernels/clamp.ts: exact (min/max and masks).
const f = Math.fround;

/** out = min(max(x, lo), hi), NaN-propagating */
export function clampForward(out: Float64Array, inp: ArrayLike<number>, lo: number, hi: number, N: number): void {
  for (let i = 0; i < N; i++) out[i] = Math.min(Math.max(inp[i], f(lo)), f(hi));
}

/** dinp += dout where lo <= x <= hi */
export function clampBackward(dinp: Float64Array, inp: ArrayLike<number>, dout: ArrayLike<number>, lo: number, hi: number, N: number): void {
  for (let i = 0; i < N; i++) if (inp[i] >= f(lo) && inp[i] <= f(hi)) dinp[i] = f(dinp[i] + dout[i]);
}

/** The gradient of x (which 0), lo (1) or hi (2) with tensor bounds, as the kernel's table. */
export function clampTensorBackward(dinp: Float64Array, inp: ArrayLike<number>, lo: ArrayLike<number> | null, hi: ArrayLike<number> | null,
  dout: ArrayLike<number>, N: number, which: number): void {
  for (let i = 0; i < N; i++) {
    const x = inp[i], l = lo ? lo[i] : 0, h = hi ? hi[i] : 0;
    const pass = which === 0 ? (!lo || x >= l) && (!hi || x <= h)
      : which === 1 ? x < l && (!hi || l < h)
        : x > h || (lo !== null && h < l);
    if (pass) dinp[i] = f(dinp[i] + dout[i]);
  }
}
