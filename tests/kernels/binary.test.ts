// pow with tensor exponents and maximum/minimum kernels against src/ref/binary.ts at sizes that
// hit the SIMD tails, with ties, NaN and pow's special cases.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, callKernel, assertSame, assertClose, uniform, asF32, SIZES } from '../helpers/kernels.ts';
import * as ref from '../../src/ref/binary.ts';

const { k } = await loadKernels();
const ALL = [...SIZES, 200];
const ULP = 2 ** -23;
const grid = (n: number, seed: number) => Float64Array.from(uniform(n, seed, -4, 5), (v) => Math.floor(v) / 2);

test('pow_tensor: forward and both backwards within 1 ulp of the reference at every size', () => {
  for (const n of ALL) {
    const a = asF32(uniform(n, n, 0.05, 3)), b = asF32(uniform(n, n + 1, -3, 3)), g = asF32(uniform(n, n + 2));
    const out = callKernel(k, 'pow_tensor_forward', n, [a, b], n);
    const want = new Float64Array(n);
    ref.powTensorForward(want, a, b, n);
    assertClose(out, want, 0, `pow n=${n}`, ULP);
    const da = new Float64Array(n), db = new Float64Array(n);
    ref.powTensorBackwardBase(da, a, b, g, n);
    ref.powTensorBackwardExponent(db, a, b, out, g, n);
    assertClose(callKernel(k, 'pow_tensor_backward_base', n === 1 ? [0] : new Float64Array(n), [a, b, g], n), da, 0, `pow base n=${n}`, 2 * ULP);
    assertClose(callKernel(k, 'pow_tensor_backward_exponent', new Float64Array(n), [a, b, out, g], n), db, 0, `pow exponent n=${n}`, 2 * ULP);
  }
});

test("pow_tensor: C's special cases (1^NaN = 1, (-1)^inf = 1, x^0 = 1) and the gradient rules at 0", () => {
  const a = [1, -1, NaN, 0, 0, 0, -2, -2, 2, 0.5];
  const b = [NaN, Infinity, 0, 0, -1, 2, 3, 0.5, 0, Infinity];
  const n = a.length;
  assertSame(callKernel(k, 'pow_tensor_forward', n, [a, b], n), [1, 1, 1, 1, Infinity, 0, -8, NaN, 1, 0], 'pow specials');
  const out = callKernel(k, 'pow_tensor_forward', n, [a, b], n), ones = new Array(n).fill(1);
  const db = callKernel(k, 'pow_tensor_backward_exponent', new Array(n).fill(0), [a, b, out, ones], n);
  assert.equal([db[3], db[5]], [0, 0], 'no exponent gradient at a == 0 with b >= 0');
  assert.is(db[4], -Infinity, '0^-1: out * ln 0 = inf * -inf');
  assert.ok(Number.isNaN(db[6]), 'a negative base has no exponent gradient (ln < 0 is NaN)');
  const da = callKernel(k, 'pow_tensor_backward_base', new Array(n).fill(0), [a, b, ones], n);
  assert.equal([da[2], da[3], da[8]], [0, 0, 0], 'b == 0 gives no base gradient, even at NaN');
});

test('maxmin: forward and backward match the reference bit for bit, ties split, NaN propagates', () => {
  for (const n of ALL) {
    for (const isMin of [0, 1]) {
      const a = grid(n, n), b = grid(n, n + 1), g = asF32(uniform(n, n + 2)), d0 = asF32(uniform(n, n + 3));
      a[0] = NaN; if (n > 4) b[4] = NaN;
      const out = callKernel(k, 'maxmin_forward', n, [a, b], n, isMin);
      const want = new Float64Array(n);
      ref.maxminForward(want, a, b, n, isMin);
      assertSame(out, want, `maxmin ${isMin} n=${n}`);
      for (const [s, o] of [[a, b], [b, a]]) {
        const w = Float64Array.from(d0);
        ref.maxminBackward(w, s, o, g, n, isMin);
        assertSame(callKernel(k, 'maxmin_backward', d0, [s, o, g], n, isMin), w, `maxmin_backward ${isMin} n=${n}`);
      }
    }
  }
  const d = callKernel(k, 'maxmin_backward', [0, 0, 0], [[1, 2, 3], [1, 3, 2], [4, 4, 4]], 3, 0);
  assert.equal(Array.from(d), [2, 0, 4], 'tie: half; losing: nothing; winning: all');
});

test.run();
