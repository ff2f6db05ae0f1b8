// The whole wasm ABI on one screen: every kernel the TypeScript side may call.
// Kernels take raw pointers (usize) into the one imported memory plus dimensions (i32),
// and never allocate: JS owns the memory and decides where everything lives.
// Backward kernels accumulate (+=) into gradients, so fan-out needs no extra buffers.
export { HEAP_BASE } from './simd';
// (matmul.ts also exports its blocks to the threaded step: only the ABI three go to JS)
export { matmul_nn, matmul_tn, matmul_nt } from './kernels/matmul';
export * from './kernels/elementwise';
export * from './kernels/unary';
export * from './kernels/reduce';
export * from './kernels/tanh';
export * from './kernels/softmax';
export * from './kernels/cross_entropy';
export * from './kernels/batchnorm';
export * from './kernels/embedding';
export * from './kernels/sgd';
export * from './kernels/mlp_step';
