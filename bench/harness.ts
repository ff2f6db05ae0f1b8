// Shared by the kernel benchmarks: each bench/<op>.bench.ts exports `register(add, k)` and
// calls add() once per case, after checking the kernel's output against src/ref.
import type { Kernels } from '../src/wasm/abi.ts';

export interface Case {
  /** e.g. 'matmul_nn (32x30)@(30x200)' */
  name: string;
  /** Floating-point operations per call (a multiply-add counts 2), or 0 if not meaningful. */
  flops: number;
  fn: () => void;
}
export type Add = (c: Case) => void;
export type Register = (add: Add, k: Kernels) => void;
