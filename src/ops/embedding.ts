// Row gather along dim 0 with a scatter-add backward: table[idx] (PyTorch's C[X], X_train[ix])
// and F.embedding. Works on int32 tables too (the kernel copies 4-byte elements unchanged).
// index() also takes numbers (select, a view) and arrays; negative indices count from the end,
// as PyTorch's indexing (F.embedding, like PyTorch's, refuses them).
import { Tensor, fmtShape } from '../tensor.ts';
import { record, gradPtr } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { checkStatus } from '../wasm/status.ts';
import { expectInt, expectTensor } from './check.ts';
import { select } from './view.ts';
import { tensor } from '../creation.ts';

/**
 * x[idx] along dim 0: a number selects (a view; several numbers select one dim after another),
 * an int32 tensor or an array of integers gathers rows.
 */
export function index(x: Tensor, ...idx: (Tensor | number | readonly number[])[]): Tensor {
  if (idx.length === 0) throw new Error('index: pass at least one index');
  if (idx.length > 1) {
    if (!idx.every((i) => typeof i === 'number')) throw new Error('index: several indices must all be numbers (x.index(i, j) is x[i][j])');
    let t = x;
    for (const i of idx as number[]) t = index(t, i);
    return t;
  }
  const i = idx[0];
  if (x.ndim < 1) throw new Error('index: cannot index a 0-d tensor');
  if (typeof i === 'number') {
    if (!Number.isInteger(i)) throw new Error(`index: index must be an integer, got ${i}`);
    if (i < -x.shape[0] || i >= x.shape[0]) throw new Error(`index: index ${i} is out of bounds for dimension 0 with size ${x.shape[0]} (tensor ${fmtShape(x.shape)})`);
    return select(x, 0, i);
  }
  if (Array.isArray(i)) return gather0('index', x, tensor(i as number[], { dtype: 'int32' }), true);
  if (!(i instanceof Tensor)) throw new Error(`index: expected an int32 Tensor, a number or an array of numbers, got ${i === null ? 'null' : typeof i}`);
  return gather0('index', x, i, true);
}

/** F.embedding(idx, weight): the rows of weight picked by idx (any shape), indices in [0, V). */
export function embedding(idx: Tensor, weight: Tensor): Tensor {
  expectTensor(idx, 'embedding', 'input'); expectTensor(weight, 'embedding', 'weight');
  if (weight.ndim !== 2) throw new Error(`embedding: weight must be 2-D (num, dim), got ${fmtShape(weight.shape)}`);
  return gather0('embedding', weight, idx, false);
}

function gather0(op: string, table: Tensor, idx: Tensor, negatives: boolean): Tensor {
  expectInt(idx, op, 'indices');
  if (table.ndim < 1) throw new Error(`${op}: cannot index a 0-d tensor`);
  const V = table.shape[0], rest = table.shape.slice(1);
  const E = V === 0 ? 0 : table.numel() / V, N = idx.numel();
  const k = kernels();
  const out = Tensor._empty([...idx.shape, ...rest], table.dtype);
  const wrap = negatives ? 1 : 0;
  k.embedding_forward(out.ptr, table.ptr, idx.ptr, N, E, V, wrap);
  checkStatus((v, pos) => `${op}: index ${v} at position ${pos} is out of bounds for dimension 0 with size ${V} (tensor ${fmtShape(table.shape)})`);
  return record(op, out, [table], [idx], (g) => k.embedding_backward(gradPtr(table), g, idx.ptr, N, E, V, wrap));
}
