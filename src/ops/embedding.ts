// Row gather: table[idx] (PyTorch's C[X]) with a scatter-add backward. Works on int32 tables
// too (X_train[ix]): the kernel copies 4-byte elements without touching their bits.
import { Tensor, fmtShape } from '../tensor.ts';
import { record } from '../tape.ts';
import { kernels } from '../wasm/load.ts';
import { i32 } from '../wasm/heap.ts';
import { expectInt } from './check.ts';
import { tensor } from '../creation.ts';

export function index(table: Tensor, idx: Tensor | number | readonly number[]): Tensor {
  if (typeof idx === 'number') {
    if (!Number.isInteger(idx)) throw new Error(`index: index must be an integer, got ${idx}`);
    const row = gather(table, tensor([idx < 0 ? idx + table.shape[0] : idx], { dtype: 'int32' }));
    return row.view(table.shape.slice(1));
  }
  if (Array.isArray(idx)) return gather(table, tensor(idx as number[], { dtype: 'int32' }));
  if (!(idx instanceof Tensor)) throw new Error(`index: expected an int32 Tensor, a number or an array of numbers, got ${typeof idx}`);
  return gather(table, idx);
}

/** F.embedding(idx, weight): the rows of weight picked by idx. */
export function embedding(idx: Tensor, weight: Tensor): Tensor { return gather(weight, idx); }

function gather(table: Tensor, idx: Tensor): Tensor {
  expectInt(idx, 'index', 'indices');
  if (table.ndim < 1) throw new Error('index: cannot index a 0-d tensor');
  const V = table.shape[0], rest = table.shape.slice(1);
  const E = table.numel() / Math.max(V, 1), N = idx.numel();
  const ip = idx.ptr >> 2, ints = i32();
  for (let i = 0; i < N; i++) {
    const v = ints[ip + i];
    if (v < 0 || v >= V) throw new Error(`index: index ${v} is out of bounds for dimension 0 with size ${V} (table ${fmtShape(table.shape)})`);
  }
  const k = kernels();
  const out = Tensor._empty([...idx.shape, ...rest], table.dtype);
  k.embedding_forward(out.ptr, table.ptr, idx.ptr, N, E);
  return record(out, [table], () => k.embedding_backward(table.gradPtr(), out.gradPtr(), idx.ptr, N, E));
}
