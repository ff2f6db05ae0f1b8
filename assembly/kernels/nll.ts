// The negative log-likelihood loss per element (PyTorch's nll_loss before its reduction):
// logp (N,C,D) and integer targets (N,D) give loss (N,D) = -weight[t] * logp[n,t,d] and the
// weight each element counts with (0 for ignored ones), which a 'mean' reduction divides by.
// D = 1 for the usual (N,C) case. A target outside [0, C) that is not ignoreIndex is recorded in
// the status word (assembly/status.ts) and counts as ignored.
import { fail, S_INDEX } from '../status';

// weight = 0 means every class weighs 1. ref: src/ref/nll.ts
// Threads: by n (a bad target is reported at its place in the whole targets).
// @split N -> nllForwardRows
// @reads logp[u0*C*D : u1*C*D], targets[u0*D : u1*D], weight[0:C] if weight != 0
// @writes loss[u0*D : u1*D], wsum[u0*D : u1*D]
// @fails
export function nll_forward(loss: usize, wsum: usize, logp: usize, targets: usize, weight: usize,
  N: i32, C: i32, D: i32, ignoreIndex: i32): void {
  nllForwardRows(loss, wsum, logp, targets, weight, N, C, D, ignoreIndex, 0, N);
}

// n in [n0, n1) of nll_forward.
export function nllForwardRows(loss: usize, wsum: usize, logp: usize, targets: usize, weight: usize,
  N: i32, C: i32, D: i32, ignoreIndex: i32, n0: i32, n1: i32): void {
  for (let n = n0; n < n1; n++) {
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
// Threads: by n (each n adds only into its own (C,D) block).
// @split N: dlogp += C*D, dloss += D, targets += D
// @reads dloss[u0*D : u1*D], targets[u0*D : u1*D], weight[0:C] if weight != 0
// @writes dlogp[u0*C*D : u1*C*D]
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
