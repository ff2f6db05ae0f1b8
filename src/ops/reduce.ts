// Reductions over all elements, one dim or a list of dims, with keepdim as PyTorch: sum, mean,
// var and std (with PyTorch's correction). mean, var and std are composites of sum and the
// element-wise ops, so their gradients come for free.
import { Tensor, numelOf, contiguousStrides, coalesce, forEachBlock, type Shape } from '../tensor.ts';
import { record, gradPtr } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { expectFloat, normDims, checkOptions } from './check.ts';
import { sub, mul, div } from './elementwise.ts';
import { sqrt } from './unary.ts';

export type Dims = number | readonly number[] | null | undefined;

/** The dims to reduce (sorted), or every dim when dims is null/undefined. */
function reducedDims(x: Tensor, dims: Dims, op: string): number[] {
  if (dims === undefined || dims === null) return x.shape.map((_, i) => i);
  return normDims(dims, x.ndim, op).sort((a, b) => a - b);
}

function keptShape(shape: Shape, dims: number[], keepdim: boolean): number[] {
  return keepdim ? shape.map((s, i) => (dims.includes(i) ? 1 : s)) : shape.filter((_, i) => !dims.includes(i));
}

/** Sums x over dims (all when omitted); keepdim keeps them as size 1. */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  expectFloat(x, 'sum', 'input');
  const dims = reducedDims(x, dim, 'sum');
  const k = kernels();
  const out = Tensor._empty(keptShape(x.shape, x.ndim ? dims : [], keepdim));
  const n = x.numel();
  if (dims.length === x.ndim || n === out.numel()) {
    if (n === out.numel()) k.copy(out.ptr, x.ptr, n); else k.sum_all(out.ptr, x.ptr, n, 0);
    return record('sum', out, [x], [], (g) => {
      if (n === out.numel()) k.add_scalar(gradPtr(x), g, 0, n, 1); else k.add(gradPtr(x), gradPtr(x), g, 1, n, 3, 0);
    });
  }
  if (dims.length === 1) {
    // (pre, D, post) and the middle reduced: the common case keeps its own kernels.
    const d = dims[0];
    const pre = numelOf(x.shape.slice(0, d)), D = x.shape[d], post = numelOf(x.shape.slice(d + 1));
    if (post === 1) k.sum_dim1(out.ptr, x.ptr, pre, D, 0); else k.sum_mid(out.ptr, x.ptr, pre, D, post, 0);
    return record('sum', out, [x], [], (g) => {
      const dx = gradPtr(x);
      if (post === 1) k.add(dx, dx, g, pre, D, 2, 0);
      else for (let i = 0; i < pre; i++) k.add(dx + i * D * post * 4, dx + i * D * post * 4, g + i * post * 4, D, post, 1, 0);
    });
  }
  // Several dims: one at a time, from the last (each a sum_mid).
  let shape = [...x.shape], src = x.ptr;
  for (let j = dims.length - 1; j >= 0; j--) {
    const d = dims[j];
    const pre = numelOf(shape.slice(0, d)), D = shape[d], post = numelOf(shape.slice(d + 1));
    shape[d] = 1;
    const dst = j === 0 ? out.ptr : Tensor._empty(shape).ptr;
    k.sum_mid(dst, src, pre, D, post, 0);
    src = dst;
  }
  return record('sum', out, [x], [], (g) => broadcastInto(gradPtr(x), g, x.shape, keptShape(x.shape, dims, true)));
}

/** dst (shape) += g (kept: shape with reduced dims 1), broadcast along the reduced dims. */
function broadcastInto(dst: number, g: number, shape: Shape, kept: Shape): void {
  const st = contiguousStrides(kept).map((s, i) => (kept[i] === 1 ? 0 : s));
  const [sh, s2] = coalesce(shape, st);
  forEachBlock(sh, s2, (dOff, sOff, n, s4) => {
    kernels().strided_copy(dst + dOff * 4, g + sOff * 4, n[0], n[1], n[2], n[3], s4[0], s4[1], s4[2], s4[3], 1);
  });
}

/** How many elements each output of a reduction over dims averages. */
function countOf(x: Tensor, dims: Dims, op: string): number {
  return reducedDims(x, dims, op).reduce((n, d) => n * (x.shape[d] ?? 1), 1);
}

/** Mean over dims (all when omitted). */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const n = countOf(x, dim, 'mean');
  return div(sum(x, dim, keepdim), n);
}

export interface VarOptions {
  /** Subtracted from the element count in the divisor: 1 (default, Bessel's) or 0 (biased). */
  correction?: number;
}

/** Variance over dims (all when omitted), dividing by n - correction (default 1), as torch.var. */
export function variance(x: Tensor, dim?: Dims, keepdim = false, opts: VarOptions = {}): Tensor {
  return varOf('var', x, dim, keepdim, opts);
}

function varOf(op: string, x: Tensor, dim: Dims, keepdim: boolean, opts: VarOptions): Tensor {
  expectFloat(x, op, 'input');
  checkOptions(op, opts, ['correction']);
  const correction = opts.correction ?? 1;
  if (typeof correction !== 'number' || !Number.isFinite(correction)) throw new Error(`${op}: correction must be a number, got ${correction}`);
  const n = countOf(x, dim, op);
  const centred = sub(x, mean(x, dim, true));
  return div(sum(mul(centred, centred), dim, keepdim), Math.max(0, n - correction));
}

/** Standard deviation over dims (all when omitted), with correction (default 1), as torch.std. */
export function std(x: Tensor, dim?: Dims, keepdim = false, opts: VarOptions = {}): Tensor {
  return sqrt(varOf('std', x, dim, keepdim, opts));
}
