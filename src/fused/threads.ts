// Helper threads for the fused training step (init({ threads: n }), n > 1): n - 1 Node
// worker_threads, or Web Workers in Deno or a browser, instantiate the same -threads module on the same
// shared memory and sit in mlp_worker_loop (assembly/kernels/mlp_step_mt.ts), doing their share
// of each step while the calling thread runs mlp_step_mt. They meet at spin barriers in wasm.
// A helper that fails sets the control block's abort flag, so the caller's step returns
// instead of waiting, and check() turns that into one error with the helper's message.
// Leaves out: threads on a page's main thread (a barrier may Atomics.wait: train in a worker).
import { kernels, threadsContext } from '../wasm/load.ts';
import { alloc, free, i32, u8 } from '../wasm/heap.ts';
import type { Kernels } from '../wasm/abi.ts';

/** The -threads builds' extra exports (assembly/index_threads.ts). */
export interface ThreadKernels extends Kernels {
  mlp_step_mt(plan: number, lr: number, ctl: number, nt: number): number;
  mlp_threads_quit(ctl: number, nt: number): void;
}

// Control block byte offsets, as in assembly/kernels/mlp_step_mt.ts. The block is followed by
// MSG_BYTES where a failing helper leaves its error (an i32 length, then UTF-8), so check() can
// read it at once: a message posted to this thread would arrive only after the step's JS ends.
const CTL_BYTES = 128, GEN_AT = 4, ABORT_AT = 12, MSG_AT = CTL_BYTES, MSG_BYTES = 512;

/** What a helper gets: the module and memory to instantiate, its thread id and the count. */
interface HelperData { module: WebAssembly.Module; memory: WebAssembly.Memory; ctl: number; tid: number; nt: number; failForTest: boolean }

// The helper, as plain script source, so that it runs the same from dist/, under tsx and from a
// bundle: helperMain(data, post) instantiates the module, posts 'ready' (or the error that stopped
// it) and runs mlp_worker_loop. On failure it leaves its message, sets the abort flag and wakes
// the barrier, so the main thread's step returns instead of waiting.
const HELPER_MAIN = `
function helperMain(d, post) {
  const fail = (e) => {
    const v = new Int32Array(d.memory.buffer), at = d.ctl + ${MSG_AT};
    if (Atomics.compareExchange(v, at >>> 2, 0, -1) === 0) {
      const text = new TextEncoder().encode(String(e)).subarray(0, ${MSG_BYTES - 4});
      new Uint8Array(d.memory.buffer).set(text, at + 4);
      Atomics.store(v, at >>> 2, text.length);
    }
    Atomics.store(v, (d.ctl + ${ABORT_AT}) >>> 2, 1);
    Atomics.add(v, (d.ctl + ${GEN_AT}) >>> 2, 1);
    Atomics.notify(v, (d.ctl + ${GEN_AT}) >>> 2);
  };
  let ex;
  try {
    ex = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports;
  } catch (e) { fail(e); post(String(e)); return; }
  post('ready');
  try {
    if (d.failForTest) throw new Error('helper failure requested by the test');
    ex.mlp_worker_loop(d.ctl, d.tid, d.nt);
  } catch (e) { fail(e); }
}
`;
// A Node worker_threads helper (CommonJS, eval: true) and a browser one (a classic Web Worker
// from a Blob URL, sent its HelperData by postMessage: a WebAssembly.Module and a shared
// memory are cloneable to workers of the same cross-origin-isolated page).
const NODE_HELPER = `${HELPER_MAIN}
const { workerData, parentPort } = require('node:worker_threads');
helperMain(workerData, (m) => parentPort.postMessage(m));
`;
const WEB_HELPER = `${HELPER_MAIN}
self.onmessage = (e) => helperMain(e.data, (m) => self.postMessage(m));
`;

interface NodeWorker {
  on(event: string, fn: (arg: unknown) => void): void;
  off(event: string, fn: (arg: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}
interface WorkerThreads { Worker: new (code: string, opts: object) => NodeWorker }

/** A started helper: resolves `ready` once it runs the loop (rejects if it could not start). */
interface Helper { ready: Promise<void>; terminate(): unknown }

function nodeHelper(wt: WorkerThreads, data: HelperData): Helper {
  const w = new wt.Worker(NODE_HELPER, { eval: true, workerData: data });
  w.unref();
  const ready = new Promise<void>((resolve, reject) => {
    const done = (fn: () => void) => { w.off('message', onMessage); w.off('error', onError); w.off('exit', onExit); fn(); };
    const onMessage = (m: unknown) => done(() => (m === 'ready' ? resolve() : reject(new Error(String(m)))));
    const onError = (e: unknown) => done(() => reject(e));
    const onExit = (code: unknown) => done(() => reject(new Error(`exited with code ${code}`)));
    w.on('message', onMessage); w.on('error', onError); w.on('exit', onExit);
  });
  return { ready, terminate: () => w.terminate() };
}

function webHelper(url: string, data: HelperData): Helper {
  // (Deno runs module workers only; the script is valid as either kind)
  const w = new Worker(url, { name: `wasmgrad-helper-${data.tid}`, type: isDeno() ? 'module' : 'classic' });
  const ready = new Promise<void>((resolve, reject) => {
    w.onmessage = (e) => (e.data === 'ready' ? resolve() : reject(new Error(String(e.data))));
    w.onerror = (e) => { e.preventDefault(); reject(new Error(e.message || 'its script did not load')); };
  });
  w.postMessage(data);
  return { ready, terminate: () => w.terminate() };
}

const isDeno = () => typeof (globalThis as { Deno?: unknown }).Deno === 'object';

/** Web Workers with shared memory: Deno, or a cross-origin-isolated browser page or worker. */
function webWorkers(): boolean {
  const g = globalThis as { Worker?: unknown; crossOriginIsolated?: boolean };
  return typeof g.Worker === 'function' && typeof SharedArrayBuffer !== 'undefined' && (g.crossOriginIsolated === true || isDeno());
}

/** Whether this thread may block in Atomics.wait: a Web Worker, or Deno's main thread; not a page. */
function mayWait(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: new () => unknown }).WorkerGlobalScope;
  return isDeno() || (typeof scope === 'function' && globalThis instanceof scope);
}

/**
 * Whether this runtime can run helper threads: Node's worker_threads with shared memory, Deno's
 * Web Workers, or Web Workers in a cross-origin-isolated browser context (the training itself must then run
 * inside a Web Worker, as StepThreads.start() says).
 */
export async function threadsAvailable(): Promise<boolean> {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  return (await workerThreads()) !== null || webWorkers();
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
  private constructor(readonly ctl: number, readonly threads: number, private readonly helpers: Helper[]) {}

  /**
   * Starts threads - 1 helpers on the module and memory of init({ threads }): Node worker_threads,
   * Deno's Web Workers, or in a browser Web Workers, which needs a cross-origin-isolated page and
   * this call (and the training) inside a Web Worker, as a threaded step may block in Atomics.wait.
   */
  static async start(opts: { failForTest?: boolean } = {}): Promise<StepThreads> {
    const ctx = threadsContext();
    if (!ctx) throw new Error('wasmgrad: threaded training needs init({ threads: n }) with n > 1 first');
    const wt = await workerThreads();
    if (!wt && !webWorkers()) {
      throw new Error('wasmgrad: threads need Node worker_threads, Deno, or Web Workers in a cross-origin-isolated page; use threads: 1');
    }
    if (!wt && !mayWait()) {
      throw new Error('wasmgrad: threaded training in a browser must run inside a Web Worker (its threads wait with Atomics.wait, which a page\'s main thread may not); train in a worker, or use threads: 1');
    }
    const ctl = alloc(CTL_BYTES + MSG_BYTES);
    i32().fill(0, ctl >>> 2, (ctl + CTL_BYTES + MSG_BYTES) >>> 2);
    const url = wt ? null : URL.createObjectURL(new Blob([WEB_HELPER], { type: 'text/javascript' }));
    const helpers: Helper[] = [];
    const threads = new StepThreads(ctl, ctx.threads, helpers);
    try {
      for (let tid = 1; tid < ctx.threads; tid++) {
        const data: HelperData = { module: ctx.module, memory: ctx.memory, ctl, tid, nt: ctx.threads, failForTest: !!opts.failForTest };
        helpers.push(wt ? nodeHelper(wt, data) : webHelper(url!, data));
      }
      await Promise.all(helpers.map((h) => h.ready));
    } catch (e) {
      await threads.stop(true);
      throw new Error(`wasmgrad: a training helper thread failed to start: ${(e as Error).message ?? e}`);
    } finally {
      if (url) URL.revokeObjectURL(url);
    }
    return threads;
  }

  /** After a step returned NaN: throws if a helper failed (the step was not completed). */
  check(): void {
    const v = i32();
    if (Atomics.load(v, (this.ctl + ABORT_AT) >>> 2) === 0) return;
    const n = Atomics.load(v, (this.ctl + MSG_AT) >>> 2), at = this.ctl + MSG_AT + 4;
    // (a copy: TextDecoder does not read shared memory)
    const msg = n > 0 ? new TextDecoder().decode(u8().slice(at, at + n)) : 'unknown error';
    throw new Error(`wasmgrad: a training helper thread failed: ${msg}`);
  }

  /** Releases the helpers and ends their threads. Safe to call twice. */
  async stop(abort = false): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const v = i32();
    // Helpers wait at the start barrier: release them (unless one failed, which aborts all).
    if (!abort && Atomics.load(v, (this.ctl + ABORT_AT) >>> 2) === 0) {
      (kernels() as ThreadKernels).mlp_threads_quit(this.ctl, this.threads);
    } else {
      Atomics.store(v, (this.ctl + ABORT_AT) >>> 2, 1);
      Atomics.add(v, (this.ctl + GEN_AT) >>> 2, 1);
      Atomics.notify(v, (this.ctl + GEN_AT) >>> 2);
    }
    await Promise.all(this.helpers.map((h) => h.terminate()));
    free(this.ctl);
  }
}
