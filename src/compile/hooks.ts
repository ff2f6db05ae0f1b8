// What ops and optimizers tell a compiled step's capture (src/compile/compile.ts), and nothing
// else: outside a capture these calls do nothing (everyCall just runs its function).

export interface CaptureListener {
  /** Argument `arg` of the kernel call just made is read from JS at every call: get() gives it. */
  dynamicScalar(arg: number, get: () => number): void;
  /** Runs f now (not recorded as kernel commands) and again before every replayed call. */
  everyCall(f: () => void): void;
  /** Runs f now, not recorded and not replayed (one-time setup, e.g. optimizer state). */
  once<T>(f: () => T): T;
}

let listener: CaptureListener | null = null;
export function setCaptureListener(l: CaptureListener | null): void { listener = l; }

/** Marks argument `arg` of the kernel call just made as a value read again at every compiled call. */
export function dynamicScalar(arg: number, get: () => number): void {
  if (listener) listener.dynamicScalar(arg, get);
}

/**
 * Runs f now; a compiled step runs it again before every call, in the order recorded. For JS
 * work a step does besides kernels: data and random draws written from JS, an optimizer's step
 * count. f must not depend on tensor values.
 */
export function everyCall(f: () => void): void {
  if (listener) listener.everyCall(f);
  else f();
}

/** Runs f now; inside a compiled step's capture its kernel calls are not recorded (one-time setup). */
export function once<T>(f: () => T): T {
  return listener ? listener.once(f) : f();
}
