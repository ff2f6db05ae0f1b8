// The program interpreter's opcodes: the kernels of the loaded module sorted by name, as
// tools/gen-program.mjs numbered them when it generated program_run; checked against the
// module's own count, and each recorded call's argument count against the interpreter's.
import { kernels } from '../wasm/load.ts';

export interface Opcodes { names: string[]; index: Map<string, number>; nargs: number[]; ptrmask: number[] }
let cached: { k: object; ops: Opcodes } | null = null;

export function opcodes(): Opcodes {
  const k = kernels() as unknown as Record<string, unknown> & { program_opcount(): number; program_nargs(op: number): number; program_ptrmask(op: number): number };
  if (cached && cached.k === k) return cached.ops;
  const names = Object.keys(k).filter((n) => /^[a-z][a-z0-9_]*$/.test(n) && !n.startsWith('program_') && n !== 'status_ptr' && typeof k[n] === 'function').sort();
  if (names.length !== k.program_opcount()) {
    throw new Error(`wasmgrad: internal error: the module exports ${names.length} kernels but its program interpreter knows ${k.program_opcount()}; rebuild with npm run build:wasm`);
  }
  const ops = { names, index: new Map(names.map((n, i) => [n, i])), nargs: names.map((_, i) => k.program_nargs(i)), ptrmask: names.map((_, i) => k.program_ptrmask(i)) };
  cached = { k, ops };
  return ops;
}
