// torch.optim.Adam and AdamW (PyTorch 1.13's single-tensor path) over one flat block of
// parameters, gradients and their state, in PyTorch's order and rounding. The scalars that
// depend on the learning rate and the step count are computed in float64 by the TS optimizer
// (as PyTorch computes them in Python) and passed in, rounded to float32 as PyTorch's kernels
// round a Python number.

// params, grads, expAvg, expAvgSq (N), maxExpAvgSq (N, or 0 without amsgrad). Per element:
//   g = maximize ? -g : g
//   AdamW: p = p * decay                      (decay = 1 - lr*weightDecay)
//   Adam:  g = g + weightDecay * p            (when weightDecay != 0)
//   m = m*beta1 + (1 - beta1)*g;  v = v*beta2 + (1 - beta2)*g*g
//   amsgrad: vmax = max(vmax, v), and vmax replaces v below
//   p = p + negStepSize * m / (sqrt(v) / bc2Sqrt + eps)
// with negStepSize = -lr / (1 - beta1^step) and bc2Sqrt = sqrt(1 - beta2^step).
// flags: 1 amsgrad, 2 maximize, 4 decoupled (AdamW). ref: src/ref/adam.ts
// NOTE: PyTorch's AVX2 build fuses `x + a*y` (add_ with alpha, addcmul_) into one rounding:
// m = fma(g, 1-beta1, m*beta1), v = fma((1-beta2)*g, g, v*beta2), Adam's g = fma(p, wd, g). The
// eps goes OUTSIDE the square root, after the bias correction; addcdiv_ is (s*m)/denom, then +p.
import { fma32, fma32x4 } from '../simd';

// @split N: params += 1, grads += 1, expAvg += 1, expAvgSq += 1, maxExpAvgSq += 1
// @reads grads[u0:u1]
// @writes params[u0:u1], expAvg[u0:u1], expAvgSq[u0:u1], maxExpAvgSq[u0:u1] if maxExpAvgSq != 0
export function adam_step(params: usize, grads: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize,
  negStepSize: f32, bc2Sqrt: f32, decay: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  eps: f32, weightDecay: f32, flags: i32, N: i32): void {
  const amsgrad = flags & 1, maximize = flags & 2, decoupled = flags & 4;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // four lanes at a time, each the scalar loop's operations in its order (fma32x4 = fma32)
    const vDecay = f32x4.splat(decay), vWd = f32x4.splat(weightDecay), vB1 = f32x4.splat(beta1), vB2 = f32x4.splat(beta2);
    const v1B1 = f32x4.splat(oneMinusBeta1), v1B2 = f32x4.splat(oneMinusBeta2), vBc2 = f32x4.splat(bc2Sqrt);
    const vEps = f32x4.splat(eps), vStep = f32x4.splat(negStepSize);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      let p = v128.load(params + o);
      let g = v128.load(grads + o);
      if (maximize) g = f32x4.neg(g);
      if (decoupled) p = f32x4.mul(p, vDecay);
      else if (weightDecay != 0) g = fma32x4(p, vWd, g);
      const m = fma32x4(g, v1B1, f32x4.mul(v128.load(expAvg + o), vB1));
      const v = fma32x4(f32x4.mul(v1B2, g), g, f32x4.mul(v128.load(expAvgSq + o), vB2));
      v128.store(expAvg + o, m);
      v128.store(expAvgSq + o, v);
      let d = v;
      if (amsgrad) {
        d = f32x4.max(v128.load(maxExpAvgSq + o), v);
        v128.store(maxExpAvgSq + o, d);
      }
      const denom = f32x4.add(f32x4.div(f32x4.sqrt(d), vBc2), vEps);
      v128.store(params + o, f32x4.add(p, f32x4.div(f32x4.mul(vStep, m), denom)));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    let p = load<f32>(params + o);
    let g = load<f32>(grads + o);
    if (maximize) g = -g;
    if (decoupled) p = p * decay;
    else if (weightDecay != 0) g = fma32(p, weightDecay, g);
    const m = fma32(g, oneMinusBeta1, load<f32>(expAvg + o) * beta1);
    const v = fma32(oneMinusBeta2 * g, g, load<f32>(expAvgSq + o) * beta2);
    store<f32>(expAvg + o, m);
    store<f32>(expAvgSq + o, v);
    let d = v;
    if (amsgrad) {
      d = max(load<f32>(maxExpAvgSq + o), v); // f32.max: NaN in, NaN out
      store<f32>(maxExpAvgSq + o, d);
    }
    const denom = Mathf.sqrt(d) / bc2Sqrt + eps;
    store<f32>(params + o, p + negStepSize * m / denom);
  }
}
