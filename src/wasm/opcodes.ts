// The program interpreter's opcodes: the kernels of the loaded module sorted by name, as
// tools/gen-program.mjs numbered them when it generated program_run; checked against the
// module's own count, and each recorded call's argument count against the interpreter's.
// The argument kinds (addresses, float scalars, the rest integers) come from the same parse of
// the kernels' signatures, so they cannot drift from the kernels.
import { wasmKernels } from './load.ts';

export interface Opcodes {
  names: string[];
  index: Map<string, number>;
  nargs: number[];
  /** Bit j set: argument j is an address (usize). */
  ptrmask: number[];
  /** Bit j set: argument j is a float scalar (f32 or f64); every other argument is an integer or an address. */
  floatmask: number[];
}
let cached: { k: object; ops: Opcodes } | null = null;

export function opcodes(): Opcodes {
  const k = wasmKernels() as unknown as Record<string, unknown> & { program_opcount(): number; program_nargs(op: number): number; program_ptrmask(op: number): number; program_floatmask(op: number): number };
  if (cached && cached.k === k) return cached.ops;
  const names = Object.keys(k).filter((n) => /^[a-z][a-z0-9_]*$/.test(n) && !n.startsWith('program_') && n !== 'status_ptr' && typeof k[n] === 'function').sort();
  if (names.length !== k.program_opcount()) {
    throw new Error(`wasmgrad: internal error: the module exports ${names.length} kernels but its program interpreter knows ${k.program_opcount()}; rebuild with npm run build:wasm`);
  }
  const ops = {
    names, index: new Map(names.map((n, i) => [n, i])), nargs: names.map((_, i) => k.program_nargs(i)),
    ptrmask: names.map((_, i) => k.program_ptrmask(i)), floatmask: names.map((_, i) => k.program_floatmask(i)),
  };
  cached = { k, ops };
  return ops;
}
