// Float64 reference for assembly/kernels/unary.ts. Transcendentals are float64 rounded once to
// float32 (the kernels agree within 1 ulp); the float32-op kernels are mirrored bit for bit.
const f = Math.fround;

type Map = (out: Float64Array, a: ArrayLike<number>, N: number) => void;
const map = (fn: (x: number) => number): Map => (out, a, N) => { for (let i = 0; i < N; i++) out[i] = f(fn(a[i])); };

export const negForward = map((x) => -x);
export const expForward = map(Math.exp);
export const logForward = map(Math.log);
export const log10Forward = map(Math.log10);
export const sqrtForward = map(Math.sqrt);

/**
 * a^p; p = 2, 0.5, -1, -0.5, 3, -2 are the float32 ops x*x, sqrt x, 1/x, 1/sqrt x, (x*x)*x and
 * 1/(x*x), as PyTorch's CPU kernel special-cases them (so (-0)**0.5 = -0).
 */
export function powForward(out: Float64Array, a: ArrayLike<number>, p: number, N: number): void {
  p = f(p);
  for (let i = 0; i < N; i++) {
    const x = a[i];
    out[i] = p === 2 ? f(x * x) : p === 0.5 ? f(Math.sqrt(x)) : p === -1 ? f(1 / x)
      : p === -0.5 ? f(1 / f(Math.sqrt(x))) : p === 3 ? f(f(x * x) * x) : p === -2 ? f(1 / f(x * x)) : f(Math.pow(x, p));
  }
}

/** dinp += dout * out */
export function expBackward(dinp: Float64Array, out: ArrayLike<number>, dout: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) dinp[i] = f(dinp[i] + f(dout[i] * out[i]));
}

/** dinp += dout / inp */
export function logBackward(dinp: Float64Array, inp: ArrayLike<number>, dout: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) dinp[i] = f(dinp[i] + f(dout[i] / inp[i]));
}

/** dinp += dout / (inp * ln 10), ln 10 rounded to float32 */
export function log10Backward(dinp: Float64Array, inp: ArrayLike<number>, dout: ArrayLike<number>, N: number): void {
  const ln10 = f(Math.LN10);
  for (let i = 0; i < N; i++) dinp[i] = f(dinp[i] + f(dout[i] / f(inp[i] * ln10)));
}

/** dinp += dout * p * inp^(p-1), the term in float64 rounded once; for p = 3, PyTorch's float32 dout * (3 * (x*x)) */
export function powBackward(dinp: Float64Array, inp: ArrayLike<number>, dout: ArrayLike<number>, p: number, N: number): void {
  p = f(p);
  if (p === 0) return; // the gradient of x^0 is 0 everywhere, as PyTorch's
  if (p === 3) {
    for (let i = 0; i < N; i++) dinp[i] = f(dinp[i] + f(dout[i] * f(3 * f(inp[i] * inp[i]))));
    return;
  }
  for (let i = 0; i < N; i++) dinp[i] = f(dinp[i] + f(dout[i] * p * Math.pow(inp[i], p - 1)));
}

/** dinp += dout * 0.5 / out, out = sqrt(inp) */
export function sqrtBackward(dinp: Float64Array, out: ArrayLike<number>, dout: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) dinp[i] = f(dinp[i] + f(f(dout[i] * 0.5) / out[i]));
}

export const absForward = map(Math.abs);
export const log1pForward = map(Math.log1p);
export const sinForward = map(Math.sin);
export const cosForward = map(Math.cos);
/** 1, -1, or 0 for ±0 and NaN (as torch.sign in 1.13) */
export const signForward = map((x) => (x > 0 ? 1 : x < 0 ? -1 : 0));

/** dinp += dout * sign(inp) */
export function absBackward(dinp: Float64Array, inp: ArrayLike<number>, dout: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) dinp[i] = f(dinp[i] + f(dout[i] * (inp[i] > 0 ? 1 : inp[i] < 0 ? -1 : 0)));
}

/** dinp += dout / (inp + 1) */
export function log1pBackward(dinp: Float64Array, inp: ArrayLike<number>, dout: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) dinp[i] = f(dinp[i] + f(dout[i] / f(inp[i] + 1)));
}

/** dinp += dout * cos(inp) */
export function sinBackward(dinp: Float64Array, inp: ArrayLike<number>, dout: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) dinp[i] = f(dinp[i] + f(dout[i] * f(Math.cos(inp[i]))));
}

/** dinp += dout * -sin(inp) */
export function cosBackward(dinp: Float64Array, inp: ArrayLike<number>, dout: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) dinp[i] = f(dinp[i] + f(dout[i] * -f(Math.sin(inp[i]))));
}

/** dinp += -dout * (out * out), out = 1/inp */
export function reciprocalBackward(dinp: Float64Array, out: ArrayLike<number>, dout: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) dinp[i] = f(dinp[i] + f(-dout[i] * f(out[i] * out[i])));
}

/** dinp += -0.5 * dout * out^3, out = 1/sqrt(inp) */
export function rsqrtBackward(dinp: Float64Array, out: ArrayLike<number>, dout: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) dinp[i] = f(dinp[i] + f(f(-0.5 * dout[i]) * f(f(out[i] * out[i]) * out[i])));
}
