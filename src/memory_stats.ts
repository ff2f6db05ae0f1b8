// What the engine holds in wasm memory: for tests, benchmarks and users watching for leaks.
import { memoryBytes, bytesInUse } from './wasm/heap.ts';
import { arenaHighWater, stepCount } from './scope.ts';

export interface MemoryStats {
  /** Size of the wasm memory in bytes (it only grows). */
  wasmBytes: number;
  /** Bytes allocated from it (persistent tensors, arenas, packed parameter blocks). */
  allocatedBytes: number;
  /** The most bytes one training step has held in its step arena. */
  arenaHighWater: number;
  /** Completed backward() calls. */
  steps: number;
}

export function memoryStats(): MemoryStats {
  return { wasmBytes: memoryBytes(), allocatedBytes: bytesInUse(), arenaHighWater: arenaHighWater(), steps: stepCount() };
}
