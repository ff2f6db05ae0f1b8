// matmul with PyTorch's rules: 1-D · 1-D (dot), 2-D @ 2-D, 1-D promoted (and the added dim
// removed after), and batched N-D with broadcast batch dims (each batch a 2-D product).
// 2-D backward: dA += dOut @ Bᵀ, dB += Aᵀ @ dOut.
import { Tensor, fmtShape, numelOf } from '../tensor.ts';
import { record, gradTarget } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { expectTensor, expectFloat, broadcastShapes } from './check.ts';
import { unsqueeze, squeeze, expand, reshape } from './view.ts';

function mm(a: Tensor, b: Tensor): Tensor {
  const [M, K] = a.shape, [, N] = b.shape;
  const k = kernels();
  const out = Tensor._empty([M, N]);
  k.matmul_nn(out.ptr, a.ptr, b.ptr, M, K, N, 0);
  return record('matmul', out, [a, b], [a, b], (g) => {
    if (a.requiresGrad) { const [d, acc] = gradTarget(a); k.matmul_nt(d, g, b.ptr, M, N, K, acc); }
    if (b.requiresGrad) { const [d, acc] = gradTarget(b); k.matmul_tn(d, a.ptr, g, K, M, N, acc); }
  });
}

/** (..., M, K) @ (..., K, N) with the batch dims broadcast: one 2-D product per batch. */
function bmm(a: Tensor, b: Tensor): Tensor {
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
  const [M, K] = a.shape.slice(-2), [, N] = b.shape.slice(-2);
  const A = reshape(expand(a, [...batch, M, K]), [-1, M, K]);
  const B = reshape(expand(b, [...batch, K, N]), [-1, K, N]);
  const nb = numelOf(batch);
  const k = kernels();
  const out = Tensor._empty([nb, M, N]);
  const o = out.ptr, ap = A.ptr, bp = B.ptr;
  for (let i = 0; i < nb; i++) k.matmul_nn(o + i * M * N * 4, ap + i * M * K * 4, bp + i * K * N * 4, M, K, N, 0);
  record('matmul', out, [A, B], [A, B], (g) => {
    const [da, aacc] = A.requiresGrad ? gradTarget(A) : [0, 0], [db, bacc] = B.requiresGrad ? gradTarget(B) : [0, 0];
    const ap2 = A.ptr, bp2 = B.ptr;
    for (let i = 0; i < nb; i++) {
      if (da) k.matmul_nt(da + i * M * K * 4, g + i * M * N * 4, bp2 + i * K * N * 4, M, N, K, aacc);
      if (db) k.matmul_tn(db + i * K * N * 4, ap2 + i * M * K * 4, g + i * M * N * 4, K, M, N, bacc);
    }
  });
  return reshape(out, [...batch, M, N]);
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  expectTensor(a, 'matmul', 'input'); expectTensor(b, 'matmul', 'other');
  expectFloat(a, 'matmul', 'input'); expectFloat(b, 'matmul', 'other');
  if (a.ndim === 0 || b.ndim === 0) throw new Error(`matmul: both arguments need at least 1 dim, got ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
  const K = a.shape[a.ndim - 1], K2 = b.ndim === 1 ? b.shape[0] : b.shape[b.ndim - 2];
  if (K !== K2) throw new Error(`matmul: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
  if (a.ndim === 1 && b.ndim === 1) return squeeze(mm(unsqueeze(a, 0), unsqueeze(b, 1)), [0, 1]);
  if (a.ndim === 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  if (a.ndim === 2 && b.ndim === 2) return mm(a, b);
  return bmm(a, b);
}
