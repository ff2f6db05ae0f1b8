// Float64 reference for assembly/kernels/cross_entropy.ts: softmax of each row, the mean
// negative log-likelihood of the targets, and the fused backward (probs - onehot) / B.

/** probs (B,V) = softmax(logits) per row; returns mean_b(logsumexp(logits[b]) - logits[b, targets[b]]). */
export function crossentropyForward(probs: Float64Array, logits: ArrayLike<number>, targets: ArrayLike<number>, B: number, V: number): number {
  let total = 0;
  for (let b = 0; b < B; b++) {
    const row = b * V;
    let m = -Infinity;
    for (let i = 0; i < V; i++) m = Math.max(m, logits[row + i]); // NOTE: max first, so exp never overflows
    let sum = 0;
    for (let i = 0; i < V; i++) sum += (probs[row + i] = Math.exp(logits[row + i] - m));
    for (let i = 0; i < V; i++) probs[row + i] /= sum;
    total += m - logits[row + targets[b]] + Math.log(sum);
  }
  return total / B;
}

/** dlogits (B,V) += dloss * (probs - onehot(targets)) / B. */
export function crossentropyBackward(dlogits: Float64Array, probs: ArrayLike<number>, targets: ArrayLike<number>, dloss: number, B: number, V: number): void {
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < V; i++) {
      dlogits[b * V + i] += dloss * (probs[b * V + i] - (i === targets[b] ? 1 : 0)) / B;
    }
  }
}
