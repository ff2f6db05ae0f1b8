// SGD over one flat block of parameters and their gradients. sgd_update is the hand-written
// update `p.data += -lr * p.grad` (SIMD); sgd_step is torch.optim.SGD with all its options.
// NOTE: the notebook writes `p.data += -lr * p.grad`; in float32 that is
// f32(p + f32(f32(-lr) * g)), and sgd_update keeps that exact order.
import { fma32, fma32x4 } from '../simd';

// params, grads are (N). ref: src/ref/sgd.ts
// Threads: by slices of the block, as every kernel here.
// @split N: params += 1, grads += 1
// @reads grads[u0:u1]
// @writes params[u0:u1]
export function sgd_update(params: usize, grads: usize, lr: f32, N: i32): void {
  const nlr = -lr;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlr = f32x4.splat(nlr);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      v128.store(params + o, f32x4.add(v128.load(params + o), f32x4.mul(vlr, v128.load(grads + o))));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    store<f32>(params + o, load<f32>(params + o) + nlr * load<f32>(grads + o));
  }
}

// torch.optim.SGD with its options over one flat block (N), in PyTorch 1.13's order:
//   d = maximize ? -g : g;  d = d + weightDecay * p;
//   buf = first ? d : momentum * buf + (1 - dampening) * d;  d = nesterov ? d + momentum * buf : buf;
//   p = p - lr * d
// bufs (N) is the momentum buffer (unused when momentum = 0). flags: 1 nesterov, 2 maximize,
// 4 first (the buffer starts as d), 8 unfused. ref: src/ref/sgd.ts
// NOTE: each `x + a * y` is one fused multiply-add, as PyTorch's `add_(y, alpha=a)` in its AVX2
// build (vector body and scalar tail alike); `momentum * buf` alone rounds once. With the unfused
// flag every such step rounds twice instead, as a hand-written `p.data += -lr * p.grad` does.
// @split N: params += 1, grads += 1, bufs += 1
// @reads grads[u0:u1]
// @writes params[u0:u1], bufs[u0:u1] if momentum != 0
export function sgd_step(params: usize, grads: usize, bufs: usize, lr: f32, momentum: f32, dampening: f32,
  weightDecay: f32, flags: i32, N: i32): void {
  const nesterov = flags & 1, maximize = flags & 2, first = flags & 4, unfused = flags & 8;
  const damp: f32 = 1 - dampening, nlr: f32 = -lr;
  let i = 0;
  if (ASC_FEATURE_SIMD && !unfused) {
    // four lanes at a time, each the scalar loop's operations in its order (fma32x4 = fma32)
    const vWd = f32x4.splat(weightDecay), vMom = f32x4.splat(momentum), vDamp = f32x4.splat(damp), vNlr = f32x4.splat(nlr);
    for (; i + 4 <= N; i += 4) {
      const o = <usize>i << 2;
      const p = v128.load(params + o);
      let d = v128.load(grads + o);
      if (maximize) d = f32x4.neg(d);
      if (weightDecay != 0) d = fma32x4(p, vWd, d);
      if (momentum != 0) {
        const b = first ? d : fma32x4(d, vDamp, f32x4.mul(vMom, v128.load(bufs + o)));
        v128.store(bufs + o, b);
        d = !nesterov ? b : fma32x4(b, vMom, d);
      }
      v128.store(params + o, fma32x4(d, vNlr, p));
    }
  }
  for (; i < N; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(params + o);
    let d = load<f32>(grads + o);
    if (maximize) d = -d;
    if (weightDecay != 0) d = unfused ? d + weightDecay * p : fma32(p, weightDecay, d);
    if (momentum != 0) {
      let b: f32;
      if (first) b = d;
      else b = unfused ? momentum * load<f32>(bufs + o) + damp * d : fma32(d, damp, momentum * load<f32>(bufs + o));
      store<f32>(bufs + o, b);
      d = !nesterov ? b : unfused ? d + momentum * b : fma32(b, momentum, d);
    }
    store<f32>(params + o, unfused ? p + nlr * d : fma32(d, nlr, p));
  }
}
