// torch.topk's selection: for each row, the indices of its K largest (or smallest) values, best
// first. A heap of the K best seen so far is kept in the output row itself (its root the worst
// of them), then sorted in place: O(C log K) per row, no scratch memory. The values and the
// gradient come from gather (src/ops/topk.ts), so this kernel has no backward.
// NOTE: NaN counts as larger than every number (PyTorch's rule): first among the largest, last
// among the smallest. Equal values (NaN with NaN too) come lowest index first.

// Whether element a of the row beats element b (comes first in the output).
@inline function beats(row: usize, a: i32, b: i32, largest: i32): bool {
  const va = load<f32>(row + (<usize>a << 2)), vb = load<f32>(row + (<usize>b << 2));
  const na = isNaN(va), nb = isNaN(vb);
  if (na || nb) {
    if (na && nb) return a < b;
    return largest ? na : nb; // NaN is the largest: it beats everything when largest, nothing else
  }
  if (va != vb) return largest ? va > vb : va < vb;
  return a < b;
}

// Restores the heap property below slot i of heap (n slots): a parent never beats its children,
// so the root is the element every other one beats (the worst kept).
@inline function siftDown(heap: usize, row: usize, i: i32, n: i32, largest: i32): void {
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) return;
    let w = l; // the child that loses (the worse one)
    const r = l + 1;
    if (r < n && beats(row, load<i32>(heap + (<usize>l << 2)), load<i32>(heap + (<usize>r << 2)), largest)) w = r;
    const vi = load<i32>(heap + (<usize>i << 2)), vw = load<i32>(heap + (<usize>w << 2));
    if (!beats(row, vi, vw, largest)) return; // i is already worse than both children
    store<i32>(heap + (<usize>i << 2), vw);
    store<i32>(heap + (<usize>w << 2), vi);
    i = w;
  }
}

// inp (R,C) -> out (R,K) i32: each row's K best column indices, best first (K <= C).
// ref: src/ref/topk.ts
export function topk_indices(out: usize, inp: usize, R: i32, C: i32, K: i32, largest: i32): void {
  for (let r = 0; r < R; r++) {
    const row = inp + ((<usize>r * <usize>C) << 2);
    const heap = out + ((<usize>r * <usize>K) << 2);
    if (K == 0) continue;
    // the first K elements, heapified
    for (let j = 0; j < K; j++) store<i32>(heap + (<usize>j << 2), j);
    for (let i = (K >> 1) - 1; i >= 0; i--) siftDown(heap, row, i, K, largest);
    // every later element that beats the worst kept one replaces it
    for (let j = K; j < C; j++) {
      if (beats(row, j, load<i32>(heap), largest)) {
        store<i32>(heap, j);
        siftDown(heap, row, 0, K, largest);
      }
    }
    // heapsort: the worst goes last, then the next worst before it, ...
    for (let n = K - 1; n > 0; n--) {
      const worst = load<i32>(heap);
      store<i32>(heap, load<i32>(heap + (<usize>n << 2)));
      store<i32>(heap + (<usize>n << 2), worst);
      siftDown(heap, row, 0, n, largest);
    }
  }
}
