// SGD over one flat block of parameters and their gradients: p += (-lr) * g.
// NOTE: the notebook writes `p.data += -lr * p.grad`; in float32 that is
// f32(p + f32(f32(-lr) * g)), and this kernel keeps that exact order.

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

// torch.optim.SGD with its options over one flat block (N), in PyTorch's order:
//   d = maximize ? -g : g;  d = d + weightDecay * p;
//   buf = first ? d : momentum * buf + (1 - dampening) * d;  d = nesterov ? d + momentum * buf : buf;
//   p = p - lr * d
// bufs (N) is the momentum buffer (unused when momentum = 0). Each step is float32, one
// rounding per operation. ref: src/ref/sgd.ts
// @split N: params += 1, grads += 1, bufs += 1
// @reads grads[u0:u1]
// @writes params[u0:u1], bufs[u0:u1] if momentum != 0
export function sgd_momentum(params: usize, grads: usize, bufs: usize, lr: f32, momentum: f32, dampening: f32,
  weightDecay: f32, nesterov: i32, maximize: i32, first: i32, N: i32): void {
  const damp: f32 = 1 - dampening;
  for (let i = 0; i < N; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(params + o);
    let d = load<f32>(grads + o);
    if (maximize) d = -d;
    if (weightDecay != 0) d = d + weightDecay * p;
    if (momentum != 0) {
      let b: f32;
      if (first) b = d;
      else b = momentum * load<f32>(bufs + o) + damp * d;
      store<f32>(bufs + o, b);
      d = nesterov ? d + momentum * b : b;
    }
    store<f32>(params + o, p - lr * d);
  }
}
