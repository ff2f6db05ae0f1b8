// The kernels' status word (assembly/status.ts): kernels that find bad data (an index out of
// range) record it there and skip the element. After such a kernel, JS checks it and throws a
// clear error; a compiled program checks it after every command (src/compile/).
import { wasmKernels } from './load.ts';
import { i32 } from './heap.ts';
import { kernelStatus } from '../capture.ts';

/** Explains a status: (code, value, position) -> message. */
export type StatusMessage = (value: number, position: number) => string;

/** Reads and clears the status word: null if no kernel failed, else [code, value, position]. */
let statusK: object | null = null, statusAt = 0;
export function takeStatus(): [number, number, number] | null {
  const k = wasmKernels();
  if (k !== statusK) { statusK = k; statusAt = k.status_ptr() >>> 2; }
  const p = statusAt;
  const mem = i32();
  if (mem[p] === 0) return null;
  const r: [number, number, number] = [mem[p], mem[p + 1], mem[p + 2]];
  mem[p] = 0;
  return r;
}

/** Throws msg(value, position) if the kernel just run recorded a failure. */
export function checkStatus(msg: StatusMessage): void {
  kernelStatus(msg); // (a compiled step's capture attaches the message to the kernel call just recorded)
  const s = takeStatus();
  if (s) throw new Error(msg(s[1], s[2]));
}
