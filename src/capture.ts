// The capture protocol, in one place: what the tensor, its memory, autograd, the ops and the
// optimizers do while a compiled step (src/compile/compile.ts) captures or checks a call. One
// mode: EAGER (kernels run, nothing is watched), CAPTURE (kernels run and are recorded, with the
// memory made and touched) or GUARD (no kernel runs: each call goes to the session, which checks
// it against a recording, and new memory gets the address recorded for it). Ops call kernels
// through kernels() (src/wasm/load.ts), which hands them this module's stand-ins while a step is
// watched. untracked(f) runs f eagerly in any mode. Leaves out: what a recording is and what a
// mismatch does (the session's business, src/compile/).
import { wasmKernels, useStandIns } from './wasm/load.ts';
import type { Kernels } from './wasm/abi.ts';
import { alloc } from './wasm/heap.ts';
import { opcodes } from './wasm/opcodes.ts';
import { CompileError } from './compile/error.ts';
import type { Storage } from './memory.ts';
import type { StatusMessage } from './wasm/status.ts';

export const EAGER = 0, CAPTURE = 1, GUARD = 2;
export type Mode = typeof EAGER | typeof CAPTURE | typeof GUARD;

/** What watches a compiled step's call: told of each kernel call and each block of memory. */
export interface Session {
  /** Kernel `op` was called with args[0..nargs) (capture: run and record it; guard: check it). */
  kernel(op: number, args: Float64Array): void;
  /** Guard: the address of the next block of `bytes` a tensor gets (the recorded one, if it matches). */
  address(bytes: number): number;
  /** A storage was made (capture or guard). */
  made(s: Storage): void;
  /** A storage's address was taken for a kernel or a read. */
  touched(s: Storage): void;
  /** The kernel just called reports bad data with this message. */
  status(msg: StatusMessage): void;
}

/** The mode now (a live binding: read it, set it through begin/switchMode/end). */
export let mode: Mode = EAGER;
let session: Session | null = null;
/** Depth of untracked() calls: inside one, everything runs eagerly, whatever the mode. */
let paused = 0;

/** Whether ops are watched now (a capture or a guard, outside untracked()). */
export function watching(): boolean { return mode !== EAGER && paused === 0; }

/** Starts watching a call (capture or guard) for session s. */
export function begin(m: Mode, s: Session): void {
  if (mode !== EAGER) throw new CompileError('a compiled step called another compiled step (or itself): call them one after the other');
  mode = m; session = s; paused = 0;
  useStandIns(standIns());
}

/** Turns a guard into a capture from here on (the session found the call differs). */
export function switchMode(m: Mode): void { mode = m; }

/** Stops watching: eager again. */
export function end(): void {
  mode = EAGER; session = null; paused = 0;
  useStandIns(null);
}

/**
 * Runs f eagerly, whatever the mode: its kernels run and are not recorded, and its memory is its
 * own (one-time setup such as optimizer state; a user's old .grad copied away).
 */
export function untracked<T>(f: () => T): T {
  paused++;
  try { return f(); } finally { paused--; }
}

/** A tensor's address taken eagerly (a strided one's contiguous copy is not part of the step): untracked(() => t.ptr) without a closure. */
export function untrackedPtr(t: { readonly ptr: number }): number {
  paused++;
  try { return t.ptr; } finally { paused--; }
}

/** The address for a new temporary block (a guard gives the recorded one). */
export function newAddress(bytes: number): number {
  return mode === GUARD && paused === 0 ? session!.address(bytes) : alloc(bytes);
}

export function made(s: Storage): void { if (mode !== EAGER && paused === 0) session!.made(s); }
export function touched(s: Storage): void { if (mode !== EAGER && paused === 0) session!.touched(s); }
export function kernelStatus(msg: StatusMessage): void { if (mode !== EAGER && paused === 0) session!.status(msg); }

/** Called before JS reads tensor data: a watched step cannot (a replay runs no kernel before it). */
export function checkRead(): void {
  if (mode !== EAGER && paused === 0) {
    throw new CompileError('the step reads tensor values into JavaScript (item(), toArray(), tolist() or a printout), which a compiled replay cannot do: return the tensor and read it after the call');
  }
}

/** Runs kernel op for real with args[0..nargs). */
export function runKernel(op: number, a: ArrayLike<number>): void {
  reals![op](a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
}

type K16 = (a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6: number, a7: number,
  a8: number, a9: number, a10: number, a11: number, a12: number, a13: number, a14: number, a15: number) => unknown;

let built: { k: object; standIns: Kernels } | null = null;
let reals: K16[] | null = null;
/** The arguments of the kernel call being watched (no kernel takes more than 16; unused ones are NaN). */
const ARGS = new Float64Array(16);

/** The stand-ins: the loaded kernels with each kernel replaced by a function that hands its call to the session. */
function standIns(): Kernels {
  const k = wasmKernels() as unknown as Record<string, K16>;
  if (built && built.k === k) return built.standIns;
  const ops = opcodes();
  const fns = ops.names.map((name) => k[name]);
  for (let op = 0; op < fns.length; op++) {
    if (ops.nargs[op] > ARGS.length) throw new Error(`wasmgrad: internal error: kernel ${ops.names[op]} takes ${ops.nargs[op]} arguments, compile() handles ${ARGS.length}`);
  }
  reals = fns;
  const s = Object.create(k) as Record<string, K16>;
  ops.names.forEach((name, op) => {
    const real = fns[op];
    // (one function per kernel, made once: a watched call allocates nothing)
    s[name] = (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15) => {
      if (paused !== 0 || mode === EAGER) return real(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15);
      const a = ARGS;
      a[0] = a0; a[1] = a1; a[2] = a2; a[3] = a3; a[4] = a4; a[5] = a5; a[6] = a6; a[7] = a7;
      a[8] = a8; a[9] = a9; a[10] = a10; a[11] = a11; a[12] = a12; a[13] = a13; a[14] = a14; a[15] = a15;
      session!.kernel(op, a);
      return undefined;
    };
  });
  built = { k, standIns: s as unknown as Kernels };
  return built.standIns;
}
