// The -threads builds' ABI (asconfig.threads.json): everything in index.ts plus the threaded
// training step, compiled with shared memory and atomics. Loaded only for init({ threads: n > 1 }).
export * from './index';
export { mlp_step_mt, mlp_worker_loop, mlp_threads_quit } from './kernels/mlp_step_mt';
