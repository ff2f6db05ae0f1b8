// fma32: a binary32 fused multiply-add, f32(a·b + c) with a single rounding, emulated in
// binary64 by round-to-odd (rng-parity.md §0). JS has no Math.fma and core wasm has no f32
// fma, yet torch's AVX2 randn kernel was compiled with fused multiply-adds (§4.3).

// Scratch views for reading and nudging the low mantissa bit of a double. Typed arrays use
// the platform byte order, so find which 32-bit half holds the low word once.
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

/**
 * f32(a·b + c) rounded once, to nearest with ties to even, as a hardware FMA does.
 * a, b and c must already be binary32 values (e.g. from Math.fround or a Float32Array).
 *
 * NOTE: `Math.fround(a * b + c)` is NOT this. a·b is exact in binary64 (24+24 ≤ 53 bits), but
 * the binary64 add rounds once and fround rounds again, and that double rounding is wrong
 * whenever the add lands exactly on a binary32 midpoint. Round-to-odd fixes it: if the add
 * was inexact and its result is even, step one binary64 ulp towards the exact value. The
 * sticky odd bit then breaks any false tie, and 53 ≥ 2·24 + 2 makes the final rounding exact.
 * @example
 *   fma32(Math.fround(1 + 2 ** -23), Math.fround(1 - 2 ** -23), -1); // -2**-46 exactly
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b; // exact for binary32 inputs
  const s = p + c;
  const f = Math.fround(s);
  if (f === s) return f;
  // Fast exit: round-to-odd only ever changes the binary32 result when s sits exactly on a
  // binary32 midpoint (an odd neighbour of s cannot be one, and no midpoint lies between two
  // adjacent doubles). s is a midpoint iff g = 2s − f, the float32 on the far side, is itself
  // a float32. s − f is exact (Sterbenz); f + 2(s − f) is exact whenever s is a midpoint, and
  // if it rounds otherwise, the worst case is a needless trip through the exact path.
  // Infinite f (overflow) always takes the exact path.
  const g = f + 2 * (s - f);
  if (Math.fround(g) !== g && Math.abs(f) !== Infinity) return f;
  return roundToOdd32(p, c, s, f);
}

/** The rare path of fma32 (s = p + c on a binary32 midpoint, or overflow): round-to-odd. */
function roundToOdd32(p: number, c: number, s: number, f: number): number {
  // TwoSum (Knuth): e is the exact rounding error of s = p + c. NaN when s is not finite.
  const bv = s - p;
  const e = (p - (s - bv)) + (c - bv);
  if (e === 0 || e !== e) return f;
  F64[0] = s;
  const lo = U32[LO];
  if ((lo & 1) === 0) {
    // s is even and inexact: its odd neighbour towards the exact value is the round-to-odd
    // result. Away from zero: set the low bit. Towards zero: subtract one from the
    // magnitude bits (borrowing into the high word if the low word is 0).
    if (e > 0 === s > 0) U32[LO] = lo | 1;
    else if (lo !== 0) U32[LO] = lo - 1;
    else {
      U32[LO] = 0xffffffff;
      U32[HI] = U32[HI] - 1;
    }
    return Math.fround(F64[0]);
  }
  return f;
}
