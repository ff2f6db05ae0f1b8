// The whole wasm ABI on one screen: every kernel the TypeScript side may call.
// Kernels take raw pointers (usize) into the one imported memory plus dimensions (i32),
// and never allocate: JS owns the memory and decides where everything lives.
// Backward kernels accumulate (+=) into gradients, so fan-out needs no extra buffers.
export { HEAP_BASE } from './simd';
// Each kernel says how it splits across threads in directives above it (@split, @reads, @writes:
// tools/gen-program-threads.mjs); the range variants some name are camelCase, as is everything
// else the kernel files export for internal use: only the snake_case ABI goes to JS.
export { matmul_nn, matmul_nn_bias, matmul_tn, matmul_nt } from './kernels/matmul';
export * from './kernels/elementwise';
export * from './kernels/unary';
export * from './kernels/reduce';
export * from './kernels/tanh';
export * from './kernels/softmax';
export { crossentropy_forward, crossentropy_backward } from './kernels/cross_entropy';
export {
  bn_notebook_forward, bn_notebook_backward, bn_notebook_eval, bn_torch_forward, bn_torch_backward, bn_torch_eval,
  tanh_bn_notebook_backward,
} from './kernels/batchnorm';
export * from './kernels/embedding';
export * from './kernels/sgd';
export * from './kernels/strided';
export * from './kernels/nll';
export * from './kernels/compare';
export { status_ptr } from './status';
// The interpreter of compiled steps, generated at build time by tools/gen-program.mjs.
export { program_run, program_opcount, program_nargs, program_ptrmask, program_floatmask } from './_program';
export { matmul_batched } from './kernels/matmul';
export * from './kernels/gather';
export * from './kernels/tri';
export * from './kernels/one_hot';
export * from './kernels/multinomial';
export * from './kernels/activation';
export * from './kernels/binary';
export * from './kernels/where';
export * from './kernels/clamp';
// losses and layers (issue 12: nn, optim)
export * from './kernels/layer_norm';
export * from './kernels/binary_cross_entropy';
export * from './kernels/adam';
export * from './kernels/clip_grad';
export * from './kernels/topk';
