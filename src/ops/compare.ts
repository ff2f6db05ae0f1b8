// Comparisons (eq ne lt le gt ge) of a tensor with a tensor (broadcasting) or a number, giving a
// mask: a float32 tensor of 1 where the comparison holds and 0 elsewhere (wasmgrad has no bool
// dtype; a mask works in where, maskedFill, mul and sum as PyTorch's bool tensors do). Not
// differentiable, as in PyTorch.
import { Tensor, numelOf } from '../tensor.ts';
import { kernels } from '../wasm/load.ts';
/** The comparisons, in the kernels' order (assembly/kernels/compare.ts numbers them so). */
export const OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
export type CompareOp = typeof OPS[number];
import { broadcastShapes } from './check.ts';
import { expand } from './view.ts';

function compare(op: CompareOp, a: Tensor, b: Tensor | number): Tensor {
  if (!(a instanceof Tensor)) throw new Error(`${op}: argument 'input' must be a Tensor, got ${typeof a}`);
  const code = OPS.indexOf(op), isInt = a.dtype === 'int32' ? 1 : 0;
  const k = kernels();
  if (typeof b === 'number') {
    const out = Tensor._empty(a.shape);
    k.compare_scalar(out.ptr, a.ptr, b, a.numel(), code, isInt);
    return out;
  }
  if (!(b instanceof Tensor)) throw new Error(`${op}: argument 'other' must be a Tensor or a number, got ${typeof b}`);
  if (a.dtype !== b.dtype) throw new Error(`${op}: dtypes differ (${a.dtype} and ${b.dtype}); convert one first`);
  const shape = broadcastShapes(a.shape, b.shape, op);
  const A = numelOf(a.shape) === numelOf(shape) ? a : expand(a, shape);
  const B = numelOf(b.shape) === numelOf(shape) ? b : expand(b, shape);
  const out = Tensor._empty(shape);
  k.compare(out.ptr, A.ptr, B.ptr, out.numel(), code, isInt);
  return out;
}

/** 1 where a == b, else 0. */
export const eq = (a: Tensor, b: Tensor | number): Tensor => compare('eq', a, b);
/** 1 where a != b, else 0. */
export const ne = (a: Tensor, b: Tensor | number): Tensor => compare('ne', a, b);
/** 1 where a < b, else 0. */
export const lt = (a: Tensor, b: Tensor | number): Tensor => compare('lt', a, b);
/** 1 where a <= b, else 0. */
export const le = (a: Tensor, b: Tensor | number): Tensor => compare('le', a, b);
/** 1 where a > b, else 0. */
export const gt = (a: Tensor, b: Tensor | number): Tensor => compare('gt', a, b);
/** 1 where a >= b, else 0. */
export const ge = (a: Tensor, b: Tensor | number): Tensor => compare('ge', a, b);
