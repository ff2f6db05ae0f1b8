// Helper threads for the fused training step (init({ threads: n }), n > 1): n - 1 Node
// worker_threads instantiate the same -threads module on the same shared memory and sit in
// mlp_worker_loop (assembly/kernels/mlp_step_mt.ts), doing their row share of each step's
// matrix products while JS's main thread runs mlp_step_mt. They meet at spin barriers in wasm.
// A helper that fails sets the control block's abort flag, so the main thread's step returns
// instead of waiting, and check() turns that into one error with the helper's message.
// Leaves out: browser workers (threads need Node's worker_threads for now).
import { kernels, threadsContext } from '../wasm/load.ts';
import { alloc, free, i32 } from '../wasm/heap.ts';
import type { Kernels } from '../wasm/abi.ts';

/** The -threads builds' extra exports (assembly/index_threads.ts). */
export interface ThreadKernels extends Kernels {
  mlp_step_mt(plan: number, lr: number, ctl: number, nt: number): number;
  mlp_threads_quit(ctl: number, nt: number): void;
}

// Control block byte offsets, as in assembly/kernels/mlp_step_mt.ts.
const CTL_BYTES = 128, GEN_AT = 4, ABORT_AT = 12;

interface WorkerLike {
  on(event: string, fn: (arg: unknown) => void): void;
  off(event: string, fn: (arg: unknown) => void): void;
  once(event: string, fn: (arg: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}
interface PortLike { close(): void }
interface WorkerThreads {
  Worker: new (code: string, opts: object) => WorkerLike;
  MessageChannel: new () => { port1: PortLike; port2: PortLike };
  receiveMessageOnPort(port: PortLike): { message: unknown } | undefined;
}

// The helper, as CommonJS source (eval: true), so it works the same from dist/ and under tsx.
const HELPER = `
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, ctl, tid, nt, port } = workerData;
const fail = (e) => {
  port.postMessage(String(e));
  const v = new Int32Array(memory.buffer);
  Atomics.store(v, (ctl + ${ABORT_AT}) >> 2, 1);
  Atomics.add(v, (ctl + ${GEN_AT}) >> 2, 1);
  Atomics.notify(v, (ctl + ${GEN_AT}) >> 2);
};
let ex;
try {
  ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
} catch (e) { fail(e); throw e; }
parentPort.postMessage('ready');
try {
  if (workerData.failForTest) throw new Error('helper failure requested by the test');
  ex.mlp_worker_loop(ctl, tid, nt);
} catch (e) { fail(e); }
`;

/** Whether this runtime can run helper threads (Node's worker_threads and shared memory). */
export async function threadsAvailable(): Promise<boolean> {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  return (await workerThreads()) !== null;
}

async function workerThreads(): Promise<WorkerThreads | null> {
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?(n: string): unknown } }).process;
  if (!proc?.versions?.node || (globalThis as { Deno?: unknown }).Deno) return null;
  try {
    // (a specifier in a variable, so that bundlers for the browser do not try to resolve it)
    const name = 'node:worker_threads';
    return (proc.getBuiltinModule?.(name) as WorkerThreads | undefined)
      ?? (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as WorkerThreads;
  } catch {
    return null;
  }
}

/** The helpers of one training run: start(), step with kernels().mlp_step_mt(plan, lr, ctl, threads), stop(). */
export class StepThreads {
  private stopped = false;
  private constructor(readonly ctl: number, readonly threads: number, private readonly workers: WorkerLike[],
    private readonly ports: PortLike[], private readonly wt: WorkerThreads) {}

  /** Starts threads - 1 helpers on the module and memory of init({ threads }). */
  static async start(opts: { failForTest?: boolean } = {}): Promise<StepThreads> {
    const ctx = threadsContext();
    if (!ctx) throw new Error('wasmgrad: threaded training needs init({ threads: n }) with n > 1 first');
    const wt = await workerThreads();
    if (!wt) throw new Error('wasmgrad: threads need Node worker_threads (browser workers are not supported yet); use threads: 1');
    const ctl = alloc(CTL_BYTES);
    i32().fill(0, ctl >> 2, (ctl + CTL_BYTES) >> 2);
    const workers: WorkerLike[] = [], ports: PortLike[] = [];
    const threads = new StepThreads(ctl, ctx.threads, workers, ports, wt);
    try {
      await Promise.all(Array.from({ length: ctx.threads - 1 }, (_, k) => {
        const { port1, port2 } = new wt.MessageChannel();
        const w = new wt.Worker(HELPER, {
          eval: true,
          workerData: { module: ctx.module, memory: ctx.memory, ctl, tid: k + 1, nt: ctx.threads, port: port2, failForTest: !!opts.failForTest },
          transferList: [port2],
        });
        workers.push(w); ports.push(port1);
        w.unref();
        return new Promise<void>((resolve, reject) => {
          const onMessage = () => { w.off('error', onError); w.off('exit', onExit); resolve(); };
          const onError = (e: unknown) => { w.off('message', onMessage); w.off('exit', onExit); reject(e); };
          const onExit = (code: unknown) => { w.off('message', onMessage); w.off('error', onError); reject(new Error(`exited with code ${code}`)); };
          w.once('message', onMessage); w.once('error', onError); w.once('exit', onExit);
        });
      }));
    } catch (e) {
      await threads.stop(true);
      throw new Error(`wasmgrad: a training helper thread failed to start: ${(e as Error).message ?? e}`);
    }
    return threads;
  }

  /** After a step returned NaN: throws if a helper failed (the step was not completed). */
  check(): void {
    if (Atomics.load(i32(), (this.ctl + ABORT_AT) >> 2) === 0) return;
    let msg = 'unknown error';
    for (const p of this.ports) {
      const m = this.wt.receiveMessageOnPort(p);
      if (m) { msg = String(m.message); break; }
    }
    throw new Error(`wasmgrad: a training helper thread failed: ${msg}`);
  }

  /** Releases the helpers and ends their threads. Safe to call twice. */
  async stop(abort = false): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const v = i32();
    // Helpers wait at the start barrier: release them (unless one failed, which aborts all).
    if (!abort && Atomics.load(v, (this.ctl + ABORT_AT) >> 2) === 0) {
      (kernels() as ThreadKernels).mlp_threads_quit(this.ctl, this.threads);
    } else {
      Atomics.store(v, (this.ctl + ABORT_AT) >> 2, 1);
      Atomics.add(v, (this.ctl + GEN_AT) >> 2, 1);
      Atomics.notify(v, (this.ctl + GEN_AT) >> 2);
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const p of this.ports) p.close();
    free(this.ctl);
  }
}
