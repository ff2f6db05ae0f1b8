import type { Register } from './harness.ts';
import { alloc, f32 } from '../src/wasm/heap.ts';
import { matmulNN, matmulTN, matmulNT } from '../src/ref/matmul.ts';

// The six products of one training step (B=32, K=30, H=200, V=27) and a large eval batch.
const CASES: [layout: 'nn' | 'tn' | 'nt', M: number, K: number, N: number, what: string][] = [
  ['nn', 32, 30, 200, 'emb (32x30) @ W1 (30x200)'],
  ['nn', 32, 200, 27, 'h (32x200) @ W2 (200x27)'],
  ['tn', 30, 32, 200, 'dW1 = emb (32x30)ᵀ @ dh (32x200)'],
  ['nt', 32, 200, 30, 'demb = dh (32x200) @ W1 (30x200)ᵀ'],
  ['tn', 200, 32, 27, 'dW2 = h (32x200)ᵀ @ dlogits (32x27)'],
  ['nt', 32, 27, 200, 'dh = dlogits (32x27) @ W2 (200x27)ᵀ'],
  ['nn', 4096, 30, 200, 'eval emb (4096x30) @ W1 (30x200)'],
];
const REF = { nn: matmulNN, tn: matmulTN, nt: matmulNT };

export const register: Register = (add, k) => {
  for (const [layout, M, K, N, what] of CASES) {
    const kernel = { nn: k.matmul_nn, tn: k.matmul_tn, nt: k.matmul_nt }[layout];
    const a = Float64Array.from({ length: M * K }, (_, i) => Math.fround(Math.sin(i)));
    const b = Float64Array.from({ length: K * N }, (_, i) => Math.fround(Math.cos(i)));
    const ap = alloc(M * K * 4), bp = alloc(K * N * 4), op = alloc(M * N * 4);
    f32().set(a, ap >>> 2); f32().set(b, bp >>> 2);
    kernel(op, ap, bp, M, K, N, 0);
    const want = new Float64Array(M * N);
    REF[layout](want, a, b, M, K, N, false);
    // float32 sums of K terms of size <= 1: see tests/kernels/matmul.test.ts for the bound.
    const out = f32().subarray(op >>> 2, (op >>> 2) + M * N);
    const bad = out.findIndex((v, i) => !(Math.abs(v - want[i]) <= 1e-6 * K * K));
    if (bad >= 0) throw new Error(`matmul_${layout} ${what}: out[${bad}] = ${out[bad]}, src/ref/matmul.ts says ${want[bad]}`);
    // Forward overwrites, backward accumulates into gradients: time each the way it is used.
    const acc = layout === 'nn' ? 0 : 1;
    add({ name: `matmul_${layout} ${what}`, flops: 2 * M * K * N, fn: () => kernel(op, ap, bp, M, K, N, acc) });
  }
};
