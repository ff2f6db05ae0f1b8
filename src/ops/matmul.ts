// matmul with PyTorch's rules: 1-D · 1-D (dot), 2-D @ 2-D, a 1-D operand promoted to a matrix
// (and the added dim removed after), and batched N-D with broadcast batch dims. A single product
// calls the 2-D kernel (matmul_nn, _tn or _nt); batches call matmul_batched once, which runs the
// 2-D kernels batch by batch: a batch's result is bit for bit the 2-D product's. Operands are read where they are: a matrix stored row-major ('n') or
// transposed ('t', e.g. k.transpose(-2, -1)) needs no copy, broadcast batch dims are stride 0.
// Backward: dA += dOut @ Bᵀ, dB += Aᵀ @ dOut, each again one batched call.
import { Tensor, fmtShape, contiguousStrides, type Shape } from '../tensor.ts';
import { record, gradPtr, gradTarget } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { expectTensor, expectFloat, broadcastShapes } from './check.ts';
import { unsqueeze, squeeze, contiguous } from './view.ts';

const NN = 0, TN = 1, NT = 2;

/** How a tensor's last two dims sit in memory: row-major 'n', transposed 't', or null (needs a copy). */
function matrixLayout(t: Tensor): 'n' | 't' | null {
  const d = t.ndim, R = t.shape[d - 2], C = t.shape[d - 1], sr = t._strides[d - 2], sc = t._strides[d - 1];
  if ((C === 1 || sc === 1) && (R === 1 || sr === C)) return 'n';
  if ((R === 1 || sr === 1) && (C === 1 || sc === R)) return 't';
  return null;
}

/** Element strides of t's batch dims aligned to `batch` (0 where t's dim is 1 or missing). */
function batchStrides(shape: Shape, strides: readonly number[], batch: number[]): number[] {
  const nb = shape.length - 2, lead = batch.length - nb;
  return batch.map((_, i) => (i < lead || shape[i - lead] === 1 ? 0 : strides[i - lead]));
}

/**
 * One product over the batch grid: out, a and b given by byte address and batch strides (in
 * elements). Batch dims are merged where all three strides chain (and size-1 dims dropped), so
 * almost every call is one kernel call; a third batch level (rare broadcasts) loops here.
 */
function batched(layout: number, out: number, os: number[], a: number, as: number[], b: number, bs: number[],
  batch: number[], M: number, K: number, N: number, acc: number): void {
  const dims: number[] = [], s: number[][] = [[], [], []];
  for (let i = 0; i < batch.length; i++) {
    if (batch[i] === 1) continue;
    const last = dims.length - 1, st = [os[i], as[i], bs[i]];
    if (last >= 0 && st.every((x, k) => s[k][last] === x * batch[i])) {
      dims[last] *= batch[i];
      st.forEach((x, k) => { s[k][last] = x; });
    } else {
      dims.push(batch[i]);
      st.forEach((x, k) => s[k].push(x));
    }
  }
  const k = kernels();
  if (dims.length === 0) {
    // One product: the 2-D kernel itself (what compile's fusion rules look for).
    [k.matmul_nn, k.matmul_tn, k.matmul_nt][layout](out, a, b, M, K, N, acc);
    return;
  }
  while (dims.length < 2) { dims.unshift(1); s.forEach((l) => l.unshift(0)); }
  const outer = dims.length - 2;
  const idx = new Array<number>(outer).fill(0);
  let total = 1;
  for (let i = 0; i < outer; i++) total *= dims[i];
  for (let c = 0; c < total; c++) {
    let o = out, x = a, y = b;
    for (let i = 0; i < outer; i++) { o += idx[i] * s[0][i] * 4; x += idx[i] * s[1][i] * 4; y += idx[i] * s[2][i] * 4; }
    k.matmul_batched(o, x, y, layout, dims[outer], dims[outer + 1], M, K, N,
      s[0][outer], s[0][outer + 1], s[1][outer], s[1][outer + 1], s[2][outer], s[2][outer + 1], acc);
    for (let i = outer - 1; i >= 0; i--) { if (++idx[i] < dims[i]) break; idx[i] = 0; }
  }
}

/** (..., M, K) @ (..., K, N) with the batch dims broadcast (2-D is a batch of one). */
function bmm(a: Tensor, b: Tensor): Tensor {
  let la = matrixLayout(a), lb = matrixLayout(b);
  if (!la) { a = contiguous(a); la = 'n'; }
  if (!lb || (la === 't' && lb === 't')) { b = contiguous(b); lb = 'n'; }
  const A = a, B = b;
  let batch: number[];
  try { batch = broadcastShapes(A.shape.slice(0, -2), B.shape.slice(0, -2), 'matmul'); } catch {
    throw new Error(`matmul: batch dims do not broadcast: ${fmtShape(A.shape)} @ ${fmtShape(B.shape)} (batch ${fmtShape(A.shape.slice(0, -2))} vs ${fmtShape(B.shape.slice(0, -2))})`);
  }
  const [M, K] = A.shape.slice(-2), N = B.shape[B.ndim - 1];
  const out = Tensor._empty([...batch, M, N]);
  const os = contiguousStrides(batch).map((x) => x * M * N);
  const as = batchStrides(A.shape, A._strides, batch), bs = batchStrides(B.shape, B._strides, batch);
  const layout = la === 't' ? TN : lb === 't' ? NT : NN;
  batched(layout, out.ptr, os, A._basePtr, as, B._basePtr, bs, batch, M, K, N, 0);
  return record('matmul', out, [A, B], [A, B], (g) => {
    if (A.requiresGrad) {
      // dA (A's shape, contiguous) (+)= g @ Bᵀ: nt on B stored (K,N), nn on B stored transposed (N,K).
      const ga = batchStrides(A.shape, contiguousStrides(A.shape), batch);
      const [d, acc] = target(A, ga, batch);
      batched(lb === 't' ? NN : NT, d, ga, g, os, B._basePtr, bs, batch, M, N, K, acc);
    }
    if (B.requiresGrad) {
      // dB (B's shape, contiguous) (+)= Aᵀ @ g: tn on A stored (M,K), nn on A stored transposed (K,M).
      const gb = batchStrides(B.shape, contiguousStrides(B.shape), batch);
      const [d, acc] = target(B, gb, batch);
      batched(la === 't' ? NN : TN, d, gb, A._basePtr, as, g, os, batch, K, M, N, acc);
    }
  });
}

/**
 * Where an operand's gradient goes: written by the first contribution (gradTarget), unless the
 * operand was broadcast over a batch dim, whose products then add up into a zeroed gradient.
 */
function target(t: Tensor, strides: number[], batch: number[]): [number, number] {
  const broadcast = batch.some((n, i) => n > 1 && strides[i] === 0);
  return broadcast ? [gradPtr(t), 1] : gradTarget(t);
}

/**
 * Matrix product with PyTorch's rules: dot product of two 1-D tensors, 2-D @ 2-D, a 1-D
 * operand treated as a row (left) or column (right) and that dim dropped, and batched
 * products with the batch dims broadcast.
 * @example
 *   const scores = q.matmul(k.transpose(-2, -1));   // [B,H,T,D] @ [B,H,D,T] -> [B,H,T,T]
 *   const y = F.matmul(x, W);                       // [N,K] @ [K,H]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  expectTensor(a, 'matmul', 'input'); expectTensor(b, 'matmul', 'other');
  expectFloat(a, 'matmul', 'input'); expectFloat(b, 'matmul', 'other');
  if (a.ndim === 0 || b.ndim === 0) throw new Error(`matmul: both arguments need at least 1 dim, got ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
  const K = a.shape[a.ndim - 1], K2 = b.ndim === 1 ? b.shape[0] : b.shape[b.ndim - 2];
  if (K !== K2) throw new Error(`matmul: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} (${K} vs ${K2})`);
  if (a.ndim === 1 && b.ndim === 1) return squeeze(bmm(unsqueeze(a, 0), unsqueeze(b, 1)), [0, 1]);
  if (a.ndim === 1) return squeeze(bmm(unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return squeeze(bmm(a, unsqueeze(b, 1)), -1);
  return bmm(a, b);
}
