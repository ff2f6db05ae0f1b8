// Float64 reference for assembly/kernels/activation.ts: ATen's float32 operation order with
// exact transcendentals (Math.exp, erf below, Math.tanh), each rounded to float32 once. The
// kernels' exp/erf/tanh are float64 approximations, so they agree within 1-2 float32 ulps.
const f = Math.fround;

/**
 * erf in float64 (absolute error ~1e-15): its Taylor series below 2.5, else 1 - erfc with
 * erfc from its continued fraction, e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))).
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a < 2.5) {
    let term = a, sum = a;
    for (let n = 1; n < 60; n++) {
      term *= -a * a / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * sum * 2 / Math.sqrt(Math.PI);
  }
  if (a > 6) return Math.sign(x);
  let frac = a;
  for (let k = 80; k >= 1; k--) frac = a + (k / 2) / frac;
  return Math.sign(x) * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / frac);
}

const SQRT1_2 = f(Math.SQRT1_2);
const PDF_BETA = f(2 / Math.sqrt(Math.PI) * Math.SQRT1_2 * 0.5);
const TANH_BETA = f(Math.SQRT2 * 2 / Math.sqrt(Math.PI) * 0.5);
const KAPPA = f(0.044715);
const KAPPA3 = f(3 * KAPPA);

/** out = x < 0 ? 0 : x */
export function reluForward(out: Float64Array, inp: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) out[i] = inp[i] < 0 ? 0 : inp[i];
}

/** The backward kernels' acc: 1 adds d into dinp[i], 0 writes it. */
const put = (dinp: Float64Array, i: number, d: number, acc: number) => { dinp[i] = acc ? f(dinp[i] + d) : d; };

/** dinp (+)= out <= 0 ? 0 : dout */
export function reluBackward(dinp: Float64Array, out: ArrayLike<number>, dout: ArrayLike<number>, N: number, acc = 1): void {
  for (let i = 0; i < N; i++) put(dinp, i, out[i] <= 0 ? 0 : dout[i], acc);
}

/** out = 1 / (1 + e^-x) */
export function sigmoidForward(out: Float64Array, inp: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) out[i] = f(1 / f(1 + f(Math.exp(-inp[i]))));
}

/** dinp (+)= dout * (1 - out) * out */
export function sigmoidBackward(dinp: Float64Array, out: ArrayLike<number>, dout: ArrayLike<number>, N: number, acc = 1): void {
  for (let i = 0; i < N; i++) put(dinp, i, f(f(dout[i] * f(1 - out[i])) * out[i]), acc);
}

/** approx 0: x * 0.5 * (1 + erf(x / sqrt 2)); 1: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
export function geluForward(out: Float64Array, inp: ArrayLike<number>, N: number, approx: number): void {
  for (let i = 0; i < N; i++) {
    const x = inp[i];
    if (approx) {
      const inner = f(TANH_BETA * f(x + f(KAPPA * f(f(x * x) * x))));
      out[i] = f(f(0.5 * x) * f(1 + f(Math.tanh(inner))));
    } else {
      out[i] = f(f(x * 0.5) * f(1 + f(erf(f(x * SQRT1_2)))));
    }
  }
}

/** dinp (+)= dout * gelu'(x), in ATen's order (see the kernel) */
export function geluBackward(dinp: Float64Array, inp: ArrayLike<number>, dout: ArrayLike<number>, N: number, approx: number, acc = 1): void {
  for (let i = 0; i < N; i++) {
    const x = inp[i];
    let d: number;
    if (approx) {
      const x2 = f(x * x);
      const t = f(Math.tanh(f(TANH_BETA * f(x + f(KAPPA * f(x2 * x))))));
      const leftD = f(0.5 * f(1 + t));
      const tanhD = f(1 - f(t * t));
      const innerD = f(TANH_BETA * f(1 + f(KAPPA3 * x2)));
      d = f(leftD + f(f(f(0.5 * x) * tanhD) * innerD));
    } else {
      const cdf = f(0.5 * f(1 + f(erf(f(x * SQRT1_2)))));
      const pdf = f(PDF_BETA * f(Math.exp(f(f(x * x) * -0.5))));
      d = f(cdf + f(x * pdf));
    }
    put(dinp, i, f(dout[i] * d), acc);
  }
}
