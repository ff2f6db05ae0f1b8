// topk: the k largest (or smallest) elements along a dim and their indices, as torch.topk with
// sorted=True. A kernel picks the indices; the values are a gather of them, so the gradient
// (scattered back to the picked places) comes from gather's.
import { Tensor, fmtShape } from '../tensor.ts';
import { kernels } from '../wasm/load.ts';
import { expectTensor, expectFloat, normDim, checkOptions } from './check.ts';
import { transpose } from './view.ts';
import { gather } from './gather.ts';

export interface TopkOptions {
  /** The largest elements (default true), or the smallest. */
  largest?: boolean;
}

/** What topk gives: the values and their indices ({ values, indices }, or [values, indices]). */
export class TopkResult {
  constructor(readonly values: Tensor, readonly indices: Tensor) {}
  /** Lets `const [values, indices] = x.topk(3)` work, as unpacking PyTorch's namedtuple. */
  *[Symbol.iterator](): Iterator<Tensor> { yield this.values; yield this.indices; }
}

/**
 * The k largest elements of x along dim (default the last), best first, with their int32
 * indices, as torch.topk(x, k, dim, largest, sorted=True). NaN counts as the largest; equal
 * values come lowest index first (PyTorch leaves their order unspecified).
 * @example
 *   const { values } = logits.topk(5);                     // (B, V) -> (B, 5)
 *   logits = logits.maskedFill(logits.lt(values.narrow(1, 4, 1)), -Infinity);   // top-k sampling
 */
export function topk(x: Tensor, k: number, dim = -1, opts: TopkOptions = {}): TopkResult {
  expectTensor(x, 'topk', 'input'); expectFloat(x, 'topk', 'input');
  checkOptions('topk', opts, ['largest']);
  const d = normDim(dim, Math.max(x.ndim, 1), 'topk');
  const C = x.ndim === 0 ? 1 : x.shape[d];
  if (!Number.isInteger(k) || k < 0 || k > C) throw new Error(`topk: k must be an integer from 0 to ${C} (the size of dim ${dim} of ${fmtShape(x.shape)}), got ${k}`);
  if (x.ndim === 0) {
    // a 0-d tensor is its own top 1 (PyTorch returns 0-d values and indices)
    const r = topk(x.view(1), k, 0, opts);
    return k === 1 ? new TopkResult(r.values.view([]), r.indices.view([])) : r;
  }
  // the dim last, contiguous (x.ptr copies a strided view), as rows of C
  const last = d === x.ndim - 1 ? x : transpose(x, d, x.ndim - 1);
  const shape = [...last.shape.slice(0, -1), k];
  const idx = Tensor._empty(shape, 'int32');
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  if (rows > 0 && k > 0) kernels().topk_indices(idx.ptr, last.ptr, rows, C, k, opts.largest === false ? 0 : 1);
  const indices = d === x.ndim - 1 ? idx : transpose(idx, d, x.ndim - 1);
  return new TopkResult(gather(x, d, indices), indices);
}
