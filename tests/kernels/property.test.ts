// Property tests (fast-check): kernels against their float64 references on random shapes and
// values, beyond the fixed sizes of the per-kernel tests.
import { test } from 'uvu';
import fc from 'fast-check';
import { loadKernels, f32buf, i32buf, readF32 } from '../helpers/kernels.ts';
import * as mm from '../../src/ref/matmul.ts';
import * as ew from '../../src/ref/elementwise.ts';
import { sumDim0, sumDim1 } from '../../src/ref/reduce.ts';
import { tanhForward } from '../../src/ref/tanh.ts';
import { softmaxForward } from '../../src/ref/softmax.ts';
import { crossentropyForward } from '../../src/ref/cross_entropy.ts';
import { bnNotebookForward } from '../../src/ref/batchnorm.ts';
import { embeddingForward } from '../../src/ref/embedding.ts';

const { k } = await loadKernels();
const dim = fc.integer({ min: 1, max: 40 });
const RUNS = { numRuns: 60 };

/** Deterministic float32 values from a seed, in [-scale, scale). */
function values(n: number, seed: number, scale = 1): Float64Array {
  let s = seed >>> 0 || 1;
  return Float64Array.from({ length: n }, () => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return Math.fround(((s / 4294967296) * 2 - 1) * scale);
  });
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: (w: number) => number): boolean {
  for (let i = 0; i < want.length; i++) if (!(Math.abs(got[i] - want[i]) <= tol(want[i]))) return false;
  return true;
}

test('property: the three matmul layouts agree with the reference on random shapes', () => {
  fc.assert(fc.property(dim, dim, dim, fc.integer(), fc.boolean(), (M, K, N, seed, acc) => {
    const a = values(M * K, seed), b = values(K * N, seed + 1), init = values(M * N, seed + 2);
    const tol = () => 1e-5 * K + 1e-6;
    for (const [fn, ref, bs] of [[k.matmul_nn, mm.matmulNN, b], [k.matmul_tn, mm.matmulTN, values(M * N, seed + 3)], [k.matmul_nt, mm.matmulNT, values(N * K, seed + 4)]] as const) {
      // tn reads a as (K, M); nt reads b as (N, K): the same element counts as nn's.
      const out = f32buf(acc ? init : M * N);
      const want = Float64Array.from(init);
      if (fn === k.matmul_tn) {
        const at = values(K * M, seed + 5), bt = values(K * N, seed + 6);
        fn(out, f32buf(at), f32buf(bt), M, K, N, acc ? 1 : 0); ref(want, at, bt, M, K, N, acc);
      } else {
        fn(out, f32buf(a), f32buf(bs), M, K, N, acc ? 1 : 0); ref(want, a, bs, M, K, N, acc);
      }
      if (!close(readF32(out, M * N), want, tol)) return false;
    }
    return true;
  }), RUNS);
});

test('property: broadcast add/mul/div and column/row sums agree with the reference', () => {
  fc.assert(fc.property(dim, dim, fc.integer({ min: 0, max: 3 }), fc.integer(), (M, N, bmode, seed) => {
    const a = values(M * N, seed), nb = [M * N, N, M, 1][bmode];
    const b = values(nb, seed + 1).map((x) => (Math.abs(x) < 0.1 ? 0.5 : x));
    for (const [fn, ref] of [[k.add, ew.add], [k.mul, ew.mul], [k.div, ew.div], [k.rsub, ew.rsub]] as const) {
      const out = f32buf(M * N), want = new Float64Array(M * N);
      fn(out, f32buf(a), f32buf(b), M, N, bmode, 0); ref(want, a, b, M, N, bmode, 0);
      if (!close(readF32(out, M * N), want, () => 0)) return false; // one float32 op: exact
    }
    const s0 = f32buf(N), w0 = new Float64Array(N), s1 = f32buf(M), w1 = new Float64Array(M);
    k.sum_dim0(s0, f32buf(a), M, N, 0); sumDim0(w0, a, M, N, 0);
    k.sum_dim1(s1, f32buf(a), M, N, 0); sumDim1(w1, a, M, N, 0);
    return close(readF32(s0, N), w0, () => 1e-5 * M) && close(readF32(s1, M), w1, () => 1e-5 * N);
  }), RUNS);
});

test('property: tanh, softmax and cross-entropy agree with the reference on random values', () => {
  fc.assert(fc.property(dim, dim, fc.integer(), fc.double({ min: 0.1, max: 50, noNaN: true }), (M, N, seed, scale) => {
    const x = values(M * N, seed, scale);
    const t = f32buf(M * N), tw = new Float64Array(M * N);
    k.tanh_forward(t, f32buf(x), M * N); tanhForward(tw, x, M * N);
    if (!close(readF32(t, M * N), tw, () => 1e-6)) return false;
    const sm = f32buf(M * N), sw = new Float64Array(M * N);
    k.softmax_forward(sm, f32buf(x), M, N); softmaxForward(sw, x, M, N);
    if (!close(readF32(sm, M * N), sw, (w) => 1e-6 + 1e-5 * w)) return false;
    const targets = Int32Array.from({ length: M }, (_, i) => (seed + i * 7) % N < 0 ? 0 : (Math.abs(seed) + i * 7) % N);
    const probs = f32buf(M * N), lp = f32buf(1);
    k.crossentropy_forward(lp, probs, f32buf(x), i32buf(targets), M, N, -100);
    const loss = readF32(lp, 1)[0];
    const want = crossentropyForward(new Float64Array(M * N), x, targets, M, N);
    return Math.abs(loss - want) <= 1e-5 * Math.max(1, Math.abs(want));
  }), RUNS);
});

test('property: notebook batch norm and embedding agree with the reference', () => {
  fc.assert(fc.property(fc.integer({ min: 2, max: 40 }), dim, fc.integer(), (B, H, seed) => {
    const x = values(B * H, seed, 3), g = values(H, seed + 1), b = values(H, seed + 2);
    const out = f32buf(B * H), mean = f32buf(H), std = f32buf(H);
    k.bn_notebook_forward(out, mean, std, f32buf(x), f32buf(g), f32buf(b), B, H);
    const want = new Float64Array(B * H), wm = new Float64Array(H), ws = new Float64Array(H);
    bnNotebookForward(want, wm, ws, x, g, b, B, H);
    // A feature whose batch values are (nearly) equal has std ~ 0: compare relative to 1/std.
    const got = readF32(out, B * H);
    for (let i = 0; i < B * H; i++) {
      const s = ws[i % H];
      if (!(Math.abs(got[i] - want[i]) <= 1e-4 * (1 + Math.abs(want[i])) * Math.max(1, 1 / Math.max(s, 1e-3)))) return false;
    }
    const V = H + 1, idx = Int32Array.from({ length: B }, (_, i) => (Math.abs(seed) + i * 5) % V);
    const table = values(V * 3, seed + 3), e = f32buf(B * 3), ew2 = new Float64Array(B * 3);
    k.embedding_forward(e, f32buf(table), i32buf(idx), B, 3, V, 0); embeddingForward(ew2, table, idx, B, 3);
    return close(readF32(e, B * 3), ew2, () => 0);
  }), RUNS);
});

test.run();
