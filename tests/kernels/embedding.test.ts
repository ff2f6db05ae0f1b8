import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, i32buf, readF32, uniform, asF32, assertClose, POISON } from '../helpers/kernels.ts';
import { embeddingForward, embeddingBackward, indexCombine } from '../../src/ref/embedding.ts';
import { i32 } from '../../src/wasm/heap.ts';
import { takeStatus } from '../../src/wasm/status.ts';

const { k } = await loadKernels();
const V = 27;
const NS = [1, 3, 32, 33];
const ES = [1, 3, 4, 5, 10];
const GUARD = 4; // poisoned floats past each output, which no kernel may touch

const indices = (N: number, seed: number) => Int32Array.from(uniform(N, seed, 0, V), Math.floor);

test('embedding: forward matches the reference bit for bit and writes nothing past the end', () => {
  for (const N of NS) for (const E of ES) {
    const table = asF32(uniform(V * E, N + E)), idx = indices(N, 3 * N + E);
    const op = f32buf(N * E + GUARD);
    k.embedding_forward(op, f32buf(table), i32buf(idx), N, E, V, 0);
    const ref = new Float64Array(N * E);
    embeddingForward(ref, table, idx, N, E);
    const got = readF32(op, N * E + GUARD);
    assertClose(got.subarray(0, N * E), ref, 0, `out N=${N} E=${E}`);
    assert.ok(got.subarray(N * E).every((v) => v === Math.fround(POISON)), `N=${N} E=${E}: wrote past the end`);
  }
});

test('embedding: backward matches the reference bit for bit (scatter-add, accumulating)', () => {
  for (const N of NS) for (const E of ES) {
    const dout = asF32(uniform(N * E, 5 * N + E)), idx = indices(N, N + 7 * E);
    const init = asF32(uniform(V * E, N * E));
    const dp = f32buf([...init, ...new Array(GUARD).fill(POISON)]);
    k.embedding_backward(dp, f32buf(dout), i32buf(idx), N, E, V, 0);
    const ref = Float64Array.from(init);
    embeddingBackward(ref, dout, idx, N, E, Math.fround);
    const got = readF32(dp, V * E + GUARD);
    assertClose(got.subarray(0, V * E), ref, 0, `dtable N=${N} E=${E}`);
    assert.ok(got.subarray(V * E).every((v) => v === Math.fround(POISON)), `N=${N} E=${E}: wrote past the end`);
  }
});

test('embedding: repeated indices accumulate', () => {
  const E = 10, N = 96;
  const idx = new Int32Array(N).fill(5);
  idx[7] = 0;
  const dp = f32buf(new Float64Array(V * E).fill(0.5));
  k.embedding_backward(dp, f32buf(new Float64Array(N * E).fill(1)), i32buf(idx), N, E, V, 0);
  const got = readF32(dp, V * E);
  for (let e = 0; e < E; e++) {
    assert.is(got[5 * E + e], 95.5, `row 5 element ${e}`);
    assert.is(got[e], 1.5, `row 0 element ${e}`);
    assert.is(got[E + e], 0.5, `row 1 element ${e}`);
  }
});

test('embedding: NaN propagates (forward and backward)', () => {
  const E = 5, table = new Float64Array(V * E).fill(1);
  table[2 * E + 4] = NaN;
  const op = f32buf(2 * E);
  k.embedding_forward(op, f32buf(table), i32buf([2, 3]), 2, E, V, 0);
  const out = readF32(op, 2 * E);
  assert.ok(Number.isNaN(out[4]) && out.filter(Number.isNaN).length === 1, `out ${out}`);
  const dout = new Float64Array(2 * E).fill(1);
  dout[E + 1] = NaN;
  const dp = f32buf(new Float64Array(V * E));
  k.embedding_backward(dp, f32buf(dout), i32buf([2, 3]), 2, E, V, 0);
  const d = readF32(dp, V * E);
  assert.ok(Number.isNaN(d[3 * E + 1]) && d.filter(Number.isNaN).length === 1, `dtable ${d}`);
});

test('embedding: reference backward matches finite differences of the reference forward', () => {
  const N = 7, E = 3;
  const table = uniform(V * E, 1), idx = Int32Array.from([4, 0, 4, 26, 9, 4, 0]), dout = uniform(N * E, 2);
  const loss = (t: Float64Array) => {
    const out = new Float64Array(N * E);
    embeddingForward(out, t, idx, N, E);
    return out.reduce((s, o, i) => s + o * dout[i], 0);
  };
  const grad = new Float64Array(V * E);
  embeddingBackward(grad, dout, idx, N, E);
  const h = 1e-6, fd = new Float64Array(V * E), x = Float64Array.from(table);
  for (let i = 0; i < V * E; i++) {
    x[i] = table[i] + h; const up = loss(x);
    x[i] = table[i] - h; const down = loss(x);
    x[i] = table[i];
    fd[i] = (up - down) / (2 * h);
  }
  assertClose(grad, fd, 1e-8, 'fd');
});

test('index_combine: Horner flat index over several dims, negatives wrapped, bad indices reported', () => {
  for (const N of [1, 3, 4, 5, 33]) {
    const sizes = [3, 5, 4];
    const parts = sizes.map((S, j) => Int32Array.from(uniform(N, N + j, -S, S), Math.floor));
    const op = i32buf(new Int32Array(N));
    const want = new Int32Array(N);
    parts.forEach((idx, j) => {
      k.index_combine(op, i32buf(idx), N, sizes[j], j === 0 ? 0 : 1);
      assert.is(indexCombine(want, idx, N, sizes[j], j > 0), null);
    });
    assert.equal(Array.from(i32().subarray(op >>> 2, (op >>> 2) + N)), Array.from(want), `N=${N}`);
    assert.is(takeStatus(), null);
  }
  const op = i32buf(new Int32Array(3));
  k.index_combine(op, i32buf([1, 4, -5]), 3, 4, 0);
  assert.equal(takeStatus(), [1, 4, 1]);
  assert.equal(Array.from(i32().subarray(op >>> 2, (op >>> 2) + 3)), [1, 0, 0]);
});

test.run();
