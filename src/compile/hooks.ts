// What ops and optimizers tell a compiled step's capture (src/compile/compile.ts), and nothing
// else: outside a capture these calls do nothing.

export interface CaptureListener {
  /** Argument `arg` of the kernel call just made is read from JS at every call: get() gives it. */
  dynamicScalar(arg: number, get: () => number): void;
  /** Runs f now and again before every replayed call (JS state an op keeps, e.g. a step count). */
  everyCall(f: () => void): void;
}

let listener: CaptureListener | null = null;
export function setCaptureListener(l: CaptureListener | null): void { listener = l; }

/** Marks argument `arg` of the kernel call just made as a value read again at every compiled call. */
export function dynamicScalar(arg: number, get: () => number): void {
  if (listener) listener.dynamicScalar(arg, get);
}

/** Runs f now; a compiled step runs it again before every call. */
export function everyCall(f: () => void): void {
  f();
  if (listener) listener.everyCall(f);
}
