// oneHot: F.one_hot. PyTorch returns int64; wasmgrad's integer dtype is int32, so that is the
// default, and { dtype: 'float32' } gives the float one-hot directly (what F.one_hot(x).float()
// gives in PyTorch). Not differentiable (the input is indices).
import { Tensor, fmtShape, type DType } from '../tensor.ts';
import { kernels } from '../wasm/load.ts';
import { checkStatus } from '../wasm/status.ts';
import { expectTensor, expectInt, checkOptions } from './check.ts';

export interface OneHotOptions { dtype?: DType }

/**
 * A [..., numClasses] tensor with a 1 at each index and 0 elsewhere. numClasses = -1 (the
 * default) uses max(index) + 1, which reads the data (as PyTorch does), so compiled steps need
 * it given.
 * @example
 *   const xenc = F.oneHot(xs, 27, { dtype: 'float32' });   // [N] int32 -> [N, 27] float32
 */
export function oneHot(index: Tensor, numClasses = -1, opts: OneHotOptions = {}): Tensor {
  expectTensor(index, 'oneHot', 'input'); expectInt(index, 'oneHot', 'input');
  checkOptions('oneHot', opts, ['dtype']);
  const dtype = opts.dtype ?? 'int32';
  if (dtype !== 'int32' && dtype !== 'float32') throw new Error(`oneHot: dtype must be 'int32' or 'float32', got '${dtype}'`);
  if (!Number.isInteger(numClasses) || numClasses < -1) throw new Error(`oneHot: numClasses must be a non-negative integer or -1, got ${numClasses}`);
  let C = numClasses;
  if (C === -1) {
    if (index.numel() === 0) throw new Error('oneHot: can not infer the total number of classes from an empty tensor; pass numClasses');
    const data = index.toArray();
    let max = -1;
    for (const v of data) { if (v < 0) throw new Error(`oneHot: class values must be non-negative, got ${v}`); if (v > max) max = v; }
    C = max + 1;
  }
  const out = Tensor._empty([...index.shape, C], dtype);
  kernels().one_hot(out.ptr, index.ptr, index.numel(), C, dtype === 'float32' ? 1 : 0);
  checkStatus((v, pos) => (v < 0
    ? `oneHot: class values must be non-negative, got ${v} at flat position ${pos} of ${fmtShape(index.shape)}`
    : `oneHot: class values must be smaller than numClasses (${C}), got ${v} at flat position ${pos} of ${fmtShape(index.shape)}`));
  return out;
}
