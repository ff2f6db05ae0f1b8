import type { Register } from './harness.ts';
import { alloc, f32, i32 } from '../src/wasm/heap.ts';
import { embeddingForward, embeddingBackward } from '../src/ref/embedding.ts';

export const register: Register = (add, k) => {
  const V = 27, E = 10, N = 32 * 3; // a batch of 32 contexts of 3 characters
  const table = Float64Array.from({ length: V * E }, (_, i) => Math.fround(Math.sin(i)));
  const dout = Float64Array.from({ length: N * E }, (_, i) => Math.fround(Math.cos(i)));
  const idx = Int32Array.from({ length: N }, (_, n) => (n * 11) % V);
  const tp = alloc(V * E * 4), op = alloc(N * E * 4), dp = alloc(V * E * 4), dop = alloc(N * E * 4), ip = alloc(N * 4);
  f32().set(table, tp >>> 2); f32().set(dout, dop >>> 2); i32().set(idx, ip >>> 2); f32().fill(0, dp >>> 2, (dp >>> 2) + V * E);
  k.embedding_forward(op, tp, ip, N, E, V, 0);
  k.embedding_backward(dp, dop, ip, N, E, V, 0);
  const out = new Float64Array(N * E), dtable = new Float64Array(V * E);
  embeddingForward(out, table, idx, N, E);
  embeddingBackward(dtable, dout, idx, N, E, Math.fround);
  const view = f32();
  if (out.some((v, i) => v !== view[(op >>> 2) + i]) || dtable.some((v, i) => v !== view[(dp >>> 2) + i])) {
    throw new Error('embedding disagrees with src/ref/embedding.ts');
  }
  add({ name: `embedding_forward (${N}x${E})`, flops: 0, fn: () => k.embedding_forward(op, tp, ip, N, E, V, 0) });
  add({ name: `embedding_backward (${N}x${E})`, flops: N * E, fn: () => k.embedding_backward(dp, dop, ip, N, E, V, 0) });
};
