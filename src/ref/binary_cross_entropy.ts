// Float64 reference for assembly/kernels/binary_cross_entropy.ts: the per-element losses and
// their gradients for the input and the target (posWeight null for none).

/** (t - 1)·max(log1p(-x), -100) - t·max(log x, -100); NaN for an input outside [0, 1]. */
export function bceForward(x: number, t: number): number {
  if (!(x >= 0 && x <= 1)) return NaN;
  return (t - 1) * Math.max(Math.log1p(-x), -100) - t * Math.max(Math.log(x), -100);
}

/** [d/dx, d/dt] of bceForward times g (PyTorch's: the input's has its denominator clamped at 1e-12). */
export function bceBackward(x: number, t: number, g: number): [number, number] {
  return [g * (x - t) / Math.max((1 - x) * x, 1e-12), -Math.log(x / (1 - x)) * g];
}

/** log(1 + e^-x), stable. */
function softplusNeg(x: number): number {
  const m = Math.max(-x, 0);
  return Math.log(Math.exp(-m) + Math.exp(-x - m)) + m;
}

/** (1 - t)·x + lw·log(1 + e^-x) with lw = (pw - 1)·t + 1. */
export function bceLogitsForward(x: number, t: number, pw: number | null): number {
  const lw = pw === null ? 1 : (pw - 1) * t + 1;
  return (1 - t) * x + lw * softplusNeg(x);
}

/** [d/dx, d/dt] of bceLogitsForward times g. */
export function bceLogitsBackward(x: number, t: number, pw: number | null, g: number): [number, number] {
  const s = 1 / (1 + Math.exp(-x)), p = pw ?? 1;
  return [g * ((p * t + 1 - t) * s - p * t), g * (-x + (p - 1) * softplusNeg(x))];
}
