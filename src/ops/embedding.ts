// Row gather along dim 0 with a scatter-add backward: table[idx] (PyTorch's C[X], X_train[ix])
// and F.embedding. Works on int32 tables too (the kernel copies 4-byte elements unchanged).
// index() is PyTorch's x[...]: numbers, ':' (null), '...', slices and index tensors on any dims;
// negative indices count from the end, as PyTorch's indexing (F.embedding, like PyTorch's,
// refuses them).
import { Tensor, fmtShape, numelOf } from '../tensor.ts';
import { record, gradPtr } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { checkStatus } from '../wasm/status.ts';
import { expectInt, expectTensor, broadcastShapes } from './check.ts';
import { select, slice, expand, permute, reshape } from './view.ts';
import { tensor } from '../creation.ts';

/** One item of x.index(...): a number, null (':', all of a dim), '...', a slice, or indices (a tensor or array). */
export type IndexItem = number | null | '...' | SliceSpec | Tensor | readonly number[];
/** x[start:end:step] along one dim inside x.index(...); missing keys default as in Python. */
export interface SliceSpec { start?: number | null; end?: number | null; step?: number }

const isSlice = (i: unknown): i is SliceSpec => i !== null && typeof i === 'object' && !(i instanceof Tensor) && !Array.isArray(i);

/**
 * PyTorch's x[...] with one item per dim, from the first: a number selects (that dim goes; -1 is
 * the last), null keeps a dim whole (':'), '...' stands for as many nulls as needed, a
 * { start, end, step } object slices, and int32 tensors or arrays of integers pick (advanced
 * indexing: several are broadcast together; if they are not next to each other after the numbers
 * are applied, their dims come first, as in PyTorch). Numbers, nulls and slices give views.
 * @example
 *   C.index(X)                     // C[X]: embedding rows, any index shape
 *   logprobs.index(arange(n), Y)   // logprobs[range(n), Y]
 *   x.index(null, -1)              // x[:, -1]
 *   x.index('...', { start: 1 })   // x[..., 1:]
 */
export function index(x: Tensor, ...idx: IndexItem[]): Tensor {
  if (idx.length === 0) throw new Error('index: pass at least one index');
  if (x.ndim < 1) throw new Error('index: cannot index a 0-d tensor');
  const ell = idx.filter((i) => i === '...').length;
  if (ell > 1) throw new Error("index: an index can only have a single ellipsis ('...')");
  const consuming = idx.length - ell;
  if (consuming > x.ndim) throw new Error(`index: too many indices for tensor of dimension ${x.ndim} (got ${consuming})`);
  const items: Exclude<IndexItem, '...'>[] = [];
  for (const i of idx) {
    if (i === '...') for (let k = 0; k < x.ndim - consuming; k++) items.push(null);
    else items.push(i);
  }
  // Numbers and slices first (views), noting where the picking indices land in the result.
  let t = x, d = 0;
  const picks: { dim: number; of: number; idx: Tensor }[] = [];
  items.forEach((i, of) => {
    if (typeof i === 'number') {
      const size = t.shape[d];
      if (!Number.isInteger(i)) throw new Error(`index: index must be an integer, got ${i}`);
      if (i < -size || i >= size) throw new Error(`index: index ${i} is out of bounds for dimension ${of} with size ${size} (tensor ${fmtShape(x.shape)})`);
      t = select(t, d, i);
    } else if (i === null || i === undefined) {
      d++;
    } else if (i instanceof Tensor) {
      if (i.dtype !== 'int32') {
        throw new Error(`index: indices (dim ${of}) must be an int32 tensor, got ${i.dtype}; a mask (from eq, gt, ...) picks a data-dependent number of elements, which wasmgrad does not do: use F.where(mask, x, 0) or x.maskedFill(mask, value) instead`);
      }
      picks.push({ dim: d++, of, idx: i });
    } else if (Array.isArray(i)) {
      picks.push({ dim: d++, of, idx: tensor(i as number[], { dtype: 'int32' }) });
    } else if (isSlice(i)) {
      t = slice(t, d++, i.start ?? null, i.end ?? null, i.step ?? 1);
    } else {
      throw new Error(`index: expected a number, null, '...', a { start, end, step } slice, an int32 Tensor or an array of integers, got ${typeof i}`);
    }
  });
  if (picks.length === 0) return t;
  if (picks.length === 1 && picks[0].dim === 0) return gather0('index', t, picks[0].idx, true);
  return pick(t, picks);
}

/** Advanced indexing with picks at several dims (or one not first): one flat index, one gather. */
function pick(t: Tensor, picks: { dim: number; of: number; idx: Tensor }[]): Tensor {
  const k = kernels();
  const shape = picks.reduce<number[]>((s, p) => broadcastShapes(s, p.idx.shape, 'index'), []);
  const n = numelOf(shape);
  let size = 1;
  for (const p of picks) size *= t.shape[p.dim];
  if (size > 2 ** 31 - 1) throw new Error(`index: the indexed dims hold ${size} elements, more than int32 indices reach`);
  // The flat index over the picked dims (wrapping negatives, checking bounds).
  const flat = Tensor._empty(shape, 'int32');
  picks.forEach((p, j) => {
    const full = numelOf(p.idx.shape) === n ? p.idx : expand(p.idx, shape);
    k.index_combine(flat.ptr, full.ptr, n, t.shape[p.dim], j === 0 ? 0 : 1);
    checkStatus((v) => `index: index ${v} is out of bounds for dimension ${p.of} with size ${t.shape[p.dim]}`);
  });
  // Bring the picked dims together (first, if they are apart) and merge them into one.
  const dims = picks.map((p) => p.dim);
  const adjacent = dims.every((dd, j) => dd === dims[0] + j);
  const at = adjacent ? dims[0] : 0;
  const rest = t.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const order = adjacent ? [...rest.slice(0, at), ...dims, ...rest.slice(at)] : [...dims, ...rest];
  const moved = order.every((o, i) => o === i) ? t : permute(t, order);
  const pre = moved.shape.slice(0, at), post = moved.shape.slice(at + dims.length);
  const merged = reshape(moved, [...pre, size, ...post]);
  if (at === 0) return gather0('index', merged, flat, false);
  // Dims before the picked ones: the gather kernel, with the flat index repeated over them.
  const O = numelOf(pre), I = numelOf(post);
  const idx3 = expand(reshape(flat, [1, n, 1]), [O, n, I]);
  const out = Tensor._empty([...pre, ...shape, ...post], t.dtype);
  k.gather_forward(out.ptr, merged.ptr, idx3.ptr, O, n, I, size);
  checkStatus((v) => `index: internal error: flat index ${v} out of range`);
  return record('index', out, [merged], [idx3], (g) => k.gather_backward(gradPtr(merged), g, idx3.ptr, O, n, I, size));
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
