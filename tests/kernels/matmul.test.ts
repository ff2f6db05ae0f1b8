import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, readF32, uniform, asF32, poison, POISON, SIZES } from '../helpers/kernels.ts';
import { f32 } from '../../src/wasm/heap.ts';
import { matmulNN, matmulTN, matmulNT, matmulBatched } from '../../src/ref/matmul.ts';

const { k } = await loadKernels();

type Ref = typeof matmulNN;
const LAYOUTS: { name: string; kernel: (o: number, a: number, b: number, M: number, K: number, N: number, acc: number) => void; ref: Ref }[] = [
  { name: 'nn', kernel: k.matmul_nn, ref: matmulNN },
  { name: 'tn', kernel: k.matmul_tn, ref: matmulTN },
  { name: 'nt', kernel: k.matmul_nt, ref: matmulNT },
];

// Tolerance. The inputs are exact float32 values, so the only error is float32 rounding inside
// the kernel. Each product and partial sum is rounded at most K+3 times on its way to the
// output, whatever the summation order (blocked, lane-split, FMA or not), and every rounding
// is within u=2^-24 of a value bounded by Σ|a·b| (+|old out| when accumulating). So Higham's
// bound |err| <= γ(K+3)·(Σp |a_ip|·|b_pj| + |old_ij|), γ(n) = n·u/(1-n·u), holds elementwise.
const U = 2 ** -24;
const gamma = (n: number) => (n * U) / (1 - n * U);

const GUARD = 8; // floats of poison on each side of out: nothing may be written there

/** Runs one layout at one shape against the reference; returns the max |diff|. */
function check(l: (typeof LAYOUTS)[number], M: number, K: number, N: number, acc: boolean, seed: number, offset = 0): number {
  const a = asF32(uniform(M * K, seed)), b = asF32(uniform(K * N, seed + 1, -2, 2));
  const start = acc ? asF32(uniform(M * N, seed + 2, -3, 3)) : new Float64Array(M * N);
  const ap = f32buf(M * K + 1) + offset, bp = f32buf(K * N + 1) + offset;
  f32().set(a, ap >>> 2); f32().set(b, bp >>> 2);
  const buf = f32buf(M * N + 2 * GUARD + 1), op = buf + GUARD * 4 + offset;
  poison(buf, M * N + 2 * GUARD + 1);
  if (acc) f32().set(start, op >>> 2);

  l.kernel(op, ap, bp, M, K, N, acc ? 1 : 0);
  const got = readF32(op, M * N);
  const want = Float64Array.from(start);
  l.ref(want, a, b, M, K, N, acc);
  const mag = new Float64Array(M * N);
  l.ref(mag, a.map(Math.abs), b.map(Math.abs), M, K, N, false);

  const label = `matmul_${l.name} M=${M} K=${K} N=${N} acc=${acc} offset=${offset}`;
  let maxdiff = 0;
  for (let i = 0; i < M * N; i++) {
    const d = Math.abs(got[i] - want[i]);
    const tol = gamma(K + 3) * (mag[i] + Math.abs(start[i]));
    if (!(d <= tol)) assert.unreachable(`${label}: out[${i}] = ${got[i]}, expected ${want[i]} (diff ${d}, tol ${tol})`);
    maxdiff = Math.max(maxdiff, d);
  }
  const lo = readF32(op - GUARD * 4, GUARD), hi = readF32(op + M * N * 4, GUARD);
  for (const g of [...lo, ...hi]) if (g !== Math.fround(POISON)) assert.unreachable(`${label}: wrote outside out`);
  return maxdiff;
}

// Sizes around every block edge: SIMD tails (4), the row blocks (5 and 6 rows), the 8-column
// blocks and the 2×4 / 2-row blocks of nt and the scalar build.
const MS = [...SIZES, 2, 6, 7, 11, 12, 13];
const KS = [...SIZES, 2, 8, 67];
const NS = [...SIZES, 2, 7, 8, 9, 12, 13];

for (const l of LAYOUTS) {
  test(`matmul: ${l.name} matches the reference at every small shape, overwriting and accumulating`, () => {
    let seed = 1;
    for (const M of MS) for (const K of KS) for (const N of NS) {
      check(l, M, K, N, false, seed++);
      check(l, M, K, N, true, seed++);
    }
  });
}

// The workload: B=32 batch, K=30 (3 context × 10 embed), H=200 hidden, V=27 vocab.
const WORKLOAD: [string, number, number, number][] = [
  ['nn', 32, 30, 200], // h = emb @ W1
  ['nn', 32, 200, 27], // logits = h @ W2
  ['tn', 30, 32, 200], // dW1 += embᵀ @ dh
  ['nt', 32, 200, 30], // demb += dh @ W1ᵀ
  ['tn', 200, 32, 27], // dW2 += hᵀ @ dlogits
  ['nt', 32, 27, 200], // dh += dlogits @ W2ᵀ
];

test('matmul: every layout matches the reference at the workload shapes', () => {
  for (const [name, M, K, N] of WORKLOAD) {
    const l = LAYOUTS.find((x) => x.name === name)!;
    check(l, M, K, N, false, M + K + N);
    check(l, M, K, N, true, M * K + N);
  }
});

test('matmul: a large eval batch (4096x30)@(30x200) matches', () => {
  check(LAYOUTS[0], 4096, 30, 200, false, 7);
});

test('matmul: pointers that are 4 bytes off 16-byte alignment work', () => {
  for (const l of LAYOUTS) for (const [M, K, N] of [[5, 7, 9], [33, 5, 13], [7, 33, 4]]) {
    check(l, M, K, N, false, M, 4);
    check(l, M, K, N, true, N, 4);
  }
});

test('matmul: NaN in an input reaches exactly the outputs that use it', () => {
  const M = 7, K = 6, N = 13;
  for (const l of LAYOUTS) {
    // One NaN in row i of the left operand and one in column j of the right one (in each
    // layout's storage order); row i and column j of out must be NaN and nothing else.
    const i = 3, j = 9, p = 2;
    const a = asF32(uniform(M * K, 5)), b = asF32(uniform(K * N, 6));
    a[l.name === 'tn' ? p * M + i : i * K + p] = NaN;
    b[l.name === 'nt' ? j * K + p : p * N + j] = NaN;
    const ap = f32buf(a), bp = f32buf(b), op = f32buf(M * N);
    l.kernel(op, ap, bp, M, K, N, 0);
    const out = readF32(op, M * N);
    for (let r = 0; r < M; r++) for (let c = 0; c < N; c++) {
      const nan = Number.isNaN(out[r * N + c]);
      if (nan !== (r === i || c === j)) assert.unreachable(`matmul_${l.name}: out[${r},${c}] = ${out[r * N + c]}`);
    }
  }
});

test('matmul_batched: each batch is bit for bit the 2-D kernel, broadcast batches included', () => {
  // A (B0,B1) grid where a is shared along B1 (stride 0) and b along B0: every layout, tail sizes.
  for (const [l, layout] of LAYOUTS.map((x, i) => [x, i] as const)) {
    for (const [B0, B1, M, K, N] of [[1, 1, 3, 4, 5], [2, 3, 5, 33, 4], [3, 2, 1, 3, 33], [2, 2, 4, 5, 1]]) {
      const a = asF32(uniform(B0 * M * K, M + K)), b = asF32(uniform(B1 * K * N, K + N, -2, 2));
      const ap = f32buf(a), bp = f32buf(b), op = f32buf(B0 * B1 * M * N);
      k.matmul_batched(op, ap, bp, layout, B0, B1, M, K, N, B1 * M * N, M * N, M * K, 0, 0, K * N, 0);
      const got = readF32(op, B0 * B1 * M * N);
      for (let i = 0; i < B0; i++) for (let j = 0; j < B1; j++) {
        const one = f32buf(M * N);
        l.kernel(one, ap + i * M * K * 4, bp + j * K * N * 4, M, K, N, 0);
        const want = readF32(one, M * N), at = (i * B1 + j) * M * N;
        for (let e = 0; e < M * N; e++) {
          if (!Object.is(got[at + e], want[e])) assert.unreachable(`matmul_batched ${l.name} ${B0}x${B1} ${M}x${K}x${N}: batch (${i},${j}) element ${e} is ${got[at + e]}, 2-D kernel ${want[e]}`);
        }
      }
      // And within float32 rounding of the float64 reference.
      const ref = new Float64Array(B0 * B1 * M * N);
      matmulBatched(ref, a, b, layout, B0, B1, M, K, N, [B1 * M * N, M * N], [M * K, 0], [0, K * N], false);
      for (let e = 0; e < ref.length; e++) assert.ok(Math.abs(got[e] - ref[e]) <= 1e-5 * (1 + Math.abs(ref[e])), `matmul_batched ${l.name}: element ${e}`);
    }
  }
});

test('matmul_batched: accumulating into a broadcast output sums over the batches', () => {
  // dA of a shared operand: out stride 0 along the batch, acc = 1.
  const B = 4, M = 3, K = 5, N = 4;
  const a = asF32(uniform(B * M * K, 1)), b = asF32(uniform(B * K * N, 2));
  const op = f32buf(new Float64Array(M * N));
  k.matmul_batched(op, f32buf(a), f32buf(b), 0, 1, B, M, K, N, 0, 0, 0, M * K, 0, K * N, 1);
  const ref = new Float64Array(M * N);
  for (let i = 0; i < B; i++) matmulNN(ref, a.subarray(i * M * K), b.subarray(i * K * N), M, K, N, true);
  const got = readF32(op, M * N);
  for (let e = 0; e < M * N; e++) assert.ok(Math.abs(got[e] - ref[e]) <= 1e-5, `element ${e}: ${got[e]} vs ${ref[e]}`);
});

test.run();
