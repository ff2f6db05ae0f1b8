// torch.nn.utils.clip_grad_norm_ in two kernels, so no gradient value is read into JS: the
// p-norm of any number of gradient blocks accumulated in one float64, then the total norm and
// the clip coefficient written to memory (the TS side scales the gradients by it with `mul`).
import { fail, S_VALUE } from '../status';

// acc (one f64) += Σ|x|^p over x (N); for p = Infinity acc = max(acc, max |x|), for p = 0 it
// counts the non-zero elements. A NaN anywhere makes acc NaN. ref: src/ref/clip_grad.ts
export function norm_accumulate(acc: usize, x: usize, N: i32, p: f64): void {
  let s = load<f64>(acc);
  if (p == Infinity) {
    for (let i = 0; i < N; i++) {
      const a = <f64>Mathf.abs(load<f32>(x + (<usize>i << 2)));
      s = a > s || isNaN(a) ? a : s;
    }
  } else if (p == 2) {
    for (let i = 0; i < N; i++) { const a = <f64>load<f32>(x + (<usize>i << 2)); s += a * a; }
  } else if (p == 1) {
    for (let i = 0; i < N; i++) s += <f64>Mathf.abs(load<f32>(x + (<usize>i << 2)));
  } else if (p == 0) {
    for (let i = 0; i < N; i++) { const a = load<f32>(x + (<usize>i << 2)); s += a != 0 ? 1 : 0; }
  } else {
    for (let i = 0; i < N; i++) s += Math.pow(<f64>Mathf.abs(load<f32>(x + (<usize>i << 2))), p);
  }
  store<f64>(acc, s);
}

// From acc (norm_accumulate's sum for p): total (f32) = acc^(1/p) (acc itself for p = Infinity
// or 0), and coef (f32) = min(maxNorm / (total + 1e-6), 1), as PyTorch computes it in float32:
// reciprocal(total + 1e-6) * maxNorm, then clamp (NaN stays NaN). With check = 1 a non-finite
// total is recorded in the status word (PyTorch's error_if_nonfinite) and coef is 1.
// ref: src/ref/clip_grad.ts
export function clip_coef(total: usize, coef: usize, acc: usize, p: f64, maxNorm: f32, check: i32): void {
  const s = load<f64>(acc);
  const t = <f32>(p == Infinity || p == 0 ? s : p == 2 ? Math.sqrt(s) : p == 1 ? s : Math.pow(s, 1 / p));
  store<f32>(total, t);
  if (check && !isFinite(t)) { fail(S_VALUE, reinterpret<i32>(t), 0); store<f32>(coef, 1); return; }
  const c = (<f32>1 / (t + <f32>1e-6)) * maxNorm;
  store<f32>(coef, isNaN(c) ? c : min(c, <f32>1));
}
