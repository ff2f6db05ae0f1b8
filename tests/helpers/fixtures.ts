// Reading the PyTorch fixtures of tools/fixtures/ops_*.py: non-finite values arrive as the
// strings "nan", "inf", "-inf"; `close` compares like llm.c's check_tensor and reports maxdiff.
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { Tensor, tensor } from '../../src/index.ts';

export type Num = number | 'nan' | 'inf' | '-inf';
export type Nested = Num | Nested[];

export const num = (v: Num): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
export const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [num(x)]);

export function loadFixture(name: string): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
}

/** A float32 tensor from fixture data (flat) and shape. */
export function fromFixture(data: Nested, shape: number[], requiresGrad = false): Tensor {
  return tensor(Float32Array.from(flat(data)), { shape, requiresGrad });
}

/**
 * Asserts |got - want| <= tol * max(1, |want|) elementwise, NaN only where NaN and infinities
 * equal. Returns the largest relative difference seen.
 */
export function close(got: Tensor | ArrayLike<number>, want: Nested, tol: number, what: string): number {
  const g = Array.from(got instanceof Tensor ? got.toArray() : got), w = flat(want);
  assert.is(g.length, w.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < w.length; i++) {
    const a = g[i], b = w[i];
    if (Number.isNaN(b) || Number.isNaN(a) || !Number.isFinite(b) || !Number.isFinite(a)) {
      if (!Object.is(a, b) && !(a === b)) assert.unreachable(`${what}: element ${i} is ${a}, PyTorch ${b}`);
      continue;
    }
    const d = Math.abs(a - b) / Math.max(1, Math.abs(b));
    if (!(d <= tol)) assert.unreachable(`${what}: element ${i} is ${a}, PyTorch ${b} (diff ${d.toExponential(2)}, tol ${tol})`);
    worst = Math.max(worst, d);
  }
  return worst;
}
