// Compiled programs on several threads: the helper threads they share (started once, after
// init({ threads: n }) loaded a -threads build), and each program's runner, which runs a call on
// the threads or on this thread alone (program_run_threads or program_run: the same commands, so
// the same numbers bit for bit), as the program's `threads` option and the timing trials of
// ThreadChoice decide. Each program's thread plan (src/compile/thread_plan.ts) is made at its first
// threaded call.
// Leaves out: capture and replay (compile.ts), what a kernel's share is (its directives).
import { wasmKernels as kernels, threadsContext } from '../wasm/load.ts';
import { f64, free } from '../wasm/heap.ts';
import { Helpers } from './pool.ts';
import { ThreadChoice } from './thread_choice.ts';
import { planThreads, meetsAny, loadDirectives, type PlanCommand, type ThreadPlan } from './thread_plan.ts';

interface ThreadedKernels {
  program_run(cmd: number, n: number): number;
  program_run_threads(cmd: number, n: number, plan: number, ctl: number, nt: number): number;
}

/** How a compiled function uses the helper threads (startThreads()). */
export type ThreadMode = 'auto' | 'always' | 'never';

/** A program's thread plan in short: threads, barriers per call besides the start and end ones, commands split and on thread 0 alone. */
export interface ThreadPlanInfo { threads: number; barriers: number; split: number; serial: number }

const LOOP = { loop: 'program_worker', quit: 'program_quit' };
const ABORTED = -2;
let pool: Helpers | null = null;
let starting: Promise<Helpers> | null = null;

/**
 * Starts the helper threads that compiled steps run on: init({ threads: n }) with n > 1 loads the
 * shared-memory build, and this starts its n - 1 helpers (Node worker_threads, or Web Workers in
 * Deno and browsers, where the training must itself run in a Web Worker). Until stopThreads(),
 * every compiled function runs on them whenever timing trials show that is faster (the numbers
 * are the same either way). Idle helpers sleep; Deno waits for running helpers before it exits.
 * @example
 *   await init({ threads: 2 });
 *   await startThreads();
 *   const step = compile(trainStep);   // now runs on 2 threads
 *   ...
 *   await stopThreads();
 */
export async function startThreads(opts: { failForTest?: boolean } = {}): Promise<void> {
  if (pool) return;
  if (!threadsContext()) throw new Error('wasmgrad: startThreads() needs init({ threads: n }) with n > 1 first');
  await loadDirectives();
  starting ??= Helpers.start(LOOP, opts).finally(() => { starting = null; });
  pool = await starting;
}

/** Ends the helper threads (compiled functions then run on this thread alone). Safe to call twice. */
export async function stopThreads(): Promise<void> {
  const p = pool ?? (starting ? await starting.catch(() => null) : null);
  pool = null;
  await p?.stop();
}

/** Threads compiled functions run on now (1, or init()'s count while the helpers run), and the helpers' runs so far. */
export function threadsStatus(): { threads: number; helperRuns: number } {
  return { threads: pool ? pool.threads : 1, helperRuns: pool ? pool.helperRuns() : 0 };
}

const plans = new FinalizationRegistry<number>((ptr) => free(ptr));
let lastMade: WeakRef<ProgramRunner> | null = null;

/** The commands of the program captured last (for tests/compile/footprint.test.ts). */
export function lastProgram(): { cmdPtr: number; commands: PlanCommand[] } | null {
  const r = lastMade?.deref();
  return r ? r.program() : null;
}

/** One compiled program's runs, threaded or not (counted in `stats`, shared by a compiled function's programs). */
export class ProgramRunner {
  private readonly choice = new ThreadChoice();
  private plan: ThreadPlan | null = null;
  private planPool: Helpers | null = null;
  /** The input copies' addresses: their sources are bound at every call. */
  private readonly inputs: number[];

  /**
   * The program's commands (in the block at cmdPtr), the blocks [ptr, bytes) the step made (its
   * buffers, gradients and command block), its threads option and its function's counts.
   */
  constructor(private readonly cmdPtr: number, private readonly commands: PlanCommand[], private readonly made: [number, number][],
    private readonly mode: ThreadMode, private readonly stats: { calls: number; threadedCalls: number }) {
    this.inputs = commands.filter((c) => c.input).map((c) => (c.name === 'copy' ? c.at : -1));
    lastMade = new WeakRef(this);
  }

  program(): { cmdPtr: number; commands: PlanCommand[] } {
    return { cmdPtr: this.cmdPtr, commands: this.commands };
  }

  /** The plan for the running helpers (made at the first threaded call), or null. */
  threadPlan(): ThreadPlan | null {
    if (pool && this.planPool !== pool) {
      if (!this.plan || this.plan.threads !== pool.threads) {
        this.plan = planThreads(this.cmdPtr, this.commands, this.made, pool.threads);
        plans.register(this, this.plan.ptr);
      }
      this.planPool = pool;
    }
    return pool ? this.plan : null;
  }

  /** The plan made for the helpers, in short (null before the first threaded call). */
  planInfo(): ThreadPlanInfo | null {
    const p = this.plan;
    return p ? { threads: p.threads, barriers: p.barriers, split: p.split, serial: p.serial } : null;
  }

  /** Runs the program once; returns -1, or the index of the command that reported bad data. */
  run(): number {
    const k = kernels() as unknown as ThreadedKernels;
    const n = this.commands.length;
    this.stats.calls++;
    const p = pool;
    if (!p || this.mode === 'never' || this.inputsWritten()) return k.program_run(this.cmdPtr, n);
    const plan = this.threadPlan()!;
    const auto = this.mode === 'auto';
    const threaded = auto ? this.choice.threads() : true;
    const t0 = auto ? performance.now() : 0;
    const failed = threaded ? k.program_run_threads(this.cmdPtr, n, plan.ptr, p.ctl, p.threads) : k.program_run(this.cmdPtr, n);
    if (auto) this.choice.record(threaded, performance.now() - t0);
    if (failed === ABORTED) {
      pool = null;
      p.stop(true).catch(() => {});
      p.check();
    }
    if (threaded) this.stats.threadedCalls++;
    return failed;
  }

  /** Whether an argument bound this call lies where the program writes (then it runs on one thread). */
  private inputsWritten(): boolean {
    if (!this.inputs.length) return false;
    const written = this.threadPlan()!.written, mem = f64();
    for (const at of this.inputs) {
      if (at < 0) return true; // (an input copy other than copy(dst, src, n): not checked, so one thread)
      const src = mem[(at + 16) >>> 3], count = mem[(at + 24) >>> 3];
      if (meetsAny(written, src, src + 4 * count)) return true;
    }
    return false;
  }
}
