import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, i32buf, readF32, uniform, POISON, SIZES } from '../helpers/kernels.ts';
import { i32 } from '../../src/wasm/heap.ts';
import { oneHot } from '../../src/ref/one_hot.ts';
import { takeStatus } from '../../src/wasm/status.ts';

const { k } = await loadKernels();

test('one_hot: float and int rows match the reference at tail sizes', () => {
  for (const N of SIZES) for (const C of SIZES) {
    const idx = Int32Array.from(uniform(N, N + C, 0, C), Math.floor);
    const want = new Float64Array(N * C);
    oneHot(want, idx, N, C);
    const fp = f32buf(N * C + 4);
    k.one_hot(fp, i32buf(idx), N, C, 1);
    const got = readF32(fp, N * C + 4);
    assert.equal(Array.from(got.subarray(0, N * C)), Array.from(want), `float N=${N} C=${C}`);
    assert.ok(got.subarray(N * C).every((v) => v === Math.fround(POISON)), `N=${N} C=${C}: wrote past the end`);
    k.one_hot(fp, i32buf(idx), N, C, 0);
    assert.equal(Array.from(i32().subarray(fp >>> 2, (fp >>> 2) + N * C)), Array.from(want), `int N=${N} C=${C}`);
  }
  assert.is(takeStatus(), null);
});

test('one_hot: an index outside [0, C) is reported and its row stays zero', () => {
  const fp = f32buf(6);
  k.one_hot(fp, i32buf([1, -1, 3]), 3, 2, 1);
  assert.equal(takeStatus(), [1, -1, 1]);
  assert.equal(Array.from(readF32(fp, 6)), [0, 1, 0, 0, 0, 0]);
});

test.run();
