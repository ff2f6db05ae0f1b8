// The kernels' status word: a kernel that finds bad data (an index out of range) records it
// here instead of reading or writing out of bounds, and skips that element. JS reads it after
// such a kernel (eagerly) or after each command of a compiled program, and throws a clear error.
// Layout, in static memory shared by every thread: [code i32, value i32, position i32, command i32]
// (command: the index of the compiled program's command that failed, or -1 outside a program).

export const STATUS: usize = memory.data(16);

/** No error. */
export const S_OK: i32 = 0;
/** An index was outside [0, size): value = the index, position = where in the index tensor. */
export const S_INDEX: i32 = 1;
/** A value the op cannot take (a negative or non-finite probability): value and position say where. */
export const S_VALUE: i32 = 2;

/** The command a program interpreter is running on this thread (each thread's instance has its own). */
let command: i32 = -1;
// @ts-ignore: decorator
@inline export function setCommand(c: i32): void { command = c; }

// The first failure wins. With threads, several may fail at once: the code word is claimed
// (-1, "being written") by one compare-exchange, so value, position and command stay one failure's.
// @ts-ignore: decorator
@inline export function fail(code: i32, value: i32, position: i32): void {
  if (ASC_FEATURE_THREADS) {
    if (atomic.cmpxchg<i32>(STATUS, 0, -1) != 0) return;
  } else if (load<i32>(STATUS) != 0) return;
  store<i32>(STATUS + 4, value);
  store<i32>(STATUS + 8, position);
  store<i32>(STATUS + 12, command);
  if (ASC_FEATURE_THREADS) atomic.store<i32>(STATUS, code);
  else store<i32>(STATUS, code);
}

/** Address of the status word, for JS. */
export function status_ptr(): usize { return STATUS; }
