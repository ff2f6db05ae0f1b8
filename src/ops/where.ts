// Selection by a mask: where(cond, a, b) and maskedFill(x, mask, value). wasmgrad has no bool
// dtype: a mask is a float32 tensor of 0/1 (what eq/lt/gt/... give; any nonzero is true) or an
// int32 tensor (nonzero is true). Everything broadcasts; a and b may be numbers.
import { Tensor, numelOf } from '../tensor.ts';
import { record, gradTarget } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { expectTensor } from './check.ts';
import { spread } from './binary.ts';

function select(op: string, cond: Tensor, a: Tensor | number, b: Tensor | number, names: [string, string, string]): Tensor {
  expectTensor(cond, op, names[0]);
  const k = kernels();
  const { shape, ts: [C, A, B] } = spread(op, [cond, a, b], names, [0]);
  const n = numelOf(shape), isInt = C.dtype === 'int32' ? 1 : 0;
  const out = Tensor._empty(shape);
  k.where_forward(out.ptr, C.ptr, A.ptr, B.ptr, n, isInt);
  return record(op, out, [A, B], [C], (g) => {
    if (A.requiresGrad) { const [da, acc] = gradTarget(A); k.where_backward(da, C.ptr, g, n, isInt, 0, acc); }
    if (B.requiresGrad) { const [db, acc] = gradTarget(B); k.where_backward(db, C.ptr, g, n, isInt, 1, acc); }
  });
}

/**
 * a where cond is true (nonzero), else b; all three broadcast, a and b may be numbers. The
 * gradient goes to the side that was picked.
 * @example
 *   const y = F.where(x.gt(0), x, x.mul(0.01));   // leaky relu
 */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  return select('where', cond, a, b, ['condition', 'input', 'other']);
}

/**
 * x with `value` wherever mask is true (nonzero); the mask broadcasts against x. value is a
 * number or a 0-dim tensor (which then gets the gradient of the filled places).
 * @example
 *   const scores = att.maskedFill(tril.eq(0), -Infinity);
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  expectTensor(x, 'maskedFill', 'input');
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new Error(`maskedFill: a tensor value must be 0-dim (one number), got shape [${value.shape.join(', ')}]; use where(mask, value, x) to fill from a tensor`);
  }
  return select('maskedFill', mask, value, x, ['mask', 'value', 'input']);
}
