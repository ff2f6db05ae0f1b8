// The TypeScript face of the wasm ABI. asc writes typings for the exports of
// assembly/index.ts next to build/simd.wasm (`bindings: raw` in asconfig.json), so
// this type can never drift from the kernels. Every build exports the same functions.
import type { instantiate } from '../../build/simd.js';

export type Kernels = Omit<Awaited<ReturnType<typeof instantiate>>, 'HEAP_BASE'>;
