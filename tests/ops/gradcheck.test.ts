// Every differentiable op's backward against finite differences of a float64 reference, at
// shapes that hit the SIMD tails (1, 3, 4, 5, 33) and the workload's.
import { test } from 'uvu';
import { init, F, tensor, type Tensor } from '../../src/index.ts';
import { checkOp } from '../helpers/gradcheck.ts';
import { uniform } from '../helpers/kernels.ts';
import { matmulNN } from '../../src/ref/matmul.ts';
import { crossentropyForward } from '../../src/ref/cross_entropy.ts';
import { bnNotebookForward, bnTorchForward } from '../../src/ref/batchnorm.ts';

await init();

const map = (f: (x: number) => number) => ([a]: Float64Array[]) => a.map(f);
const SIZES = [1, 3, 4, 5, 33];

test('matmul: backward matches finite differences', () => {
  for (const [M, K, N] of [[1, 1, 1], [3, 4, 5], [5, 33, 3], [4, 3, 33], [32, 30, 200]]) {
    checkOp(`matmul ${M}x${K}@${K}x${N}`, [[M, K], [K, N]], ([a, b]) => a.matmul(b), ([a, b]) => {
      const out = new Float64Array(M * N); matmulNN(out, a, b, M, K, N, false); return out;
    });
  }
});

test('add/sub/mul/div: backward matches finite differences for every broadcast', () => {
  const ops: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
    ['add', (a, b) => a.add(b), (x, y) => x + y], ['sub', (a, b) => a.sub(b), (x, y) => x - y],
    ['mul', (a, b) => a.mul(b), (x, y) => x * y], ['div', (a, b) => a.div(b), (x, y) => x / y],
  ];
  // Divisors kept away from zero.
  const values = (i: number, n: number) => uniform(n, 7 + i, 0.5, 2).map((x, j) => (j % 2 ? -x : x));
  for (const [M, N] of [[1, 1], [3, 5], [5, 33], [32, 4]]) {
    const cases: [number[], number[], (i: number, j: number) => [number, number]][] = [
      [[M, N], [M, N], (i, j) => [i * N + j, i * N + j]],
      [[M, N], [N], (i, j) => [i * N + j, j]],
      [[M, N], [1, N], (i, j) => [i * N + j, j]],
      [[M, N], [M, 1], (i, j) => [i * N + j, i]],
      [[M, N], [1], (i, j) => [i * N + j, 0]],
      [[N], [M, N], (i, j) => [j, i * N + j]],
      [[M, 1], [M, N], (i, j) => [i, i * N + j]],
    ];
    for (const [name, op, f] of ops) {
      for (const [sa, sb, at] of cases) {
        checkOp(`${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, [sa, sb], ([a, b]) => op(a, b), ([a, b]) => {
          const out = new Float64Array(M * N);
          for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) { const [p, q] = at(i, j); out[i * N + j] = f(a[p], b[q]); }
          return out;
        }, { values });
      }
    }
  }
});

test('scalar ops: both argument orders backpropagate', () => {
  const values = (i: number, n: number) => uniform(n, 3 + i, 0.5, 2);
  for (const n of SIZES) {
    checkOp(`add ${n}`, [[n]], ([a]) => F.add(2.5, a), map((x) => x + 2.5), { values });
    checkOp(`sub ${n}`, [[n]], ([a]) => a.sub(0.25), map((x) => x - 0.25), { values });
    checkOp(`rsub ${n}`, [[n]], ([a]) => F.sub(1.5, a), map((x) => 1.5 - x), { values });
    checkOp(`mul ${n}`, [[n]], ([a]) => F.mul(-3, a), map((x) => -3 * x), { values });
    checkOp(`div ${n}`, [[n]], ([a]) => a.div(3), map((x) => x / 3), { values });
    checkOp(`rdiv ${n}`, [[n]], ([a]) => F.div(2, a), map((x) => 2 / x), { values });
  }
});

test('unary ops: backward matches finite differences', () => {
  const pos = (i: number, n: number) => uniform(n, 11 + i, 0.2, 3);
  for (const n of SIZES) {
    checkOp(`neg ${n}`, [[n]], ([a]) => a.neg(), map((x) => -x));
    checkOp(`tanh ${n}`, [[n]], ([a]) => a.tanh(), map(Math.tanh), { values: (i, m) => uniform(m, 5, -3, 3) });
    checkOp(`exp ${n}`, [[n]], ([a]) => a.exp(), map(Math.exp));
    checkOp(`log ${n}`, [[n]], ([a]) => a.log(), map(Math.log), { values: pos });
    checkOp(`log10 ${n}`, [[n]], ([a]) => a.log10(), map(Math.log10), { values: pos });
    checkOp(`sqrt ${n}`, [[n]], ([a]) => a.sqrt(), map(Math.sqrt), { values: pos });
    for (const p of [2, 3, 0.5, -1, -0.5, 1.7]) checkOp(`pow ${p} ${n}`, [[n]], ([a]) => a.pow(p), map((x) => x ** p), { values: pos });
  }
});

test('sum/mean/std: backward matches finite differences over every dim', () => {
  for (const [M, N] of [[1, 1], [3, 5], [5, 33], [32, 4]]) {
    const all = ([a]: Float64Array[]) => Float64Array.of(a.reduce((s, x) => s + x, 0));
    const cols = ([a]: Float64Array[]) => Float64Array.from({ length: N }, (_, j) => { let s = 0; for (let i = 0; i < M; i++) s += a[i * N + j]; return s; });
    const rows = ([a]: Float64Array[]) => Float64Array.from({ length: M }, (_, i) => { let s = 0; for (let j = 0; j < N; j++) s += a[i * N + j]; return s; });
    checkOp(`sum ${M}x${N}`, [[M, N]], ([a]) => a.sum(), all);
    checkOp(`sum(0) ${M}x${N}`, [[M, N]], ([a]) => a.sum(0), cols);
    checkOp(`sum(1, keepdim) ${M}x${N}`, [[M, N]], ([a]) => a.sum(1, true), rows);
    checkOp(`mean(0) ${M}x${N}`, [[M, N]], ([a]) => a.mean(0, true), (v) => cols(v).map((s) => s / M));
    checkOp(`mean ${M}x${N}`, [[M, N]], ([a]) => a.mean(), (v) => all(v).map((s) => s / (M * N)));
    if (M > 1) {
      checkOp(`std(0) ${M}x${N}`, [[M, N]], ([a]) => a.std(0, true), ([a]) => Float64Array.from({ length: N }, (_, j) => {
        let m = 0; for (let i = 0; i < M; i++) m += a[i * N + j]; m /= M;
        let q = 0; for (let i = 0; i < M; i++) q += (a[i * N + j] - m) ** 2;
        return Math.sqrt(q / (M - 1));
      }));
    }
  }
  checkOp('sum(1) of 3-D', [[2, 3, 4]], ([a]) => a.sum(1), ([a]) => Float64Array.from({ length: 8 }, (_, k) => {
    const i = Math.floor(k / 4), j = k % 4; let s = 0; for (let m = 0; m < 3; m++) s += a[i * 12 + m * 4 + j]; return s;
  }));
});

test('softmax: backward matches finite differences', () => {
  for (const [M, N] of [[1, 1], [3, 5], [2, 33], [32, 27]]) {
    // The kernel reference rounds like the kernel; finite differences need pure float64.
    checkOp(`softmax ${M}x${N}`, [[M, N]], ([a]) => a.softmax(1), ([a]) => {
      const o = new Float64Array(M * N);
      for (let i = 0; i < M; i++) {
        const row = a.subarray(i * N, (i + 1) * N), mx = Math.max(...row);
        let s = 0;
        for (let j = 0; j < N; j++) s += (o[i * N + j] = Math.exp(row[j] - mx));
        for (let j = 0; j < N; j++) o[i * N + j] /= s;
      }
      return o;
    });
  }
});

test('crossEntropy: backward matches finite differences', () => {
  for (const [B, V] of [[1, 1], [3, 5], [5, 33], [32, 27]]) {
    const targets = Int32Array.from({ length: B }, (_, i) => (i * 7) % V);
    const Y = tensor(targets, { dtype: 'int32' });
    checkOp(`crossEntropy ${B}x${V}`, [[B, V]], ([a]) => F.crossEntropy(a, Y), ([a]) => {
      const probs = new Float64Array(B * V); return Float64Array.of(crossentropyForward(probs, a, targets, B, V));
    }, { values: (i, n) => uniform(n, 17, -4, 4) });
  }
});

test('batchNorm: both flavours backpropagate to input, gain and bias', () => {
  // B = 2 is degenerate for the notebook flavour (x̂ = ±1/√2 whatever x is), so B starts at 3.
  for (const [B, H] of [[3, 1], [3, 5], [5, 33], [32, 4]]) {
    const values = (i: number, n: number) => (i === 0 ? uniform(n, 21, -2, 2) : uniform(n, 22 + i, 0.5, 1.5));
    checkOp(`batchNorm notebook ${B}x${H}`, [[B, H], [1, H], [1, H]],
      ([x, g, b]) => F.batchNorm(x, g, b, { flavour: 'notebook', training: true }),
      ([x, g, b]) => { const o = new Float64Array(B * H); bnNotebookForward(o, new Float64Array(H), new Float64Array(H), x, g, b, B, H); return o; },
      { values, rel: 2e-3 });
    checkOp(`batchNorm torch ${B}x${H}`, [[B, H], [H], [H]],
      ([x, g, b]) => F.batchNorm(x, g, b, { flavour: 'torch', training: true }),
      ([x, g, b]) => { const o = new Float64Array(B * H); bnTorchForward(o, new Float64Array(H), new Float64Array(H), new Float64Array(H), x, g, b, 1e-5, B, H); return o; },
      { values, rel: 2e-3 });
  }
});

test('index / embedding: gather backward scatter-adds (repeated indices accumulate)', () => {
  for (const [V, E] of [[1, 1], [3, 4], [27, 10], [5, 33]]) {
    const idx = Int32Array.from({ length: 7 }, (_, i) => (i * 3) % V);
    const X = tensor(idx, { dtype: 'int32' });
    checkOp(`index ${V}x${E}`, [[V, E]], ([C]) => C.index(X), ([C]) => {
      const o = new Float64Array(7 * E); for (let n = 0; n < 7; n++) for (let e = 0; e < E; e++) o[n * E + e] = C[idx[n] * E + e]; return o;
    });
  }
});

test('view: the gradient flows back through reshapes', () => {
  checkOp('view', [[4, 3, 5]], ([a]) => a.view(4, -1).tanh().view(2, 30), map(Math.tanh));
});

test.run();
