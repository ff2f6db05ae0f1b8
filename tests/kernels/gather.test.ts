import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, i32buf, readF32, uniform, asF32, assertClose, POISON, SIZES } from '../helpers/kernels.ts';
import { gatherForward, scatterAdd } from '../../src/ref/gather.ts';
import { takeStatus } from '../../src/wasm/status.ts';

const { k } = await loadKernels();
const GUARD = 4;
const idxOf = (n: number, V: number, seed: number) => Int32Array.from(uniform(n, seed, 0, V), Math.floor);

test('gather: forward and backward (scatter-add) match the reference bit for bit at tail sizes', () => {
  for (const O of [1, 3]) for (const J of SIZES) for (const I of [1, 4, 5]) for (const V of [1, 3, 33]) {
    const inp = asF32(uniform(O * V * I, O + J + I + V)), idx = idxOf(O * J * I, V, J * V + I);
    const op = f32buf(O * J * I + GUARD);
    k.gather_forward(op, f32buf(inp), i32buf(idx), O, J, I, V);
    const ref = new Float64Array(O * J * I);
    gatherForward(ref, inp, idx, O, J, I, V);
    const got = readF32(op, O * J * I + GUARD);
    const label = `O=${O} J=${J} I=${I} V=${V}`;
    assertClose(got.subarray(0, O * J * I), ref, 0, `gather ${label}`);
    assert.ok(got.subarray(O * J * I).every((v) => v === Math.fround(POISON)), `gather ${label}: wrote past the end`);
    const init = asF32(uniform(O * V * I, 3 * O + V)), src = asF32(uniform(O * J * I, J + 2 * I));
    const dp = f32buf([...init, ...new Array(GUARD).fill(POISON)]);
    k.gather_backward(dp, f32buf(src), i32buf(idx), O, J, I, V);
    const want = Float64Array.from(init);
    scatterAdd(want, src, idx, O, J, I, V, Math.fround);
    const back = readF32(dp, O * V * I + GUARD);
    assertClose(back.subarray(0, O * V * I), want, 0, `scatter ${label}`);
    assert.ok(back.subarray(O * V * I).every((v) => v === Math.fround(POISON)), `scatter ${label}: wrote past the end`);
  }
  assert.is(takeStatus(), null, 'no status for valid indices');
});

test('gather: an out-of-range index is reported and never read or written', () => {
  const inp = f32buf([1, 2, 3, 4, 5, 6]); // (1, 3, 2)
  const op = f32buf(4);
  k.gather_forward(op, inp, i32buf([0, 3, -1, 2]), 1, 2, 2, 3);
  assert.equal(takeStatus(), [1, 3, 1]);
  assert.equal(Array.from(readF32(op, 4)), [1, 0, 0, 6]);
  const dp = f32buf(new Float64Array(6));
  k.gather_backward(dp, f32buf([1, 1, 1, 1]), i32buf([0, 3, -1, 2]), 1, 2, 2, 3);
  assert.equal(takeStatus(), [1, 3, 1]);
  assert.equal(Array.from(readF32(dp, 6)), [1, 0, 0, 0, 0, 1]);
});

test('gather: NaN propagates', () => {
  const op = f32buf(2);
  k.gather_forward(op, f32buf([NaN, 1]), i32buf([0, 1]), 1, 2, 1, 2);
  const got = readF32(op, 2);
  assert.ok(Number.isNaN(got[0]) && got[1] === 1);
});

test.run();
