// matmul: (M,K) @ (K,N) -> (M,N). Backward: dA += dOut @ Bᵀ, dB += Aᵀ @ dOut.
import { Tensor, fmtShape } from '../tensor.ts';
import { record } from '../tape.ts';
import { kernels } from '../wasm/load.ts';
import { expectTensor, expectFloat } from './check.ts';

export function matmul(a: Tensor, b: Tensor): Tensor {
  expectTensor(b, 'matmul', 'other');
  expectFloat(a, 'matmul', 'input'); expectFloat(b, 'matmul', 'other');
  if (a.ndim !== 2 || b.ndim !== 2) throw new Error(`matmul: both arguments must be 2-D, got ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
  const [M, K] = a.shape, [K2, N] = b.shape;
  if (K !== K2) throw new Error(`matmul: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
  const k = kernels();
  const out = Tensor._empty([M, N]);
  k.matmul_nn(out.ptr, a.ptr, b.ptr, M, K, N, 0);
  return record(out, [a, b], () => {
    if (a.requiresGrad) k.matmul_nt(a.gradPtr(), out.gradPtr(), b.ptr, M, N, K, 1);
    if (b.requiresGrad) k.matmul_tn(b.gradPtr(), a.ptr, out.gradPtr(), K, M, N, 1);
  });
}
