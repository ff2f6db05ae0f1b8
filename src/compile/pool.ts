// Helper threads (init({ threads: n }), n > 1): n - 1 Node worker_threads, or Web Workers in
// Deno or a browser, instantiate the same -threads module on the same shared memory and sit in a
// worker loop of that module (program_worker, assembly/program_threads.ts, for compiled programs),
// doing their share of each run while the calling thread runs its part. They meet at spin
// barriers in wasm. A helper that fails sets the control block's abort flag, so the caller's run
// returns instead of waiting, and check() turns that into one error with the helper's message.
// Leaves out: threads on a page's main thread (a barrier may Atomics.wait: train in a worker),
// and what the threads run (src/compile/threaded.ts).
import { kernels, threadsContext } from '../wasm/load.ts';
import { alloc, free, i32, u8 } from '../wasm/heap.ts';

// Control block byte offsets, as in assembly/program_threads.ts. The block is followed by
// MSG_BYTES where a failing helper leaves its error (an i32 length, then UTF-8), so check() can
// read it at once: a message posted to this thread would arrive only after the step's JS ends.
const CTL_BYTES = 128, GEN_AT = 4, ABORT_AT = 12, RUNS_AT = 20, MSG_AT = CTL_BYTES, MSG_BYTES = 512;

/** What a helper gets: the module and memory to instantiate, its loop, its thread id and the count. */
interface HelperData { module: WebAssembly.Module; memory: WebAssembly.Memory; loop: string; ctl: number; tid: number; nt: number; failForTest: boolean }

// The helper, as plain script source, so that it runs the same from dist/, under tsx and from a
// bundle: helperMain(data, post) instantiates the module, posts 'ready' (or the error that stopped
// it) and runs its loop export. On failure it leaves its message, sets the abort flag and wakes
// the barrier, so the main thread's run returns instead of waiting.
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
    Atomics.add(v, (d.ctl + ${GEN_AT}) >>> 2, 2);
    Atomics.notify(v, (d.ctl + ${GEN_AT}) >>> 2);
  };
  let ex;
  try {
    ex = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports;
  } catch (e) { fail(e); post(String(e)); return; }
  post('ready');
  try {
    if (d.failForTest) throw new Error('helper failure requested by the test');
    ex[d.loop](d.ctl, d.tid, d.nt);
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
 * inside a Web Worker, as Helpers.start() says).
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

/** The exports of a -threads module that run a helper loop: loop(ctl, tid, nt) and quit(ctl, nt). */
export interface HelperLoop { loop: string; quit: string }

/** Running helpers: start(), runs through the loop's module exports with `ctl`, stop(). */
export class Helpers {
  private stopped = false;
  private constructor(readonly ctl: number, readonly threads: number, private readonly quit: string, private readonly helpers: Helper[]) {}

  /**
   * Starts threads - 1 helpers on the module and memory of init({ threads }) in `loop.loop`:
   * Node worker_threads, Deno's Web Workers, or in a browser Web Workers, which needs a
   * cross-origin-isolated page and this call (and the runs) inside a Web Worker, as a run may
   * block in Atomics.wait.
   */
  static async start(loop: HelperLoop, opts: { failForTest?: boolean } = {}): Promise<Helpers> {
    const ctx = threadsContext();
    if (!ctx) throw new Error('wasmgrad: threads need init({ threads: n }) with n > 1 first');
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
    const started = new Helpers(ctl, ctx.threads, loop.quit, helpers);
    try {
      for (let tid = 1; tid < ctx.threads; tid++) {
        const data: HelperData = { module: ctx.module, memory: ctx.memory, loop: loop.loop, ctl, tid, nt: ctx.threads, failForTest: !!opts.failForTest };
        helpers.push(wt ? nodeHelper(wt, data) : webHelper(url!, data));
      }
      await Promise.all(helpers.map((h) => h.ready));
    } catch (e) {
      await started.stop(true);
      throw new Error(`wasmgrad: a helper thread failed to start: ${(e as Error).message ?? e}`);
    } finally {
      if (url) URL.revokeObjectURL(url);
    }
    return started;
  }

  /** Runs the helpers took part in, summed over helpers (program_worker counts them). */
  helperRuns(): number {
    return Atomics.load(i32(), (this.ctl + RUNS_AT) >>> 2);
  }

  /** Whether a helper failed (the runs since then were not completed). */
  aborted(): boolean {
    return Atomics.load(i32(), (this.ctl + ABORT_AT) >>> 2) !== 0;
  }

  /** Throws if a helper failed, with its message. */
  check(): void {
    if (!this.aborted()) return;
    const v = i32();
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
      (kernels() as unknown as Record<string, (ctl: number, nt: number) => void>)[this.quit](this.ctl, this.threads);
    } else {
      Atomics.store(v, (this.ctl + ABORT_AT) >>> 2, 1);
      Atomics.add(v, (this.ctl + GEN_AT) >>> 2, 2);
      Atomics.notify(v, (this.ctl + GEN_AT) >>> 2);
    }
    await Promise.all(this.helpers.map((h) => h.terminate()));
    free(this.ctl);
  }
}
