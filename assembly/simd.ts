// Small shared helpers for the kernels. Nothing here allocates.

/** First byte JS may use: everything below belongs to the module's static data. */
export const HEAP_BASE: usize = __heap_base;

/** Sum of the four f32 lanes of v. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}
