// Float64 reference for assembly/kernels/sgd.ts: p += (-lr) * g, rounded as float32 would.

export function sgdUpdate(params: Float64Array, grads: ArrayLike<number>, lr: number): void {
  const nlr = Math.fround(-lr);
  for (let i = 0; i < params.length; i++) params[i] = Math.fround(params[i] + Math.fround(nlr * grads[i]));
}
