// The fused notebook step's helper threads: src/compile/pool.ts's helpers in the step's own loop
// (mlpWorkerLoop, assembly/kernels/mlp_step_mt.ts). Goes when NotebookMLPStep goes.
import { Helpers, threadsAvailable } from '../compile/pool.ts';
import type { Kernels } from '../wasm/abi.ts';

export { threadsAvailable };

/** The -threads builds' exports for the fused step (assembly/index_threads.ts). */
export interface ThreadKernels extends Kernels {
  mlpStepMt(plan: number, lr: number, ctl: number, nt: number): number;
}

/** The helpers of one training run: start(), step with kernels().mlpStepMt(plan, lr, ctl, threads), stop(). */
export const StepThreads = {
  start: (opts: { failForTest?: boolean } = {}): Promise<Helpers> => Helpers.start({ loop: 'mlpWorkerLoop', quit: 'mlpThreadsQuit' }, opts),
};
export type StepThreads = Helpers;
