import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, readF32, uniform, asF32, assertClose, POISON, SIZES } from '../helpers/kernels.ts';
import { triMask } from '../../src/ref/tri.ts';

const { k } = await loadKernels();
const GUARD = 4;

test('tri_mask: tril and triu, forward and accumulating backward, match the reference at tail sizes', () => {
  for (const B of [1, 2]) for (const M of SIZES) for (const N of SIZES) for (const diag of [-40, -2, -1, 0, 1, 3, 40]) for (const upper of [0, 1]) {
    const n = B * M * N, inp = asF32(uniform(n, M * N + diag + 50 * upper));
    const op = f32buf(n + GUARD);
    k.tri_mask(op, f32buf(inp), B, M, N, diag, upper, 0);
    const want = new Float64Array(n);
    triMask(want, inp, B, M, N, diag, upper === 1, false);
    const got = readF32(op, n + GUARD);
    const label = `B=${B} M=${M} N=${N} k=${diag} upper=${upper}`;
    assertClose(got.subarray(0, n), want, 0, label);
    assert.ok(got.subarray(n).every((v) => v === Math.fround(POISON)), `${label}: wrote past the end`);
    const init = asF32(uniform(n, 7 + M));
    const dp = f32buf(init);
    k.tri_mask(dp, f32buf(inp), B, M, N, diag, upper, 1);
    const acc = Float64Array.from(init);
    triMask(acc, inp, B, M, N, diag, upper === 1, true);
    assertClose(readF32(dp, n), acc.map(Math.fround), 0, `${label} acc`);
  }
});

test('tri_mask: NaN propagates where kept and is dropped where masked', () => {
  const op = f32buf(4);
  k.tri_mask(op, f32buf([NaN, NaN, NaN, NaN]), 1, 2, 2, 0, 0, 0);
  const got = Array.from(readF32(op, 4));
  assert.ok(Number.isNaN(got[0]) && got[1] === 0 && Number.isNaN(got[2]) && Number.isNaN(got[3]));
});

test.run();
