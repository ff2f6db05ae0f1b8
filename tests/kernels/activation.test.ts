// relu, sigmoid and gelu kernels against src/ref/activation.ts at sizes that hit the SIMD tails,
// dense sweeps for the float64-lane exp/erf/tanh, and edge values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, callKernel, assertSame, uniform, asF32, SIZES } from '../helpers/kernels.ts';
import * as ref from '../../src/ref/activation.ts';

const { k } = await loadKernels();
const ALL = [...SIZES, 200];
const ULP = 2 ** -23;
const EDGES = [NaN, Infinity, -Infinity, 0, -0, 100, -100, 10, -10, 1e-30, -1e-30, 88, 89, -104, 3.5, -3.5, 1e-45];

function expect(fn: (out: Float64Array, ...a: never[]) => void, n: number, ...args: unknown[]): Float64Array {
  const out = new Float64Array(n);
  (fn as (...a: unknown[]) => void)(out, ...args);
  return out;
}

/** |got - want| <= ulps * ulp(want) + atol[i]; NaN where NaN. Returns the largest share of that limit used. */
function within(got: ArrayLike<number>, want: ArrayLike<number>, ulps: number, label: string, atol: (i: number) => number = () => 0): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    if (Number.isNaN(b) || !Number.isFinite(b)) { if (!Object.is(a, b)) assert.unreachable(`${label}: element ${i} is ${a}, expected ${b}`); continue; }
    const d = Math.abs(a - b), lim = ulps * ULP * Math.abs(b) + atol(i) + 1e-45;
    if (!(d <= lim)) assert.unreachable(`${label}: element ${i} is ${a}, expected ${b} (diff ${d}, limit ${lim})`);
    worst = Math.max(worst, d / lim);
  }
  return worst;
}

test('relu: forward and backward match the reference bit for bit at every size, NaN and -0 pass through', () => {
  for (const n of ALL) {
    const x = asF32(uniform(n, n, -2, 2)), g = asF32(uniform(n, n + 1, -1, 1)), d0 = asF32(uniform(n, n + 2));
    const out = callKernel(k, 'relu_forward', n, [x], n);
    assertSame(out, expect(ref.reluForward, n, x, n), `relu n=${n}`);
    for (const acc of [0, 1]) {
      const want = Float64Array.from(d0);
      ref.reluBackward(want, out, g, n, acc);
      // acc 0 must write every element: it starts from poison.
      assertSame(callKernel(k, 'relu_backward', acc ? d0 : n, [out, g], n, acc), want, `relu_backward acc ${acc} n=${n}`);
    }
  }
  const e = callKernel(k, 'relu_forward', EDGES.length, [EDGES], EDGES.length);
  assertSame(e, expect(ref.reluForward, EDGES.length, EDGES.map(Math.fround), EDGES.length), 'relu edges');
  assert.ok(Object.is(e[4], -0) && Number.isNaN(e[0]), 'relu(-0) = -0, relu(NaN) = NaN');
});

test('sigmoid: forward within 1 ulp of the reference (dense sweep of [-100, 100]), backward bit for bit', () => {
  let worst = 0;
  for (const n of [...ALL, 100001]) {
    const x = n === 100001 ? Float64Array.from({ length: n }, (_, i) => Math.fround(-100 + i * 0.002)) : asF32(uniform(n, n, -20, 20));
    const out = callKernel(k, 'sigmoid_forward', n, [x], n);
    worst = Math.max(worst, within(out, expect(ref.sigmoidForward, n, x, n), 1, `sigmoid n=${n}`));
    const g = asF32(uniform(n, n + 1)), d0 = asF32(uniform(n, n + 2));
    for (const acc of [0, 1]) {
      const want = Float64Array.from(d0);
      ref.sigmoidBackward(want, out, g, n, acc);
      assertSame(callKernel(k, 'sigmoid_backward', acc ? d0 : n, [out, g], n, acc), want, `sigmoid_backward acc ${acc} n=${n}`);
    }
  }
  const e = callKernel(k, 'sigmoid_forward', EDGES.length, [EDGES], EDGES.length);
  within(e, expect(ref.sigmoidForward, EDGES.length, EDGES.map(Math.fround), EDGES.length), 1, 'sigmoid edges');
  assert.equal([e[5], e[6]], [1, 0], 'sigmoid(±100) saturates at 1 and 0');
  console.log(`    sigmoid: worst difference ${(worst * 100).toFixed(0)}% of 1 ulp`);
});

for (const [approx, name] of [[0, 'erf'], [1, 'tanh']] as const) {
  test(`gelu (${name}): forward and backward within 2 ulps of the reference plus the cancellation in 1 + ${name}`, () => {
    let worst = 0;
    for (const n of [...ALL, 100001]) {
      const x = n === 100001 ? Float64Array.from({ length: n }, (_, i) => Math.fround(-12 + i * 24e-5)) : asF32(uniform(n, n, -6, 6));
      const out = callKernel(k, 'gelu_forward', n, [x], n, approx);
      // out = (x/2)(1 + t): an ulp of (1 + t) is worth |x| 2^-24 of out.
      worst = Math.max(worst, within(out, expect(ref.geluForward, n, x, n, approx), 2, `gelu ${name} n=${n}`, (i) => Math.abs(x[i]) * ULP));
      const g = asF32(uniform(n, n + 1)), d0 = asF32(uniform(n, n + 2));
      for (const acc of [0, 1]) {
        const want = Float64Array.from(d0);
        ref.geluBackward(want, x, g, n, approx, acc);
        within(callKernel(k, 'gelu_backward', acc ? d0 : n, [x, g], n, approx, acc), want, 2, `gelu_backward ${name} acc ${acc} n=${n}`,
          (i) => Math.abs(g[i]) * (1 + Math.abs(x[i])) * 2 * ULP + (acc ? 2 * ULP * Math.abs(d0[i]) : 0));
      }
    }
    const e = callKernel(k, 'gelu_forward', EDGES.length, [EDGES], EDGES.length, approx);
    within(e, expect(ref.geluForward, EDGES.length, EDGES.map(Math.fround), EDGES.length, approx), 2, `gelu ${name} edges`, () => 1e-7);
    assert.ok(e[7] === 10 && e[8] === 0, 'gelu(10) = 10, gelu(-10) = 0 (1 + erf cancels, as in PyTorch)');
    assert.ok(Number.isNaN(e[2]) && e[1] === Infinity, 'gelu(-inf) is NaN (-inf * 0) and gelu(inf) = inf, as PyTorch');
    console.log(`    gelu ${name}: worst difference ${(worst * 100).toFixed(0)}% of the limit`);
  });
}

test('activations: NaN propagates from every lane of the SIMD body and the tail', () => {
  for (const n of SIZES) {
    for (let at = 0; at < n; at++) {
      const x = Array.from({ length: n }, (_, i) => (i === at ? NaN : i - 2));
      for (const [name, extra] of [['relu_forward', []], ['sigmoid_forward', []], ['gelu_forward', [0]], ['gelu_forward', [1]]] as const) {
        const got = callKernel(k, name, n, [x], n, ...extra);
        for (let i = 0; i < n; i++) assert.ok(Number.isNaN(got[i]) === (i === at), `${name} ${extra} n=${n} NaN at ${at}: ${got}`);
      }
    }
  }
});

test('activations: backward kernels match central differences of the float64 forward', () => {
  const n = 33, h = 1e-4;
  const x = asF32(uniform(n, 77, -3, 3)), g = asF32(uniform(n, 78)), zero = new Float64Array(n);
  const erfGelu = (v: number) => 0.5 * v * (1 + ref.erf(v / Math.SQRT2));
  const tanhGelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const fd = (fn: (v: number) => number) => Float64Array.from(x, (v, i) => g[i] * (fn(v + h) - fn(v - h)) / (2 * h));
  const close = (got: ArrayLike<number>, want: ArrayLike<number>, label: string) => {
    for (let i = 0; i < n; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-4 * (1 + Math.abs(want[i])), `${label} ${i}: ${got[i]} vs ${want[i]}`);
  };
  close(callKernel(k, 'gelu_backward', zero, [x, g], n, 0, 1), fd(erfGelu), 'gelu erf');
  close(callKernel(k, 'gelu_backward', zero, [x, g], n, 1, 1), fd(tanhGelu), 'gelu tanh');
  close(callKernel(k, 'sigmoid_backward', zero, [callKernel(k, 'sigmoid_forward', n, [x], n), g], n, 1), fd(sig), 'sigmoid');
  close(callKernel(k, 'relu_backward', zero, [callKernel(k, 'relu_forward', n, [x], n), g], n, 1), fd((v) => Math.max(v, 0)), 'relu');
});

test.run();
