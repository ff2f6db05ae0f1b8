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
import { fma32 } from '../simd';

// @split N: params += 1, grads += 1, expAvg += 1, expAvgSq += 1, maxExpAvgSq += 1
// @reads grads[u0:u1]
// @writes params[u0:u1], expAvg[u0:u1], expAvgSq[u0:u1], maxExpAvgSq[u0:u1] if maxExpAvgSq != 0
export function adam_step(params: usize, grads: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize,
  negStepSize: f32, bc2Sqrt: f32, decay: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  eps: f32, weightDecay: f32, flags: i32, N: i32): void {
  const amsgrad = flags & 1, maximize = flags & 2, decoupled = flags & 4;
  for (let i = 0; i < N; i++) {
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
