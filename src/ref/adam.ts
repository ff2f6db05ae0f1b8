// Float64 reference for assembly/kernels/adam.ts: one Adam/AdamW step per element with each
// float32 operation rounded (Math.fround) and the fused multiply-adds rounded once (fma32),
// in PyTorch 1.13's order. Scalars as adam_step takes them (already rounded to float32).
import { fma32 } from '../random/fma.ts';

const f = Math.fround;

export interface AdamScalars {
  negStepSize: number; bc2Sqrt: number; decay: number; beta1: number; oneMinusBeta1: number;
  beta2: number; oneMinusBeta2: number; eps: number; weightDecay: number;
  amsgrad: boolean; maximize: boolean; decoupled: boolean;
}

/** Updates p, m, v (and vmax with amsgrad) in place. */
export function adamStep(p: Float64Array, g: ArrayLike<number>, m: Float64Array, v: Float64Array, vmax: Float64Array | null, s: AdamScalars): void {
  const S = Object.fromEntries(Object.entries(s).map(([k, x]) => [k, typeof x === 'number' ? f(x) : x])) as unknown as AdamScalars;
  for (let i = 0; i < p.length; i++) {
    let pi = p[i], gi = g[i];
    if (S.maximize) gi = -gi;
    if (S.decoupled) pi = f(pi * S.decay);
    else if (S.weightDecay !== 0) gi = fma32(pi, S.weightDecay, gi);
    m[i] = fma32(gi, S.oneMinusBeta1, f(m[i] * S.beta1));
    v[i] = fma32(f(S.oneMinusBeta2 * gi), gi, f(v[i] * S.beta2));
    let d = v[i];
    if (vmax) { d = Number.isNaN(vmax[i]) || Number.isNaN(d) ? NaN : Math.max(vmax[i], d); vmax[i] = d; }
    const denom = f(f(f(Math.sqrt(d)) / S.bc2Sqrt) + S.eps);
    p[i] = f(pi + f(f(S.negStepSize * m[i]) / denom));
  }
}
