// The whole wasm ABI on one screen: every kernel the TypeScript side may call.
// Kernels take raw pointers (usize) into the one imported memory plus dimensions (i32),
// and never allocate: JS owns the memory and decides where everything lives.
export { HEAP_BASE } from './simd';
export * from './kernels/sgd';
