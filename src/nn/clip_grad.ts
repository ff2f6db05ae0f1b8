// torch.nn.utils.clip_grad_norm_: scales the gradients in place so their total p-norm is at most
// maxNorm, and returns that total norm as a tensor. The norm, the coefficient and the scaling all
// happen in kernels (assembly/kernels/clip_grad.ts), so it works inside a compiled step; the
// gradients of an optimizer's packed group are one block, swept in one call.
import { Tensor } from '../tensor.ts';
import { kernels } from '../wasm/load.ts';
import { checkStatus } from '../wasm/status.ts';
import { livePtr } from '../memory.ts';
import { checkOptions } from '../ops/check.ts';
import { zeros } from '../creation.ts';

const ONE = 3; // the elementwise kernels' mode for a one-element operand

/**
 * Clips the gradients of `parameters` (those that have one) to a total norm of maxNorm, as if
 * they were one vector; returns the total norm before clipping (a 0-d tensor). normType: a
 * number or Infinity ('inf'); errorIfNonfinite throws if the norm is NaN or infinite.
 * @example
 *   loss.backward();
 *   const norm = nn.utils.clipGradNorm_(model.parameters(), 1.0);
 *   opt.step();
 */
export function clipGradNorm_(parameters: Tensor | Iterable<Tensor>, maxNorm: number, normType: number | 'inf' = 2,
  opts: { errorIfNonfinite?: boolean } = {}): Tensor {
  checkOptions('clipGradNorm_', opts, ['errorIfNonfinite']);
  const params = parameters instanceof Tensor ? [parameters] : [...parameters];
  if (!params.every((p) => p instanceof Tensor)) throw new Error('clipGradNorm_: parameters must be Tensors');
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new Error(`clipGradNorm_: maxNorm must be a number, got ${String(maxNorm)}`);
  const p = normType === 'inf' ? Infinity : normType;
  if (typeof p !== 'number' || Number.isNaN(p) || p < 0) throw new Error(`clipGradNorm_: normType must be a non-negative number or 'inf', got ${String(normType)}`);
  const grads = params.filter((t) => t._leafGrad?.has).map((t) => t._leafGrad!.storage);
  if (!grads.length) return zeros([]);
  // Runs of gradients that sit next to each other in memory (a packed group) are one block.
  const blocks: [number, number][] = [];
  for (const s of grads) {
    const ptr = livePtr(s), n = s.bytes >>> 2, last = blocks[blocks.length - 1];
    if (last && last[0] + last[1] * 4 === ptr) last[1] += n; else blocks.push([ptr, n]);
  }
  const k = kernels();
  const acc = Tensor._empty([2]); // one float64
  const total = Tensor._empty([]), coef = Tensor._empty([]);
  k.fill(acc.ptr, 0, 2);
  for (const [ptr, n] of blocks) k.norm_accumulate(acc.ptr, ptr, n, p);
  k.clip_coef(total.ptr, coef.ptr, acc.ptr, p, maxNorm, opts.errorIfNonfinite ? 1 : 0);
  checkStatus(() => `clipGradNorm_: the total norm of order ${p} of the gradients is non-finite, so it cannot be clipped (pass { errorIfNonfinite: false } to scale by it anyway)`);
  for (const [ptr, n] of blocks) k.mul(ptr, ptr, coef.ptr, 1, n, ONE, 0);
  for (const s of grads) s.version++;
  return total;
}
