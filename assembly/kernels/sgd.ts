// SGD over one flat block of parameters and their gradients: p += (-lr) * g.
// NOTE: the notebook writes `p.data += -lr * p.grad`; in float32 that is
// f32(p + f32(f32(-lr) * g)), and this kernel keeps that exact order.

// params, grads are (N). ref: src/ref/sgd.ts
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
