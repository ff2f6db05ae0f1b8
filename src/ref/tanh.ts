// Float64 reference for assembly/kernels/tanh.ts. The forward is the exact Math.tanh (the kernel
// approximates it within 1e-6); the backward is mirrored in float32 order, bit for bit.
const f = Math.fround;

export function tanhForward(out: Float64Array, inp: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) out[i] = Math.tanh(inp[i]);
}

/** dinp += (1 - out^2) * dout */
export function tanhBackward(dinp: Float64Array, out: ArrayLike<number>, dout: ArrayLike<number>, N: number): void {
  for (let i = 0; i < N; i++) dinp[i] = f(dinp[i] + f(f(1 - f(out[i] * out[i])) * dout[i]));
}
