// Reductions over all elements, one dim or a list of dims, with keepdim as PyTorch: sum, mean,
// var and std (with PyTorch's correction), max/min (values and indices), argmax/argmin,
// amax/amin and logsumexp. mean, var and std are composites of sum and the element-wise ops, so
// their gradients come for free; the others have kernels over x seen as (P, D, Q), D the
// reduced dims (see reduceLayout).
import { Tensor, numelOf, fmtShape, contiguousStrides, coalesce, forEachBlock, type Shape } from '../tensor.ts';
import { record, gradPtr } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { expectTensor, expectFloat, normDim, normDims, checkOptions } from './check.ts';
import { sub, mul, div } from './elementwise.ts';
import { sqrt } from './unary.ts';
import { maximum, minimum } from './binary.ts';
import { permute } from './view.ts';

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

/**
 * x seen as (P, D, Q) with D the product of the reduced dims (sorted): x itself when those dims
 * are adjacent, else x with them permuted last (a view, read as a contiguous copy; gradients
 * flow back through it), Q = 1. No dims (a 0-dim x) is (1, 1, 1).
 */
function reduceLayout(x: Tensor, dims: number[]): { src: Tensor; P: number; D: number; Q: number } {
  const sh = x.shape;
  if (dims.length === 0) return { src: x, P: 1, D: x.numel(), Q: 1 };
  const first = dims[0], last = dims[dims.length - 1];
  if (last - first === dims.length - 1) {
    return { src: x, P: numelOf(sh.slice(0, first)), D: numelOf(sh.slice(first, last + 1)), Q: numelOf(sh.slice(last + 1)) };
  }
  const kept = sh.map((_, i) => i).filter((i) => !dims.includes(i));
  return { src: permute(x, [...kept, ...dims]), P: numelOf(kept.map((i) => sh[i])), D: numelOf(dims.map((i) => sh[i])), Q: 1 };
}

/** The single reduced dim of max/min/argmax/argmin (a 0-dim tensor takes dim 0 or -1). */
function oneDim(x: Tensor, dim: unknown, op: string): number[] {
  if (typeof dim !== 'number') {
    throw new Error(`${op}: dim must be one number, got ${Array.isArray(dim) ? 'a list' : typeof dim}${Array.isArray(dim) ? `; for several dims use ${op.endsWith('min') ? 'amin' : 'amax'}` : ''}`);
  }
  const d = normDim(dim, Math.max(x.ndim, 1), op);
  return x.ndim ? [d] : [];
}

function nonEmpty(x: Tensor, D: number, op: string, dim: unknown): void {
  if (D > 0) return;
  if (dim === undefined) throw new Error(`${op}: the input is empty (shape ${fmtShape(x.shape)}): give a dim to reduce over`);
  throw new Error(`${op}: cannot reduce over dim ${JSON.stringify(dim)} of shape ${fmtShape(x.shape)}: it has size 0`);
}

/** What max/min over a dim give: the values and the index of each, as PyTorch's (values, indices). */
export class ValuesIndices {
  constructor(readonly values: Tensor, readonly indices: Tensor, readonly op: 'max' | 'min') {}
  /** Lets `const [values, indices] = x.max(1)` work, as unpacking PyTorch's namedtuple. */
  *[Symbol.iterator](): Iterator<Tensor> { yield this.values; yield this.indices; }
}

function extreme(op: 'max' | 'min', x: Tensor, dim: number | Tensor | undefined, keepdim: boolean): Tensor | ValuesIndices {
  expectTensor(x, op, 'input');
  if (dim instanceof Tensor) return (op === 'max' ? maximum : minimum)(x, dim);
  expectFloat(x, op, 'input');
  const k = kernels(), isMin = op === 'min' ? 1 : 0;
  if (dim === undefined || dim === null) {
    const n = x.numel();
    nonEmpty(x, n, op, undefined);
    const out = Tensor._empty([]);
    k.maxmin_mid(out.ptr, 0, x.ptr, 1, n, 1, isMin, 0);
    return record(op, out, [x], [x, out], (g) => k.ties_backward(gradPtr(x), x.ptr, out.ptr, g, 1, n, 1, 1));
  }
  const dims = oneDim(x, dim, op);
  const { src, P, D, Q } = reduceLayout(x, dims);
  nonEmpty(x, D, op, dim);
  const shape = keptShape(x.shape, dims, keepdim);
  const values = Tensor._empty(shape), indices = Tensor._empty(shape, 'int32');
  k.maxmin_mid(values.ptr, indices.ptr, src.ptr, P, D, Q, isMin, 1);
  record(op, values, [src], [indices], (g) => k.index_mid_backward(gradPtr(src), indices.ptr, g, P, D, Q));
  return new ValuesIndices(values, indices, op);
}

/**
 * The largest element (no dim; its gradient is shared among ties), or over one dim the values
 * and their first indices ({ values, indices }, also destructurable as [values, indices]); with
 * a tensor, the element-wise maximum. NaN counts as the largest, as in PyTorch.
 * @example
 *   x.max();                               // 0-dim tensor
 *   const { values, indices } = x.max(1);  // per row
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, other: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: number | Tensor, keepdim = false): Tensor | ValuesIndices { return extreme('max', x, dim, keepdim); }

/** The smallest element, or over one dim { values, indices }, or the element-wise minimum (see max). */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, other: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number | Tensor, keepdim = false): Tensor | ValuesIndices { return extreme('min', x, dim, keepdim); }

declare module '../tensor.ts' {
  // The op table types each method by its function's last overload; these give max/min all three.
  interface Tensor {
    max(): Tensor;
    max(other: Tensor): Tensor;
    max(dim: number, keepdim?: boolean): ValuesIndices;
    min(): Tensor;
    min(other: Tensor): Tensor;
    min(dim: number, keepdim?: boolean): ValuesIndices;
  }
}

function argExtreme(op: 'argmax' | 'argmin', x: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  expectTensor(x, op, 'input');
  expectFloat(x, op, 'input');
  const all = dim === undefined || dim === null;
  const dims = all ? x.shape.map((_, i) => i) : oneDim(x, dim, op);
  const { src, P, D, Q } = all ? { src: x, P: 1, D: x.numel(), Q: 1 } : reduceLayout(x, dims);
  nonEmpty(x, D, op, all ? undefined : dim);
  const shape = keptShape(x.shape, dims, keepdim);
  const values = Tensor._empty(shape), indices = Tensor._empty(shape, 'int32');
  kernels().maxmin_mid(values.ptr, indices.ptr, src.ptr, P, D, Q, op === 'argmin' ? 1 : 0, 1);
  return indices;
}

/**
 * The index (int32) of the largest element: of the flattened tensor without a dim, else along
 * dim. The first one on ties; a NaN counts as the largest, as in PyTorch. Not differentiable.
 * @example
 *   const predicted = logits.argmax(1);
 */
export const argmax = (x: Tensor, dim?: number | null, keepdim = false): Tensor => argExtreme('argmax', x, dim, keepdim);
/** The index (int32) of the smallest element (see argmax). */
export const argmin = (x: Tensor, dim?: number | null, keepdim = false): Tensor => argExtreme('argmin', x, dim, keepdim);

function aExtreme(op: 'amax' | 'amin', x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  expectTensor(x, op, 'input');
  expectFloat(x, op, 'input');
  const dims = Array.isArray(dim) && dim.length === 0 ? reducedDims(x, null, op) : reducedDims(x, dim, op);
  const { src, P, D, Q } = reduceLayout(x, x.ndim ? dims : []);
  const out = Tensor._empty(keptShape(x.shape, x.ndim ? dims : [], keepdim));
  if (out.numel() === 0) return out;
  nonEmpty(x, D, op, dim ?? undefined);
  const k = kernels();
  k.maxmin_mid(out.ptr, 0, src.ptr, P, D, Q, op === 'amin' ? 1 : 0, 0);
  return record(op, out, [src], [src, out], (g) => k.ties_backward(gradPtr(src), src.ptr, out.ptr, g, P, D, Q, 0));
}

/**
 * The maximum over dims (all when omitted or []), keepdim as sum. Its gradient is shared
 * evenly among the elements equal to the maximum, as PyTorch's.
 * @example
 *   x.amax([0, 2], true);
 */
export const amax = (x: Tensor, dim?: Dims, keepdim = false): Tensor => aExtreme('amax', x, dim, keepdim);
/** The minimum over dims (see amax). */
export const amin = (x: Tensor, dim?: Dims, keepdim = false): Tensor => aExtreme('amin', x, dim, keepdim);

/**
 * log(sum(exp(x))) over dim (a number or a list), computed stably: the max is taken out first,
 * so large inputs do not overflow. Differentiable (the gradient is softmax along dim).
 * @example
 *   const lse = logits.logsumexp(-1);
 */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  expectTensor(x, 'logsumexp', 'input');
  expectFloat(x, 'logsumexp', 'input');
  if (dim === undefined || dim === null || (Array.isArray(dim) && dim.length === 0)) {
    throw new Error('logsumexp: give the dim (or dims) to reduce over, e.g. x.logsumexp(-1)');
  }
  const dims = reducedDims(x, dim, 'logsumexp');
  const { src, P, D, Q } = reduceLayout(x, x.ndim ? dims : []);
  const out = Tensor._empty(keptShape(x.shape, x.ndim ? dims : [], keepdim));
  const k = kernels();
  k.logsumexp_mid(out.ptr, src.ptr, P, D, Q);
  return record('logsumexp', out, [src], [src, out], (g) => k.logsumexp_backward(gradPtr(src), src.ptr, out.ptr, g, P, D, Q));
}
