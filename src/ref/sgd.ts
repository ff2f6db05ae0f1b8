// Float64 reference for assembly/kernels/sgd.ts: p += (-lr) * g, rounded as float32 would.

export function sgdUpdate(params: Float64Array, grads: ArrayLike<number>, lr: number): void {
  const nlr = Math.fround(-lr);
  for (let i = 0; i < params.length; i++) params[i] = Math.fround(params[i] + Math.fround(nlr * grads[i]));
}

/** torch.optim.SGD with options, float32 rounding after each operation (see assembly/kernels/sgd.ts). */
export function sgdMomentum(params: Float64Array, grads: ArrayLike<number>, bufs: Float64Array, lr: number, momentum: number,
  dampening: number, weightDecay: number, nesterov: boolean, maximize: boolean, first: boolean): void {
  const f = Math.fround;
  const damp = f(1 - dampening);
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    let d = grads[i];
    if (maximize) d = -d;
    if (weightDecay !== 0) d = f(d + f(f(weightDecay) * p));
    if (momentum !== 0) {
      const b = first ? d : f(f(f(momentum) * bufs[i]) + f(damp * d));
      bufs[i] = b;
      d = nesterov ? f(d + f(f(momentum) * b)) : b;
    }
    params[i] = f(p - f(f(lr) * d));
  }
}
