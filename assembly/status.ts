// The kernels' status word: a kernel that finds bad data (an index out of range) records it
// here instead of reading or writing out of bounds, and skips that element. JS reads it after
// such a kernel (eagerly) or after each command of a compiled program, and throws a clear error.
// Layout, in static memory shared by every thread: [code i32, value i32, position i32].

export const STATUS: usize = memory.data(16);

/** No error. */
export const S_OK: i32 = 0;
/** An index was outside [0, size): value = the index, position = where in the index tensor. */
export const S_INDEX: i32 = 1;
/** A value the op cannot take (a negative or non-finite probability): value and position say where. */
export const S_VALUE: i32 = 2;

// @ts-ignore: decorator
@inline export function fail(code: i32, value: i32, position: i32): void {
  if (load<i32>(STATUS) == 0) {
    store<i32>(STATUS + 4, value);
    store<i32>(STATUS + 8, position);
    store<i32>(STATUS, code);
  }
}

/** Address of the status word, for JS. */
export function status_ptr(): usize { return STATUS; }
