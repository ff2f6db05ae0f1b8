// Shared helpers for kernel tests: buffers in wasm memory, poisoning, seeded inputs and a
// comparison that reports the largest difference (llm.c's check_tensor).
import * as assert from 'uvu/assert';
import { init, kernels, type InitInfo } from '../../src/wasm/load.ts';
import { alloc, f32, i32 } from '../../src/wasm/heap.ts';
import type { Kernels } from '../../src/wasm/abi.ts';

export const SIZES = [1, 3, 4, 5, 33];
/** A value no kernel computes: an output element still equal to it was never written. */
export const POISON = -7.77e33;

export async function loadKernels(): Promise<{ k: Kernels; info: InitInfo }> {
  const info = await init();
  return { k: kernels(), info };
}

/** Copies data (or n poisoned floats) into fresh wasm memory; returns the pointer. */
export function f32buf(data: ArrayLike<number> | number): number {
  const n = typeof data === 'number' ? data : data.length;
  const ptr = alloc(Math.max(4, n * 4));
  if (typeof data === 'number') f32().fill(POISON, ptr >>> 2, (ptr >>> 2) + n);
  else f32().set(data, ptr >>> 2);
  return ptr;
}

export function i32buf(data: ArrayLike<number>): number {
  const ptr = alloc(Math.max(4, data.length * 4));
  i32().set(data, ptr >>> 2);
  return ptr;
}

export function poison(ptr: number, n: number): void {
  f32().fill(POISON, ptr >>> 2, (ptr >>> 2) + n);
}

export function readF32(ptr: number, n: number): Float32Array {
  return f32().slice(ptr >>> 2, (ptr >>> 2) + n);
}

/** Deterministic uniform numbers in [lo, hi) from a 32-bit seed (mulberry32). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** Rounds every element to float32 (what the kernels see), keeping a float64 array. */
export function asF32(a: ArrayLike<number>): Float64Array {
  return Float64Array.from(a, (x) => Math.fround(x));
}

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| elementwise, NaN matching NaN.
 * On failure names the worst index and the max difference.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, label: string, rtol = 0): number {
  assert.is(actual.length, expected.length, `${label}: length`);
  let maxdiff = 0, worst = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if ((Number.isNaN(e) && Number.isNaN(a)) || a === e) continue;
    const d = Math.abs(a - e);
    if (!(d <= atol + rtol * Math.abs(e))) {
      assert.unreachable(`${label}: element ${i} is ${a}, expected ${e} (diff ${d}, atol ${atol}, rtol ${rtol})`);
    }
    if (d > maxdiff) { maxdiff = d; worst = i; }
  }
  void worst;
  return maxdiff;
}

/** Bit-for-bit agreement: same value, same sign of zero, NaN where NaN. */
export function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assert.is(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.unreachable(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

/**
 * Runs kernel `name`(first, ...inputs as buffers, ...nums): `first` is the output, poisoned
 * (a count) or holding the given values (an accumulating backward). Checks that nothing past
 * its end was written (4 guard floats) and returns its values.
 */
export function callKernel(k: Kernels, name: string, first: number | ArrayLike<number>, inputs: ArrayLike<number>[], ...nums: number[]): Float32Array {
  const n = typeof first === 'number' ? first : first.length;
  const out = f32buf([...(typeof first === 'number' ? new Array(n).fill(POISON) : Array.from(first)), POISON, POISON, POISON, POISON]);
  (k as unknown as Record<string, (...a: number[]) => void>)[name](out, ...inputs.map((a) => f32buf(a)), ...nums);
  const got = readF32(out, n + 4);
  assert.ok(got.subarray(n).every((v) => v === Math.fround(POISON)), `${name}: wrote past the end (n=${n})`);
  return got.subarray(0, n);
}
