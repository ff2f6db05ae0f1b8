// Comparing random streams with tests/fixtures/rng.json (tools/fixtures/rng.py): float32 values
// as bit patterns (hex), never with a tolerance; long tensors by first/last values and a hash.
import * as assert from 'uvu/assert';

export function hex(a: Float32Array): string[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (x) => x.toString(16).padStart(8, '0'));
}

/** FNV-1a over 32-bit words: float32 bit patterns, or non-negative integers (permutations). */
export function fnv(a: Float32Array | ArrayLike<number>): number {
  const words = a instanceof Float32Array ? new Uint32Array(a.buffer, a.byteOffset, a.length) : a;
  let h = 2166136261;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ (words[i] >>> 0), 16777619) >>> 0;
  return h;
}

export type F32Fix = { n: number; hex: string[] } | { n: number; first: string[]; last: string[]; fnv: number };

export function assertF32(got: Float32Array, want: F32Fix, msg: string): void {
  assert.is(got.length, want.n, `${msg}: length`);
  const h = hex(got);
  if ('hex' in want) assert.equal(h, want.hex, msg);
  else {
    assert.equal(h.slice(0, 8), want.first, `${msg}: first 8`);
    assert.equal(h.slice(-4), want.last, `${msg}: last 4`);
    assert.is(fnv(got), want.fnv, `${msg}: FNV-1a of all ${want.n} bit patterns`);
  }
}
