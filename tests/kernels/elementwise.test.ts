import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadKernels, f32buf, readF32, uniform, asF32, SIZES, POISON } from '../helpers/kernels.ts';
import { free } from '../../src/wasm/heap.ts';
import * as ref from '../../src/ref/elementwise.ts';

const { k } = await loadKernels();
// Kernels called by name; the build's typings may not list them yet.
const K = k as unknown as Record<string, (...args: number[]) => void>;
const MS = [1, 3, 5, 32];
const NS = [1, 3, 4, 5, 33, 200];
const BINARY = ['add', 'sub', 'rsub', 'mul', 'div', 'rdiv'] as const;
const SCALAR = ['add_scalar', 'mul_scalar', 'rsub_scalar', 'div_scalar', 'rdiv_scalar'] as const;
const camel = (s: string) => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
const refs = ref as unknown as Record<string, (...args: unknown[]) => void>;

/** Bit-for-bit agreement: same value, same sign of zero, NaN where NaN (infinities included). */
function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assert.is(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.unreachable(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}
const GUARD = [POISON, POISON, POISON, POISON];
const GUARD_F32 = GUARD.map(Math.fround);

test('elementwise: every op, bmode and acc matches the reference bit for bit, with and without aliasing', () => {
  let cases = 0;
  for (const op of BINARY) {
    for (const M of MS) {
      for (const N of NS) {
        for (const bmode of [0, 1, 2, 3]) {
          for (const acc of [0, 1]) {
            for (const alias of [false, true]) {
              const seed = cases * 7 + 1;
              const n = M * N, nb = [n, N, M, 1][bmode];
              const a = asF32(uniform(n, seed)), b = asF32(uniform(nb, seed + 1, 0.5, 2));
              const out0 = acc ? asF32(uniform(n, seed + 2)) : new Float64Array(n).fill(POISON);
              // alias: out is a itself, so out starts as a (acc=1 then gives a + (a op b)).
              const start = alias ? a : out0;
              const ap = f32buf(a), bp = f32buf(b), op_ = alias ? ap : f32buf([...start, ...GUARD]);
              K[op](op_, ap, bp, M, N, bmode, acc);
              const want = Float64Array.from(start);
              refs[op](want, Float64Array.from(a), b, M, N, bmode, acc);
              assertSame(readF32(op_, n), want, `${op} M=${M} N=${N} bmode=${bmode} acc=${acc} alias=${alias}`);
              if (!alias) assert.equal([...readF32(op_ + 4 * n, 4)], GUARD_F32, `${op}: wrote past the end`);
              for (const p of new Set([ap, bp, op_])) free(p);
              cases++;
            }
          }
        }
      }
    }
  }
  assert.ok(cases === 6 * 4 * 6 * 4 * 2 * 2);
});

test('elementwise: scalar-number ops match the reference bit for bit at every size', () => {
  for (const op of SCALAR) {
    for (const n of [...SIZES, 200, 6400]) {
      for (const acc of [0, 1]) {
        for (const alias of [false, true]) {
          const s = op === 'mul_scalar' ? 0.1 : 1.7; // neither is a float32: the kernel sees f32(s)
          const a = asF32(uniform(n, n + acc, 0.5, 2));
          const start = alias ? a : acc ? asF32(uniform(n, n + 9)) : new Float64Array(n).fill(POISON);
          const ap = f32buf(a), op_ = alias ? ap : f32buf([...start, ...GUARD]);
          K[op](op_, ap, s, n, acc);
          const want = Float64Array.from(start);
          refs[camel(op)](want, Float64Array.from(a), s, n, acc);
          assertSame(readF32(op_, n), want, `${op} n=${n} acc=${acc} alias=${alias}`);
          if (!alias) assert.equal([...readF32(op_ + 4 * n, 4)], GUARD_F32, `${op}: wrote past the end`);
          free(ap); if (!alias) free(op_);
        }
      }
    }
  }
});

test('elementwise: div_scalar is a true division, not a multiply by the reciprocal', () => {
  // 3 / 3 is exactly 1, but 3 * f32(1/3) rounds to 1.0000001 in float32.
  const op_ = f32buf(1);
  k.div_scalar(op_, f32buf([3]), 3, 1, 0);
  assert.is(readF32(op_, 1)[0], 1);
});

test('elementwise: NaN and Infinity propagate through every op and bmode', () => {
  const M = 3, N = 5, n = M * N;
  const a = Array.from({ length: n }, (_, i) => (i === 2 ? NaN : i === 7 ? Infinity : i + 1));
  for (const op of BINARY) {
    for (const bmode of [0, 1, 2, 3]) {
      const nb = [n, N, M, 1][bmode];
      const b = Array.from({ length: nb }, (_, i) => (i === nb - 1 && nb > 1 ? NaN : 2));
      const op_ = f32buf(n);
      K[op](op_, f32buf(a), f32buf(b), M, N, bmode, 0);
      const want = new Float64Array(n);
      refs[op](want, a, b, M, N, bmode, 0);
      assertSame(readF32(op_, n), want, `${op} bmode=${bmode}`);
      const got = readF32(op_, n);
      assert.ok(Number.isNaN(got[2]), `${op} bmode=${bmode}: NaN in a was lost`);
    }
  }
});

test('elementwise: copy and fill write exactly N elements; fill(0) is +0', () => {
  for (const n of [...SIZES, 200]) {
    const a = asF32(uniform(n, n));
    const op_ = f32buf(n + 4);
    k.copy(op_, f32buf(a), n);
    assertSame(readF32(op_, n), a, `copy n=${n}`);
    assert.equal([...readF32(op_ + 4 * n, 4)], GUARD_F32, 'copy: wrote past the end');
    for (const v of [0, -0, 2.5, 0.1]) {
      const fp = f32buf(n + 4);
      k.fill(fp, v, n);
      const got = readF32(fp, n + 4);
      for (let i = 0; i < n; i++) assert.ok(Object.is(got[i], Math.fround(v)), `fill(${v}) n=${n}: element ${i} is ${got[i]}`);
      assert.equal([...got.slice(n)], GUARD_F32, 'fill: wrote past the end');
    }
  }
});

test('elementwise: ema_update matches the notebook float32 order bit for bit', () => {
  for (const n of [...SIZES, 200]) {
    const run = asF32(uniform(n, n)), stat = asF32(uniform(n, n + 1, -3, 3));
    const rp = f32buf(run);
    k.ema_update(rp, f32buf(stat), 0.999, 0.001, n);
    const want = Float64Array.from(run);
    ref.emaUpdate(want, stat, 0.999, 0.001, n);
    assertSame(readF32(rp, n), want, `ema_update n=${n}`);
  }
});

test.run();
