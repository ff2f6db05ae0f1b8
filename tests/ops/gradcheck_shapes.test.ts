// The shape, indexing and matmul ops' backward against finite differences of float64
// references written here as plain loops (element maps), at shapes that hit the SIMD tails.
import { test } from 'uvu';
import { init, F, tensor, cat, stack } from '../../src/index.ts';
import { checkOp, type Ref } from '../helpers/gradcheck.ts';
import { gatherForward, scatterAdd } from '../../src/ref/gather.ts';
import { triMask } from '../../src/ref/tri.ts';
import { matmulNN } from '../../src/ref/matmul.ts';

await init();

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const strides = (s: readonly number[]) => s.map((_, i) => prod(s.slice(i + 1)));
/** Multi-index of flat position n in shape s. */
const unflat = (n: number, s: readonly number[]) => s.map((_, i) => Math.floor(n / strides(s)[i]) % s[i]);
/** A ref whose output element e is input `which`'s element at(e's multi-index) (or 0 for -1). */
const mapRef = (out: number[], at: (ix: number[]) => number, which = 0): Ref => (xs) =>
  Float64Array.from({ length: prod(out) }, (_, e) => { const j = at(unflat(e, out)); return j < 0 ? 0 : xs[which][j]; });
const flatIn = (ix: number[], s: number[]) => ix.reduce((a, v, i) => a + v * strides(s)[i], 0);
const ints = (v: number[], shape?: number[]) => tensor(Int32Array.from(v), { dtype: 'int32', shape: shape ?? [v.length] });

test('views: permute, transpose, expand, narrow/slice/select, squeeze/unsqueeze, flatten backpropagate', () => {
  const s = [3, 4, 5];
  checkOp('permute', [s], ([x]) => x.permute(2, 0, 1), mapRef([5, 3, 4], ([a, b, c]) => flatIn([b, c, a], s)));
  checkOp('transpose', [s], ([x]) => x.transpose(0, 2), mapRef([5, 4, 3], ([a, b, c]) => flatIn([c, b, a], s)));
  checkOp('T', [[5, 33]], ([x]) => x.T, mapRef([33, 5], ([a, b]) => b * 33 + a));
  checkOp('expand', [[3, 1]], ([x]) => x.expand(2, 3, 33), mapRef([2, 3, 33], ([, b]) => b));
  checkOp('expandAs', [[1, 5]], ([x]) => x.expandAs(tensor(new Float32Array(20), { shape: [4, 5] })), mapRef([4, 5], ([, b]) => b));
  checkOp('narrow', [[5, 33]], ([x]) => x.narrow(1, 4, 20), mapRef([5, 20], ([a, b]) => a * 33 + b + 4));
  checkOp('slice', [[5, 33]], ([x]) => x.slice(1, 1, 30, 3), mapRef([5, 10], ([a, b]) => a * 33 + 1 + 3 * b));
  checkOp('select', [s], ([x]) => x.select(1, -1), mapRef([3, 5], ([a, c]) => flatIn([a, 3, c], s)));
  checkOp('squeeze/unsqueeze/flatten', [[3, 1, 5]], ([x]) => x.squeeze(1).unsqueeze(0).flatten(), mapRef([15], ([e]) => e));
  checkOp('contiguous of a view', [[4, 5]], ([x]) => x.T.contiguous(), mapRef([5, 4], ([a, b]) => b * 5 + a));
  checkOp('clone', [[33]], ([x]) => x.clone(), mapRef([33], ([e]) => e));
});

test('split, chunk, unbind: every piece backpropagates into its part', () => {
  checkOp('split', [[7, 5]], ([x]) => { const p = x.split(3, 0); return cat([p[2], p[0].mul(2), p[1]], 0); }, (xs) => {
    const x = xs[0];
    return Float64Array.from({ length: 35 }, (_, e) => { const r = Math.floor(e / 5), c = e % 5; return r < 1 ? x[(6 + r) * 5 + c] : r < 4 ? 2 * x[(r - 1) * 5 + c] : x[(r - 1) * 5 + c]; });
  });
  checkOp('chunk', [[4, 33]], ([x]) => x.chunk(4, 1)[3], mapRef([4, 6], ([a, b]) => a * 33 + 27 + b));
  checkOp('unbind', [[3, 4]], ([x]) => x.unbind(1)[2].mul(x.unbind(0)[1].narrow(0, 0, 3)), (xs) => {
    const x = xs[0]; return Float64Array.from({ length: 3 }, (_, i) => x[i * 4 + 2] * x[4 + i]);
  });
});

test('cat, stack, roll: backward matches finite differences', () => {
  for (const n of [1, 3, 4, 5, 33]) {
    checkOp(`cat dim 1 n=${n}`, [[2, n], [2, 3]], ([a, b]) => cat([a, b], 1), (xs) => Float64Array.from({ length: 2 * (n + 3) }, (_, e) => {
      const r = Math.floor(e / (n + 3)), c = e % (n + 3); return c < n ? xs[0][r * n + c] : xs[1][r * 3 + c - n];
    }));
    checkOp(`stack dim -1 n=${n}`, [[n], [n]], ([a, b]) => stack([a, b], -1), (xs) => Float64Array.from({ length: 2 * n }, (_, e) => xs[e % 2][Math.floor(e / 2)]));
    checkOp(`roll n=${n}`, [[n, 3]], ([x]) => x.roll([2, -1], [0, 1]), mapRef([n, 3], ([a, b]) => (((a - 2) % n) + n) % n * 3 + (b + 1) % 3));
  }
  checkOp('cat of strided views', [[2, 5, 3], [4, 2, 3]], ([a, b]) => cat([a.transpose(1, 2), b.permute(1, 2, 0)], 2), (xs) => Float64Array.from({ length: 2 * 3 * 9 }, (_, e) => {
    const [i, j, k] = unflat(e, [2, 3, 9]); return k < 5 ? xs[0][i * 15 + k * 3 + j] : xs[1][(k - 5) * 6 + i * 3 + j];
  }));
});

test('gather, scatterAdd: backward matches finite differences (repeated indices accumulate)', () => {
  for (const [O, V, I] of [[1, 1, 1], [3, 4, 5], [2, 33, 1], [4, 3, 33]]) {
    const J = 5, idx = Array.from({ length: O * J * I }, (_, n) => (n * 7 + 3) % V);
    const X = ints(idx, [O, J, I]);
    checkOp(`gather ${O}x${V}x${I}`, [[O, V, I]], ([x]) => x.gather(1, X), ([x]) => { const o = new Float64Array(O * J * I); gatherForward(o, x, idx, O, J, I, V); return o; });
    checkOp(`scatterAdd ${O}x${V}x${I}`, [[O, V, I], [O, J, I]], ([x, s]) => x.scatterAdd(1, X, s), ([x, s]) => {
      const o = Float64Array.from(x); scatterAdd(o, s, idx, O, J, I, V); return o;
    });
  }
  // An index smaller than the input in another dim (a region of the input).
  const idx = [1, 3, 0, 1, 0, 3], X = ints(idx, [2, 3]);
  checkOp('scatterAdd region', [[4, 6], [2, 3]], ([x, s]) => x.scatterAdd(0, X, s), ([x, s]) => {
    const o = Float64Array.from(x); for (let j = 0; j < 2; j++) for (let c = 0; c < 3; c++) o[idx[j * 3 + c] * 6 + c] += s[j * 3 + c]; return o;
  });
  checkOp('gather region', [[4, 6]], ([x]) => x.gather(1, X), ([x]) => Float64Array.from({ length: 6 }, (_, e) => x[Math.floor(e / 3) * 6 + idx[e]]));
});

test('tril, triu: backward matches finite differences', () => {
  for (const [B, M, N] of [[1, 1, 1], [1, 3, 5], [2, 5, 4], [1, 4, 33]]) {
    for (const k of [-1, 0, 2]) {
      checkOp(`tril ${B}x${M}x${N} k=${k}`, [[B, M, N]], ([x]) => x.tril(k), ([x]) => { const o = new Float64Array(B * M * N); triMask(o, x, B, M, N, k, false, false); return o; });
      checkOp(`triu ${B}x${M}x${N} k=${k}`, [[B, M, N]], ([x]) => F.triu(x, k), ([x]) => { const o = new Float64Array(B * M * N); triMask(o, x, B, M, N, k, true, false); return o; });
    }
  }
});

test('index: tensors on any dims, numbers, slices and negatives backpropagate', () => {
  const s = [3, 4, 5];
  const i = [0, 2, -1], j = [4, -5, 1];
  const w = (v: number, n: number) => (v < 0 ? v + n : v);
  checkOp('index rows and cols', [[6, 7]], ([x]) => x.index(ints([0, 5, 2, 2]), ints([6, 0, -1, 3])), (xs) => {
    const r = [0, 5, 2, 2], c = [6, 0, 6, 3]; return Float64Array.from(r, (v, n) => xs[0][v * 7 + c[n]]);
  });
  checkOp('index second dim', [s], ([x]) => x.index(null, ints([3, 0, -1, 3])), mapRef([3, 4, 5], ([a, b, c]) => flatIn([a, [3, 0, 3, 3][b], c], s)));
  checkOp('index apart dims first', [s], ([x]) => x.index(ints(i), null, ints(j)), mapRef([3, 4], ([n, b]) => flatIn([w(i[n], 3), b, w(j[n], 5)], s)));
  checkOp('index number and slice', [s], ([x]) => x.index(1, { start: 1, step: 2 }, '...'), mapRef([2, 5], ([b, c]) => flatIn([1, 1 + 2 * b, c], s)));
  checkOp('index tensor after a number', [s], ([x]) => x.index(0, null, ints([1, 1, 4])), mapRef([4, 3], ([b, n]) => flatIn([0, b, [1, 1, 4][n]], s)));
});

test('matmul: batched, broadcast and transposed products backpropagate', () => {
  const bmm = (A: Float64Array, B: Float64Array, nb: number, M: number, K: number, N: number, sa: number, sb: number) => {
    const o = new Float64Array(nb * M * N);
    for (let b = 0; b < nb; b++) {
      const part = new Float64Array(M * N);
      matmulNN(part, A.subarray(b * sa), B.subarray(b * sb), M, K, N, false);
      o.set(part, b * M * N);
    }
    return o;
  };
  for (const [M, K, N] of [[1, 1, 1], [3, 4, 5], [5, 33, 3], [4, 3, 33]]) {
    checkOp(`matmul batched 2x${M}x${K}@2x${K}x${N}`, [[2, M, K], [2, K, N]], ([a, b]) => a.matmul(b), ([a, b]) => bmm(a, b, 2, M, K, N, M * K, K * N));
    checkOp(`matmul broadcast 3x${M}x${K}@${K}x${N}`, [[3, M, K], [K, N]], ([a, b]) => a.matmul(b), ([a, b]) => bmm(a, b, 3, M, K, N, M * K, 0));
    checkOp(`matmul broadcast ${M}x${K}@3x${K}x${N}`, [[M, K], [3, K, N]], ([a, b]) => F.matmul(a, b), ([a, b]) => bmm(a, b, 3, M, K, N, 0, K * N));
    // x @ Wᵀ (nt with no copy) and Aᵀ @ B (tn).
    checkOp(`matmul x@WT ${M}x${K}`, [[M, K], [N, K]], ([x, W]) => x.matmul(W.T), ([x, W]) => {
      const Wt = new Float64Array(K * N); for (let p = 0; p < K; p++) for (let j = 0; j < N; j++) Wt[p * N + j] = W[j * K + p];
      return bmm(x, Wt, 1, M, K, N, 0, 0);
    });
    checkOp(`matmul AT@B ${M}x${K}`, [[K, M], [K, N]], ([a, b]) => a.T.matmul(b), ([a, b]) => {
      const At = new Float64Array(M * K); for (let p = 0; p < K; p++) for (let i = 0; i < M; i++) At[i * K + p] = a[p * M + i];
      return bmm(At, b, 1, M, K, N, 0, 0);
    });
  }
  checkOp('matmul attention [2,3,T,D]@[2,3,D,T]', [[2, 3, 5, 4], [2, 3, 5, 4]], ([q, k]) => q.matmul(k.transpose(-2, -1)), ([q, k]) => {
    const kt = new Float64Array(6 * 20);
    for (let b = 0; b < 6; b++) for (let t = 0; t < 5; t++) for (let d = 0; d < 4; d++) kt[b * 20 + d * 5 + t] = k[b * 20 + t * 4 + d];
    return bmm(q, kt, 6, 5, 4, 5, 20, 20);
  });
  checkOp('matmul 1-D', [[5], [5, 3]], ([v, m]) => v.matmul(m), ([v, m]) => bmm(v, m, 1, 1, 5, 3, 0, 0));
  checkOp('matmul dot', [[33], [33]], ([a, b]) => a.matmul(b), ([a, b]) => Float64Array.of(a.reduce((s, x, i) => s + x * b[i], 0)));
});

test.run();
