// The -threads builds' ABI (asconfig.threads.json): everything in index.ts plus the threaded
// program interpreter, compiled with shared memory and atomics.
// Loaded only for init({ threads: n > 1 }).
// NOTE: only kernels (numbered by tools/gen-program.mjs from index.ts) and program_* may be
// snake_case here: JS numbers the module's other snake_case exports as opcodes.
export * from './index';
export { program_run_threads, program_worker, program_quit } from './program_threads';
export * from './_program_threads'; // its program_share_* (runShare is camelCase: internal)
