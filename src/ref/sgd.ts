// Float64 reference for assembly/kernels/sgd.ts: p += (-lr) * g, rounded as float32 would,
// and torch.optim.SGD's step with its options.
import { fma32 } from '../random/fma.ts';

export function sgdUpdate(params: Float64Array, grads: ArrayLike<number>, lr: number): void {
  const nlr = Math.fround(-lr);
  for (let i = 0; i < params.length; i++) params[i] = Math.fround(params[i] + Math.fround(nlr * grads[i]));
}

/**
 * torch.optim.SGD with options, float32 rounding after each operation and each `x + a*y` fused
 * (rounded once, fma32) unless `unfused` (see assembly/kernels/sgd.ts sgd_step).
 */
export function sgdStep(params: Float64Array, grads: ArrayLike<number>, bufs: Float64Array, lr: number, momentum: number,
  dampening: number, weightDecay: number, nesterov: boolean, maximize: boolean, first: boolean, unfused = false): void {
  const f = Math.fround;
  const [m, wd, nlr, damp] = [f(momentum), f(weightDecay), f(-lr), f(1 - f(dampening))];
  const madd = (x: number, a: number, y: number) => (unfused ? f(y + f(a * x)) : fma32(x, a, y)); // y + a*x
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    let d = grads[i];
    if (maximize) d = -d;
    if (wd !== 0) d = madd(p, wd, d);
    if (m !== 0) {
      const b = first ? d : madd(d, damp, f(m * bufs[i]));
      bufs[i] = b;
      d = nesterov ? madd(b, m, d) : b;
    }
    params[i] = madd(d, nlr, p);
  }
}
