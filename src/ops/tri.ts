// tril / triu: the lower or upper triangle of the last two dims (a batch of matrices), the rest
// zero, as torch.tril / torch.triu; the gradient is the same triangle of the output's gradient.
import { Tensor, fmtShape, numelOf } from '../tensor.ts';
import { record, gradTarget } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { expectTensor } from './check.ts';

function tri(x: Tensor, diagonal: number, upper: boolean): Tensor {
  const op = upper ? 'triu' : 'tril';
  expectTensor(x, op, 'input');
  if (x.ndim < 2) throw new Error(`${op}: input tensor must have at least 2 dimensions, got shape ${fmtShape(x.shape)}`);
  if (!Number.isInteger(diagonal)) throw new Error(`${op}: diagonal must be an integer, got ${diagonal}`);
  const M = x.shape[x.ndim - 2], N = x.shape[x.ndim - 1], B = numelOf(x.shape.slice(0, -2));
  const k = kernels(), u = upper ? 1 : 0;
  const out = Tensor._empty(x.shape, x.dtype);
  k.tri_mask(out.ptr, x.ptr, B, M, N, diagonal, u, 0);
  return record(op, out, [x], [], (g) => { const [d, acc] = gradTarget(x); k.tri_mask(d, g, B, M, N, diagonal, u, acc); });
}

/**
 * The lower triangle (j - i <= diagonal) of the last two dims, zeros above.
 * @example
 *   const mask = ones([T, T]).tril();   // causal attention mask
 */
export function tril(x: Tensor, diagonal = 0): Tensor { return tri(x, diagonal, false); }

/** The upper triangle (j - i >= diagonal) of the last two dims, zeros below. */
export function triu(x: Tensor, diagonal = 0): Tensor { return tri(x, diagonal, true); }
