// What the engine holds in wasm memory: for tests, benchmarks and users watching for leaks.
import { memoryBytes, bytesInUse, bytesHighWater } from './wasm/heap.ts';
import { temporaryBytes, stepCount } from './memory.ts';

export interface MemoryStats {
  /** Size of the wasm memory in bytes (it only grows). */
  wasmBytes: number;
  /** Bytes allocated from it now (permanent tensors, temporaries, packed parameter blocks). */
  allocatedBytes: number;
  /** The most bytes ever allocated at once. */
  allocatedHighWater: number;
  /** Bytes held by temporaries now (see "Memory" in the README). */
  temporaryBytes: number;
  /** The most bytes temporaries ever held at once. */
  temporaryHighWater: number;
  /** Completed steps (backward() calls and compiled-step calls). */
  steps: number;
}

export function memoryStats(): MemoryStats {
  const t = temporaryBytes();
  return { wasmBytes: memoryBytes(), allocatedBytes: bytesInUse(), allocatedHighWater: bytesHighWater(), temporaryBytes: t.now, temporaryHighWater: t.highWater, steps: stepCount() };
}
