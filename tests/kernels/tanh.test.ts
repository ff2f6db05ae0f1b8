import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, readF32, uniform, asF32, assertClose, SIZES, POISON } from '../helpers/kernels.ts';
import { alloc, free, f32 } from '../../src/wasm/heap.ts';
import { tanhForward, tanhBackward } from '../../src/ref/tanh.ts';

const { k } = await loadKernels();
const TOL = 1e-6; // max abs error of tanh_forward vs Math.tanh, over all of float32

test('tanh: max abs error vs Math.tanh is under 1e-6 over a dense sweep of float32', () => {
  // Every 61st float32 bit pattern from +0 to +Infinity and from -0 to -Infinity: about 70M
  // inputs, covering [-10, 10] at steps far finer than the rational's features.
  const CHUNK = 1 << 20, STRIDE = 61, END = 0x7f800000;
  const inp = alloc(CHUNK * 4), out = alloc(CHUNK * 4);
  const bits = new Uint32Array(CHUNK), xs = new Float32Array(bits.buffer);
  let maxErr = 0, worst = 0;
  for (const sign of [0, 0x80000000]) {
    for (let b = 0; b <= END; ) {
      let n = 0;
      for (; n < CHUNK && b <= END; n++, b += STRIDE) bits[n] = (b | sign) >>> 0;
      f32().set(xs.subarray(0, n), inp >>> 2);
      k.tanh_forward(out, inp, n);
      const ys = f32();
      for (let i = 0; i < n; i++) {
        const e = Math.abs(ys[(out >>> 2) + i] - Math.tanh(xs[i]));
        if (!(e <= maxErr)) { maxErr = e; worst = xs[i]; }
      }
    }
  }
  free(inp); free(out);
  assert.ok(maxErr <= TOL, `max abs error ${maxErr} at x=${worst}`);
  console.log(`    tanh max abs error ${maxErr.toExponential(2)} at x=${worst}`);
});

test('tanh: extremes (±1e-30, denormals, ±300, ±Infinity, NaN, -0) are correct and finite', () => {
  const x = [1e-30, -1e-30, 1e-45, -1e-45, 1e-3, 300, -300, 1e30, -3e38, Infinity, -Infinity, NaN, 0, -0];
  const op = f32buf(x.length);
  k.tanh_forward(op, f32buf(x), x.length);
  const got = readF32(op, x.length);
  assertClose(got.subarray(0, 11), x.slice(0, 11).map((v) => Math.tanh(Math.fround(v))), TOL, 'tanh extremes');
  for (let i = 0; i < 11; i++) assert.ok(Number.isFinite(got[i]), `tanh(${x[i]}) is ${got[i]}`);
  assert.equal([got[5], got[6], got[9], got[10]], [1, -1, 1, -1], 'saturates at exactly ±1');
  assert.equal([got[0], got[1]], [Math.fround(1e-30), Math.fround(-1e-30)], 'tiny x gives x itself');
  assert.ok(Number.isNaN(got[11]), `tanh(NaN) is ${got[11]}`);
  assert.ok(Object.is(got[12], 0) && Object.is(got[13], -0), `tanh(±0) is ${got[12]}, ${got[13]}`);
  for (const v of got) assert.ok(Math.abs(v) <= 1 || Number.isNaN(v), `|tanh| > 1: ${v}`);
});

test('tanh: NaN propagates from every lane of the SIMD body and the tail', () => {
  for (const n of SIZES) {
    for (let at = 0; at < n; at++) {
      const x = Array.from({ length: n }, (_, i) => (i === at ? NaN : i - 2));
      const op = f32buf(n);
      k.tanh_forward(op, f32buf(x), n);
      const got = readF32(op, n);
      for (let i = 0; i < n; i++) assert.ok(Number.isNaN(got[i]) === (i === at), `n=${n} NaN at ${at}: ${got}`);
    }
  }
});

test('tanh: forward is within 1e-6 of the reference at every size, writes all of out and no more, may alias', () => {
  for (const n of [...SIZES, 200, 6400]) {
    const x = asF32(uniform(n, n, -4, 4));
    const op = f32buf(n + 4);
    k.tanh_forward(op, f32buf(x), n);
    const want = new Float64Array(n);
    tanhForward(want, x, n);
    const got = readF32(op, n + 4);
    assertClose(got.subarray(0, n), want, TOL, `tanh n=${n}`);
    assert.ok(got.subarray(n).every((v) => v === Math.fround(POISON)), `tanh n=${n}: wrote past the end`);
    const ip = f32buf(x);
    k.tanh_forward(ip, ip, n);
    assert.equal([...readF32(ip, n)], [...got.subarray(0, n)], `tanh n=${n} in place`);
  }
});

test('tanh: the scalar tail gives the same bits as the SIMD body', () => {
  const n = 1001, x = asF32(uniform(n, 5, -9, 9));
  const ip = f32buf(x), body = f32buf(n), tail = f32buf(n);
  k.tanh_forward(body, ip, n);
  for (let i = 0; i < n; i++) k.tanh_forward(tail + 4 * i, ip + 4 * i, 1); // n = 1: tail only
  assert.equal([...readF32(tail, n)], [...readF32(body, n)]);
});

test('tanh: backward accumulates (1 - out^2) * dout, bit for bit with the reference', () => {
  for (const n of [...SIZES, 200, 6400]) {
    const out = asF32(uniform(n, n, -1, 1)), dout = asF32(uniform(n, n + 1, -2, 2)), d0 = asF32(uniform(n, n + 2));
    const dp = f32buf(d0);
    k.tanh_backward(dp, f32buf(out), f32buf(dout), n, 1);
    const want = Float64Array.from(d0);
    tanhBackward(want, out, dout, n);
    assertClose(readF32(dp, n), want, 0, `tanh_backward n=${n}`);
  }
  const dp = f32buf([1, 1, 1, 1, 1]);
  k.tanh_backward(dp, f32buf([0, NaN, 0.5, 1, 0]), f32buf([1, 1, NaN, 1, 1]), 5, 1);
  const got = readF32(dp, 5);
  assert.ok(got[0] === 2 && Number.isNaN(got[1]) && Number.isNaN(got[2]) && got[3] === 1, `NaN: ${got}`);
});

test('tanh: backward on the forward output matches central differences of Math.tanh (atol 2e-6)', () => {
  const n = 33, h = 1e-4;
  const x = asF32(uniform(n, 9, -3, 3)), dout = asF32(uniform(n, 10, -1, 1));
  const op = f32buf(n), dp = f32buf(new Array(n).fill(0));
  k.tanh_forward(op, f32buf(x), n);
  k.tanh_backward(dp, op, f32buf(dout), n, 1);
  const fd = Float64Array.from(x, (v, i) => dout[i] * (Math.tanh(v + h) - Math.tanh(v - h)) / (2 * h));
  assertClose(readF32(dp, n), fd, 2e-6, 'tanh_backward vs finite differences');
});

test.run();
