import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, readF32, uniform, asF32, assertClose, SIZES, POISON } from '../helpers/kernels.ts';
import * as ref from '../../src/ref/unary.ts';

const { k } = await loadKernels();
const K = k as unknown as Record<string, (...args: number[]) => void>;
const R = ref as unknown as Record<string, (...args: unknown[]) => void>;
const ULP = 2 ** -23; // relative spacing of float32 at 1: "within 1 ulp" is rtol ULP
const ALL = [...SIZES, 200];

/** Bit-for-bit agreement: same value, same sign of zero, NaN where NaN. */
function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assert.is(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.unreachable(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

/** Runs a forward kernel on a poisoned output (plus 4 guard floats) and returns the n results. */
function forward(name: string, a: ArrayLike<number>, ...extra: number[]): Float32Array {
  const n = a.length;
  const out = f32buf(n + 4);
  if (extra.length) K[name](out, f32buf(a), extra[0], n);
  else K[name](out, f32buf(a), n);
  const tail = readF32(out + 4 * n, 4);
  assert.ok(tail.every((v) => v === Math.fround(POISON)), `${name}: wrote past the end`);
  return readF32(out, n);
}

function expect(refName: string, a: ArrayLike<number>, ...extra: number[]): Float64Array {
  const want = new Float64Array(a.length);
  if (extra.length) R[refName](want, a, extra[0], a.length);
  else R[refName](want, a, a.length);
  return want;
}

test('unary: neg and sqrt match the reference bit for bit at every size', () => {
  for (const n of ALL) {
    assertSame(forward('neg_forward', asF32(uniform(n, n))), expect('negForward', asF32(uniform(n, n))), `neg n=${n}`);
    const a = asF32(uniform(n, n + 1, 0, 100));
    assertSame(forward('sqrt_forward', a), expect('sqrtForward', a), `sqrt n=${n}`);
  }
});

test('unary: exp, log and log10 are within 1 float32 ulp (rtol 2^-23) of the float64 reference', () => {
  for (const n of ALL) {
    const x = asF32(uniform(n, n, -20, 20)), pos = asF32(uniform(n, n + 1, 1e-6, 1e3));
    assertClose(forward('exp_forward', x), expect('expForward', x), 0, `exp n=${n}`, ULP);
    assertClose(forward('log_forward', pos), expect('logForward', pos), 0, `log n=${n}`, ULP);
    assertClose(forward('log10_forward', pos), expect('log10Forward', pos), 0, `log10 n=${n}`, ULP);
  }
});

test('unary: exp, log, log10 and sqrt edge values (0, negatives, overflow, ±Infinity, NaN)', () => {
  const x = [0, -0, 1, -1, 89, -104, Infinity, -Infinity, NaN];
  assertSame(forward('exp_forward', x), Float64Array.from([1, 1, Math.fround(Math.E), Math.fround(1 / Math.E), Infinity, 0, Infinity, 0, NaN]), 'exp');
  assertSame(forward('log_forward', x), Float64Array.from([-Infinity, -Infinity, 0, NaN, Math.fround(Math.log(89)), NaN, Infinity, NaN, NaN]), 'log');
  assertSame(forward('log10_forward', [100, 1e-3, 0, -2, NaN]), Float64Array.from([2, -3, -Infinity, NaN, NaN]), 'log10');
  assertSame(forward('sqrt_forward', [4, 0, -0, -1, Infinity, NaN]), Float64Array.from([2, 0, -0, NaN, Infinity, NaN]), 'sqrt');
});

test('unary: pow with p = 2, 0.5, -1, -0.5, 3, -2 matches the float32-op reference bit for bit', () => {
  for (const p of [2, 0.5, -1, -0.5, 3, -2]) {
    for (const n of ALL) {
      const a = asF32(uniform(n, n + 3, p === 0.5 || p === -0.5 ? 0 : -3, 3));
      assertSame(forward('pow_forward', a, p), expect('powForward', a, p), `pow p=${p} n=${n}`);
    }
  }
  assertSame(forward('pow_forward', [-3, -0, NaN, Infinity], 2), Float64Array.from([9, 0, NaN, Infinity]), 'pow 2 edges');
  assertSame(forward('pow_forward', [-0, 0, -1, NaN], 0.5), Float64Array.from([-0, 0, NaN, NaN]), 'pow 0.5 edges');
  assertSame(forward('pow_forward', [0, -0, -4, NaN], -1), Float64Array.from([Infinity, -Infinity, -0.25, NaN]), 'pow -1 edges');
  assertSame(forward('pow_forward', [4, 0, -1], -0.5), Float64Array.from([0.5, Infinity, NaN]), 'pow -0.5 edges');
  // PyTorch's x*x*x and 1/(x*x), not the correctly rounded power: 1.0000001**3 rounds twice
  const x = Math.fround(1 + 2 ** -23 * 3);
  assertSame(forward('pow_forward', [x, -0, NaN], 3), Float64Array.from([Math.fround(Math.fround(x * x) * x), -0, NaN]), 'pow 3 edges');
  assertSame(forward('pow_forward', [-0.5, 0, Infinity], -2), Float64Array.from([4, Infinity, 0]), 'pow -2 edges');
});

test('unary: pow with any other p is within 1 float32 ulp of float64 pow, signs right for integer p', () => {
  for (const p of [4, -3, 1.5, -2.5, 0.3, 1, 0]) {
    for (const n of ALL) {
      const integer = Number.isInteger(p);
      const a = asF32(uniform(n, n + 5, integer ? -3 : 0.01, 3));
      assertClose(forward('pow_forward', a, p), expect('powForward', a, p), 0, `pow p=${p} n=${n}`, ULP);
    }
  }
  assertSame(forward('pow_forward', [-2, -2, 2, NaN, 0], 3), Float64Array.from([-8, -8, 8, NaN, 0]), 'pow 3 keeps the sign');
  const odd = forward('pow_forward', [-2, -0.5], -3);
  assertSame(odd, Float64Array.from([-0.125, -8]), 'pow -3 keeps the sign');
  assert.ok(Number.isNaN(forward('pow_forward', [-2], 1.5)[0]), 'pow 1.5 of a negative base is NaN');
  assertSame(forward('pow_forward', [NaN, 5], 0), Float64Array.from([1, 1]), 'x**0 = 1, even for NaN (IEEE pow)');
});

/** Runs a backward kernel on dinp = d0 (it accumulates) and returns dinp. */
function backward(name: string, d0: ArrayLike<number>, saved: ArrayLike<number>, dout: ArrayLike<number>, p?: number): Float32Array {
  const n = d0.length;
  const dp = f32buf(d0);
  if (p === undefined) K[name](dp, f32buf(saved), f32buf(dout), n);
  else K[name](dp, f32buf(saved), f32buf(dout), p, n);
  return readF32(dp, n);
}

function expectBack(refName: string, d0: ArrayLike<number>, saved: ArrayLike<number>, dout: ArrayLike<number>, p?: number): Float64Array {
  const want = Float64Array.from(d0);
  if (p === undefined) R[refName](want, saved, dout, d0.length);
  else R[refName](want, saved, dout, p, d0.length);
  return want;
}

test('unary: exp, log, log10, sqrt and pow(2) backward accumulate and match the reference bit for bit', () => {
  for (const n of ALL) {
    const d0 = asF32(uniform(n, n)), g = asF32(uniform(n, n + 1, -2, 2)), pos = asF32(uniform(n, n + 2, 0.05, 4));
    assertSame(backward('exp_backward', d0, pos, g), expectBack('expBackward', d0, pos, g), `exp_backward n=${n}`);
    assertSame(backward('log_backward', d0, pos, g), expectBack('logBackward', d0, pos, g), `log_backward n=${n}`);
    assertSame(backward('log10_backward', d0, pos, g), expectBack('log10Backward', d0, pos, g), `log10_backward n=${n}`);
    assertSame(backward('sqrt_backward', d0, pos, g), expectBack('sqrtBackward', d0, pos, g), `sqrt_backward n=${n}`);
    const x = asF32(uniform(n, n + 3, -3, 3));
    for (const p of [2, 3]) assertSame(backward('pow_backward', d0, x, g, p), expectBack('powBackward', d0, x, g, p), `pow_backward p=${p} n=${n}`);
  }
});

test('unary: pow backward for other p is within 1 float32 ulp of the float64 term', () => {
  for (const p of [4, 0.5, -1, -0.5, 1.5, -2.5]) {
    for (const n of ALL) {
      const zero = new Float64Array(n), g = asF32(uniform(n, n + 1, -2, 2));
      const x = asF32(uniform(n, n + 2, Number.isInteger(p) ? -3 : 0.05, 3));
      assertClose(backward('pow_backward', zero, x, g, p), expectBack('powBackward', zero, x, g, p), 0, `pow_backward p=${p} n=${n}`, ULP);
    }
  }
});

test('unary: backward kernels match central differences of the float64 forward (atol 1e-4, rtol 1e-4)', () => {
  // d/dx of sum(dout * f(x)), f in float64, h = 1e-4; the kernels see the float32 saved tensors.
  const n = 33, h = 1e-4;
  const x = asF32(uniform(n, 42, 0.5, 2)), g = asF32(uniform(n, 43, -1, 1)), zero = new Float64Array(n);
  const fd = (fn: (v: number) => number) => Float64Array.from(x, (v, i) => g[i] * (fn(v + h) - fn(v - h)) / (2 * h));
  const outOf = (fn: (v: number) => number) => asF32(Array.from(x, fn));
  assertClose(backward('exp_backward', zero, outOf(Math.exp), g), fd(Math.exp), 1e-4, 'exp', 1e-4);
  assertClose(backward('log_backward', zero, x, g), fd(Math.log), 1e-4, 'log', 1e-4);
  assertClose(backward('log10_backward', zero, x, g), fd(Math.log10), 1e-4, 'log10', 1e-4);
  assertClose(backward('sqrt_backward', zero, outOf(Math.sqrt), g), fd(Math.sqrt), 1e-4, 'sqrt', 1e-4);
  for (const p of [2, 3, 0.5, -1, -0.5, 1.5]) {
    assertClose(backward('pow_backward', zero, x, g, p), fd((v) => v ** p), 1e-4, `pow p=${p}`, 1e-4);
  }
});

test('unary: NaN propagates through every forward and backward', () => {
  const nan = [1, NaN, 2, 3, NaN];
  for (const name of ['neg_forward', 'exp_forward', 'log_forward', 'log10_forward', 'sqrt_forward']) {
    const got = forward(name, nan);
    assert.ok(Number.isNaN(got[1]) && Number.isNaN(got[4]), `${name}: ${got}`);
  }
  for (const p of [2, 0.5, -1, -0.5, 3, 1.5]) {
    const got = forward('pow_forward', nan, p);
    assert.ok(Number.isNaN(got[1]) && Number.isNaN(got[4]), `pow p=${p}: ${got}`);
  }
  const ones = [1, 1, 1, 1, 1];
  for (const name of ['exp_backward', 'log_backward', 'log10_backward', 'sqrt_backward']) {
    const a = backward(name, ones, ones, nan), b = backward(name, ones, nan, ones);
    assert.ok(Number.isNaN(a[1]) && Number.isNaN(a[4]) && Number.isNaN(b[4]) && a[0] !== 1, `${name}: ${a} / ${b}`);
  }
  for (const p of [2, 1.5]) {
    const a = backward('pow_backward', ones, ones, nan, p);
    assert.ok(Number.isNaN(a[1]) && Number.isNaN(a[4]), `pow_backward p=${p}: ${a}`);
  }
});

test('unary: abs and sign match the reference bit for bit at every size (sign(NaN) = 0, |-0| = 0)', () => {
  for (const n of ALL) {
    const a = asF32(uniform(n, n + 9, -3, 3));
    if (n > 4) { a[1] = NaN; a[2] = -0; a[3] = 0; a[4] = -Infinity; }
    assertSame(forward('abs_forward', a), expect('absForward', a), `abs n=${n}`);
    assertSame(forward('sign_forward', a), expect('signForward', a), `sign n=${n}`);
  }
  assertSame(forward('sign_forward', [NaN, -0, 0, -2, 3]), Float64Array.from([0, 0, 0, -1, 1]), 'sign edges');
  assertSame(forward('abs_forward', [-0, -Infinity]), Float64Array.from([0, Infinity]), 'abs edges');
});

test('unary: log1p, sin and cos are within 1 float32 ulp of the float64 reference', () => {
  for (const n of ALL) {
    const x = asF32(uniform(n, n + 4, -0.999, 50)), t = asF32(uniform(n, n + 5, -30, 30));
    assertClose(forward('log1p_forward', x), expect('log1pForward', x), 0, `log1p n=${n}`, ULP);
    assertClose(forward('sin_forward', t), expect('sinForward', t), 1e-45, `sin n=${n}`, ULP);
    assertClose(forward('cos_forward', t), expect('cosForward', t), 1e-45, `cos n=${n}`, ULP);
  }
  assertSame(forward('log1p_forward', [1e-30, -1, -2, Infinity]), Float64Array.from([Math.fround(1e-30), -Infinity, NaN, Infinity]), 'log1p edges');
});

test('unary: abs, log1p, reciprocal and rsqrt backward match the reference bit for bit; sin and cos within 1 ulp', () => {
  for (const n of ALL) {
    const d0 = asF32(uniform(n, n + 6)), g = asF32(uniform(n, n + 7, -2, 2)), x = asF32(uniform(n, n + 8, -0.9, 3));
    assertSame(backward('abs_backward', d0, x, g), expectBack('absBackward', d0, x, g), `abs_backward n=${n}`);
    assertSame(backward('log1p_backward', d0, x, g), expectBack('log1pBackward', d0, x, g), `log1p_backward n=${n}`);
    const pos = asF32(uniform(n, n + 9, 0.05, 4));
    const inv = forward('pow_forward', pos, -1), rs = forward('pow_forward', pos, -0.5);
    assertSame(backward('reciprocal_backward', d0, inv, g), expectBack('reciprocalBackward', d0, inv, g), `reciprocal_backward n=${n}`);
    assertSame(backward('rsqrt_backward', d0, rs, g), expectBack('rsqrtBackward', d0, rs, g), `rsqrt_backward n=${n}`);
    const zero = new Float64Array(n);
    assertClose(backward('sin_backward', zero, x, g), expectBack('sinBackward', zero, x, g), 1e-45, `sin_backward n=${n}`, ULP);
    assertClose(backward('cos_backward', zero, x, g), expectBack('cosBackward', zero, x, g), 1e-45, `cos_backward n=${n}`, ULP);
  }
});

test.run();
