// torch.tril / torch.triu over the last two dims of a batch of matrices, and their backward (the
// same mask applied to the gradient, accumulated). Row i keeps columns j with j - i <= k (lower)
// or j - i >= k (upper); the rest are 0. A row is one kept run of columns, copied in one piece.

// inp (B,M,N) -> out (B,M,N) masked (acc = 0: the dropped part written 0; acc = 1: the kept part
// added into out, the rest left as it was). ref: src/ref/tri.ts
export function tri_mask(out: usize, inp: usize, B: i32, M: i32, N: i32, k: i32, upper: i32, acc: i32): void {
  const rowBytes = <usize>N << 2;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < M; i++) {
      const r = (<usize>b * <usize>M + <usize>i) * rowBytes;
      // the kept columns [lo, hi)
      let lo = 0, hi = N;
      if (upper) lo = min(N, max(0, i + k));
      else hi = max(0, min(N, i + k + 1));
      const o = out + r, x = inp + r;
      if (acc) {
        for (let j = lo; j < hi; j++) {
          const p = o + (<usize>j << 2);
          store<f32>(p, load<f32>(p) + load<f32>(x + (<usize>j << 2)));
        }
      } else {
        memory.fill(o, 0, <usize>lo << 2);
        memory.copy(o + (<usize>lo << 2), x + (<usize>lo << 2), <usize>(hi - lo) << 2);
        memory.fill(o + (<usize>hi << 2), 0, <usize>(N - hi) << 2);
      }
    }
  }
}
