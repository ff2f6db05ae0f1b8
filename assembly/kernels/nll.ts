// The negative log-likelihood loss per element (PyTorch's nll_loss before its reduction):
// logp (N,C,D) and integer targets (N,D) give loss (N,D) = -weight[t] * logp[n,t,d] and the
// weight each element counts with (0 for ignored ones), which a 'mean' reduction divides by.
// D = 1 for the usual (N,C) case. A target outside [0, C) that is not ignoreIndex is recorded in
// the status word (assembly/status.ts) and counts as ignored.
import { fail, S_INDEX } from '../status';

// weight = 0 means every class weighs 1. ref: src/ref/nll.ts
export function nll_forward(loss: usize, wsum: usize, logp: usize, targets: usize, weight: usize,
  N: i32, C: i32, D: i32, ignoreIndex: i32): void {
  for (let n = 0; n < N; n++) {
    for (let d = 0; d < D; d++) {
      const e = <usize>(n * D + d);
      const t = load<i32>(targets + (e << 2));
      let w: f32 = 0, l: f32 = 0;
      if (t != ignoreIndex) {
        if (<u32>t >= <u32>C) fail(S_INDEX, t, <i32>e);
        else {
          w = weight ? load<f32>(weight + (<usize>t << 2)) : 1;
          l = -w * load<f32>(logp + ((<usize>(n * C + t) * <usize>D + <usize>d) << 2));
        }
      }
      store<f32>(loss + (e << 2), l);
      store<f32>(wsum + (e << 2), w);
    }
  }
}

// dlogp (N,C,D) += -weight[t] * dloss (N,D) at each element's target. ref: src/ref/nll.ts
export function nll_backward(dlogp: usize, dloss: usize, targets: usize, weight: usize,
  N: i32, C: i32, D: i32, ignoreIndex: i32): void {
  for (let n = 0; n < N; n++) {
    for (let d = 0; d < D; d++) {
      const e = <usize>(n * D + d);
      const t = load<i32>(targets + (e << 2));
      if (t == ignoreIndex || <u32>t >= <u32>C) continue;
      const w: f32 = weight ? load<f32>(weight + (<usize>t << 2)) : 1;
      const p = dlogp + ((<usize>(n * C + t) * <usize>D + <usize>d) << 2);
      store<f32>(p, load<f32>(p) + -w * load<f32>(dloss + (e << 2)));
    }
  }
}
