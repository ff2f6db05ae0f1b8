// Binary cross-entropy per element, on probabilities (bce_*) and on logits (bce_logits_*), with
// PyTorch's formulas, clamps and gradients for the input and the target. The weight and the
// reduction are applied by the TS op (a mul and a sum), so these kernels see flat (N) buffers.
// Transcendentals run in float64 and round once; the rest is float32 in PyTorch's order.
import { fail, S_VALUE } from '../status';

// inp, target (N) -> loss (N) = (t - 1)·max(log1p(-x), -100) - t·max(log x, -100).
// ref: src/ref/binary_cross_entropy.ts, torch.nn.functional.binary_cross_entropy
// NOTE: the -100 clamp keeps x = 0 or 1 finite (log 0 = -inf), as PyTorch's. An input outside
// [0, 1] (or NaN) is recorded in the status word (value = its float32 bits) and gives 0.
export function bce_forward(loss: usize, inp: usize, target: usize, N: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(inp + o), t = load<f32>(target + o);
    if (!(x >= 0 && x <= 1)) { fail(S_VALUE, reinterpret<i32>(x), i); store<f32>(loss + o, 0); continue; }
    const l1 = max<f32>(<f32>Math.log1p(-<f64>x), -100);
    const l0 = max<f32>(<f32>Math.log(<f64>x), -100);
    store<f32>(loss + o, (t - 1) * l1 - t * l0);
  }
}

// dinp (N) += dout·(x - t) / max((1 - x)·x, 1e-12);  dtarget (N) += dout·(-logit x) = dout·-log(x / (1 - x)).
// Either output may be 0 (not wanted). Keeps inp and target. ref: src/ref/binary_cross_entropy.ts
export function bce_backward(dinp: usize, dtarget: usize, dout: usize, inp: usize, target: usize, N: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(inp + o), t = load<f32>(target + o), g = load<f32>(dout + o);
    if (dinp) store<f32>(dinp + o, load<f32>(dinp + o) + g * (x - t) / max<f32>((1 - x) * x, 1e-12));
    if (dtarget) store<f32>(dtarget + o, load<f32>(dtarget + o) + -<f32>Math.log(<f64>(x / (1 - x))) * g);
  }
}

// log(e^-m + e^(-x-m)) for m = max(-x, 0): with m added, softplus(-x) = log(1 + e^-x), stable
// for large |x|, in PyTorch's order.
// @ts-ignore: decorator
@inline function lse(x: f32, m: f32): f32 {
  return <f32>Math.log(<f64>(<f32>Math.exp(-<f64>m) + <f32>Math.exp(<f64>(-x - m))));
}

// inp (logits), target, posWeight (N, or 0 for none) -> loss (N) =
//   (1 - t)·x + lw·softplus(-x),  lw = (posWeight - 1)·t + 1 (1 without posWeight).
// ref: src/ref/binary_cross_entropy.ts, torch.nn.functional.binary_cross_entropy_with_logits
// NOTE: never forms sigmoid(x) or log(sigmoid(x)), so logits like ±1e4 stay finite.
export function bce_logits_forward(loss: usize, inp: usize, target: usize, posWeight: usize, N: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(inp + o), t = load<f32>(target + o);
    const m = max<f32>(-x, 0), l = lse(x, m);
    if (posWeight) {
      const lw = (load<f32>(posWeight + o) - 1) * t + 1;
      store<f32>(loss + o, (1 - t) * x + lw * (l + m));
    } else {
      store<f32>(loss + o, (1 - t) * x + m + l);
    }
  }
}

// dinp (N) += dout·((pw·t + 1 - t)·sigmoid(x) - pw·t)   (dout·(sigmoid(x) - t) without posWeight);
// dtarget (N) += dout·(-x + (pw - 1)·softplus(-x))        (dout·-x without posWeight).
// Either output may be 0. Keeps inp, target and posWeight. ref: src/ref/binary_cross_entropy.ts
export function bce_logits_backward(dinp: usize, dtarget: usize, dout: usize, inp: usize, target: usize, posWeight: usize, N: i32): void {
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(inp + o), t = load<f32>(target + o), g = load<f32>(dout + o);
    const pw: f32 = posWeight ? load<f32>(posWeight + o) : 1;
    if (dinp) {
      const s = <f32>(1 / (1 + Math.exp(-<f64>x)));
      const d = posWeight ? ((pw * t + 1 - t) * s - pw * t) : s - t;
      store<f32>(dinp + o, load<f32>(dinp + o) + d * g);
    }
    if (dtarget) {
      const m = max<f32>(-x, 0);
      const d = posWeight ? -x + (pw - 1) * (lse(x, m) + m) : -x;
      store<f32>(dtarget + o, load<f32>(dtarget + o) + d * g);
    }
  }
}
