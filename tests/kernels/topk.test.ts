import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, uniform } from '../helpers/kernels.ts';
import { alloc, i32 } from '../../src/wasm/heap.ts';
import { topkIndices } from '../../src/ref/topk.ts';

const { k } = await loadKernels();

function run(x: ArrayLike<number>, R: number, C: number, K: number, largest: boolean): number[] {
  const out = alloc(Math.max(4, (R * K + 1) * 4));
  i32()[(out >>> 2) + R * K] = -12345; // past the end: must stay
  k.topk_indices(out, f32buf(x), R, C, K, largest ? 1 : 0);
  assert.is(i32()[(out >>> 2) + R * K], -12345, `R=${R} C=${C} K=${K}: wrote past the end`);
  return Array.from(i32().subarray(out >>> 2, (out >>> 2) + R * K));
}

function want(x: ArrayLike<number>, R: number, C: number, K: number, largest: boolean): number[] {
  const out = new Int32Array(R * K);
  topkIndices(out, Float32Array.from(x), R, C, K, largest);
  return Array.from(out);
}

test('topk_indices: every K of rows at tail sizes matches the sorting reference, largest and smallest', () => {
  for (const C of [1, 3, 4, 5, 33, 200]) for (const R of [1, 3]) {
    const x = uniform(R * C, C * 7 + R, -3, 3);
    for (let K = 0; K <= C; K += C > 40 ? 37 : 1) {
      for (const largest of [true, false]) assert.equal(run(x, R, C, K, largest), want(x, R, C, K, largest), `R=${R} C=${C} K=${K} largest=${largest}`);
    }
  }
});

test('topk_indices: ties come lowest index first; NaN is the largest (first when largest, last when smallest)', () => {
  const x = [1, 5, NaN, 5, -Infinity, 1, NaN, 5, 0];
  assert.equal(run(x, 1, 9, 9, true), [2, 6, 1, 3, 7, 0, 5, 8, 4]);
  assert.equal(run(x, 1, 9, 9, false), [4, 8, 0, 5, 1, 3, 7, 2, 6]);
  assert.equal(run(x, 1, 9, 4, true), want(x, 1, 9, 4, true));
  assert.equal(run(x, 1, 9, 4, false), want(x, 1, 9, 4, false));
  const same = new Array(33).fill(2.5);
  assert.equal(run(same, 1, 33, 5, true), [0, 1, 2, 3, 4]);
});

test.run();
