// A compiled program run on several threads sharing one memory (the -threads builds only,
// assembly/index_threads.ts): the same command buffer program_run walks alone, plus a plan that
// src/compile/thread_plan.ts writes once per program. Every thread walks every command: a split
// command runs the thread's share of its units (the bounds are in the plan), any other runs on
// thread 0 alone, and the threads meet at a spin barrier where the plan says so (only where a
// thread reads or writes what another wrote since the last one), at the start and at the end.
// What a thread runs of a split kernel is generated from the kernels' directives (_program_threads.ts).
// Helpers (tid >= 1) sit in program_worker in a worker until program_quit.
// Leaves out: thread creation and the choice to run threaded (src/compile/pool.ts, threaded.ts).
import { STATUS, setCommand } from './status';
import { program_run } from './_program';
import { runShare } from './_program_threads';

// The control block (JS allocates 128 bytes, zeroed): byte offsets.
const COUNT_AT: usize = 0;    // threads arrived at the current barrier
const GEN_AT: usize = 4;      // barrier generation: +2 when the last thread arrives, low bit = stop
const SLEEPERS_AT: usize = 8; // threads blocked in wait32 (the releaser notifies only if > 0)
const ABORT_AT: usize = 12;   // set (by JS or a failing helper): every barrier then returns false
const QUIT_AT: usize = 16;    // helpers return from program_worker
const RUNS_AT: usize = 20;    // runs the helpers took part in, summed over helpers (for tests)
const CMD_AT: usize = 64;     // the program of the current run (own cache line): commands,
const COUNT_CMDS_AT: usize = 68; // their number,
const PLAN_AT: usize = 72;    // and the plan

// The plan: per command, i32 words [command's byte offset, flags, nt + 1 share bounds].
const BARRIER = 1; // the threads meet before this command
const SPLIT = 2;   // each thread runs units [bound[tid], bound[tid + 1]); else thread 0 runs it whole

// What a run returns: -1 done, >= 0 the command that recorded a failure, ABORTED a helper failed.
const ABORTED = -2;

// A barrier costs ~80 ns spinning; wait/notify ~24 µs. Spin about 50-100 µs (longer than any
// command), then sleep: between steps JS may stay away for milliseconds.
const SPINS = 1 << 16;

/**
 * Waits until all nt threads have arrived. False if the run stops here: a helper failed (abort),
 * or a kernel recorded a failure in the status word before this barrier. The last thread to
 * arrive decides the stop and publishes it with the generation, so every thread sees the same
 * answer, even one that leaves the barrier late.
 */
function barrier(ctl: usize, nt: i32): bool {
  const gen = atomic.load<i32>(ctl, GEN_AT);
  if (atomic.add<i32>(ctl, 1, COUNT_AT) == nt - 1) {
    atomic.store<i32>(ctl, 0, COUNT_AT);
    const stop = atomic.load<i32>(STATUS) != 0 ? 1 : 0;
    atomic.store<i32>(ctl, (gen & ~1) + 2 + stop, GEN_AT);
    if (atomic.load<i32>(ctl, SLEEPERS_AT) != 0) atomic.notify(ctl + GEN_AT, nt);
    return stop == 0 && atomic.load<i32>(ctl, ABORT_AT) == 0;
  }
  let spins = 0;
  let now = gen;
  while ((now = atomic.load<i32>(ctl, GEN_AT)) == gen) {
    if (atomic.load<i32>(ctl, ABORT_AT) != 0) return false;
    if (++spins >= SPINS) {
      atomic.add<i32>(ctl, 1, SLEEPERS_AT);
      // NOTE: the result is used (it sets the next spin count): Node 20's baseline compiler hung
      // on wasm that dropped it. The 1 s timeout only bounds how long a lost wake-up could last.
      const r = memory.atomic.wait32(ctl + GEN_AT, gen, 1_000_000_000);
      atomic.sub<i32>(ctl, 1, SLEEPERS_AT);
      spins = r == AtomicWaitResult.TIMED_OUT ? SPINS - 1 : 0;
    }
  }
  return (now & 1) == 0 && atomic.load<i32>(ctl, ABORT_AT) == 0;
}

// Why a run stopped at a barrier: a helper failed, or the command whose kernel failed.
function stopped(ctl: usize): i32 {
  return atomic.load<i32>(ctl, ABORT_AT) != 0 ? ABORTED : atomic.load<i32>(STATUS, 12);
}

// Thread tid's part of a run, after the start barrier, to the end barrier included. A thread that
// sees a failure in the status word runs no more commands but still meets the others at the
// barriers, the next of which stops them all (the plan keeps anything that outlives the run, such
// as parameters, from being written between a kernel that may fail and the next barrier).
function runPart(cmd: usize, n: i32, plan: usize, ctl: usize, tid: i32, nt: i32): i32 {
  const stride = <usize>(nt + 3) << 2;
  const bound = <usize>(2 + tid) << 2;
  let failed = false;
  for (let c = 0; c < n; c++, plan += stride) {
    const flags = load<i32>(plan, 4);
    if (flags & BARRIER) {
      if (!barrier(ctl, nt)) return stopped(ctl);
    }
    if (failed) continue;
    const p = cmd + <usize>load<u32>(plan);
    if (flags & SPLIT) {
      const u0 = load<i32>(plan + bound), u1 = load<i32>(plan + bound, 4);
      if (u1 > u0) {
        setCommand(c);
        runShare(p, u0, u1);
      }
    } else if (tid == 0) {
      setCommand(c);
      program_run(p, 1);
    }
    if (atomic.load<i32>(STATUS) != 0) failed = true;
  }
  // the end barrier: JS may read anything as soon as the run returns
  if (!barrier(ctl, nt)) return stopped(ctl);
  return -1;
}

/**
 * Runs n commands from cmd with the plan on nt threads, called by thread 0 (JS's thread) while
 * the helpers sit in program_worker. Returns -1, or the index of the command whose kernel
 * recorded a failure (no command runs after the next barrier), or -2 if a helper failed.
 */
export function program_run_threads(cmd: usize, n: i32, plan: usize, ctl: usize, nt: i32): i32 {
  store<u32>(ctl + CMD_AT, <u32>cmd);
  store<i32>(ctl + COUNT_CMDS_AT, n);
  store<u32>(ctl + PLAN_AT, <u32>plan);
  // the start barrier: the helpers read the program after it
  if (!barrier(ctl, nt)) return stopped(ctl);
  return runPart(cmd, n, plan, ctl, 0, nt);
}

/** A helper thread (tid 1..nt-1): its part of every run until program_quit. 0 on quit, 1 if aborted. */
export function program_worker(ctl: usize, tid: i32, nt: i32): i32 {
  while (true) {
    const go = barrier(ctl, nt);
    if (atomic.load<i32>(ctl, ABORT_AT) != 0) return 1;
    if (atomic.load<i32>(ctl, QUIT_AT) != 0) return 0;
    if (!go) continue; // stopped at the start (thread 0 returns too)
    atomic.add<i32>(ctl, 1, RUNS_AT); // (before the run's end barrier, so thread 0 sees it after it)
    runPart(<usize>load<u32>(ctl + CMD_AT), load<i32>(ctl + COUNT_CMDS_AT), <usize>load<u32>(ctl + PLAN_AT), ctl, tid, nt);
  }
  return 0;
}

/** Called by thread 0 between runs: releases the helpers from program_worker. */
export function program_quit(ctl: usize, nt: i32): void {
  atomic.store<i32>(ctl, 1, QUIT_AT);
  barrier(ctl, nt);
}
