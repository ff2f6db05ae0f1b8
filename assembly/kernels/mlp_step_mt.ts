// mlp_step_notebook (mlp_step.ts) on several threads sharing one memory: only in the -threads
// builds (assembly/index_threads.ts, asconfig.threads.json). Each of the six matrix products is
// split by rows of its output (so are the element-wise b1 add and tanh); thread 0 (the caller,
// JS's main thread) does the other kernels alone, exactly as the single-threaded step; the
// threads meet at a barrier between dependent stages (8 per step). Row shares start at multiples of 4 (the kernels' row block), so every output
// element goes through the same instructions as in the single-threaded call: the numbers are the
// single-threaded build's bit for bit, whatever the thread count (tests/makemore/threads.test.ts).
// Helpers (tid >= 1) run mlp_worker_loop in a worker until mlp_threads_quit.
// Leaves out: thread creation (src/fused/threads.ts); splitting batch norm and tanh_bn backward by
// columns (they take no column stride, and adding one changed the default builds' code).

import { embedding_forward, embedding_backward } from './embedding';
import { matmul_nn, matmul_nt, stridedA, scalarStrided } from './matmul';
import { add, ema_update } from './elementwise';
import { sum_dim0 } from './reduce';
import { bn_notebook_forward, tanh_bn_notebook_backward } from './batchnorm';
import { tanh_forward } from './tanh';
import { crossentropy_forward, crossentropy_backward } from './cross_entropy';
import { sgd_update } from './sgd';
// The plan's slots, as in mlp_step.ts (not imported: index.ts re-exports all of that file).
const X = 0; const Y = 1; const IX = 2; const XB = 3; const YB = 4;
const C = 5; const W1 = 6; const B1 = 7; const W2 = 8; const B2 = 9; const GAIN = 10; const BIAS = 11;
const RMEAN = 12; const RSTD = 13;
const EMB = 14; const HPRE0 = 15; const HPRE = 16; const HBN = 17; const MEAN = 18; const STD = 19; const HT = 20;
const LOG0 = 21; const LOGITS = 22; const PROBS = 23;
const DC = 24; const DW1 = 25; const DB1 = 26; const DW2 = 27; const DB2 = 28; const DGAIN = 29; const DBIAS = 30;
const DEMBV = 31; const DHPRE = 32; const DH = 33; const DLOGITS = 34;
const PARAMS = 35; const GRADS = 36; const COUNT = 37;
const NB = 38; const NBS = 39; const NE = 40; const NH = 41; const NV = 42;
const KEEP = 43; const MOM = 44;

// @ts-ignore: decorator
@inline function p(plan: usize, slot: i32): usize { return <usize>load<u32>(plan + (<usize>slot << 2)); }
// @ts-ignore: decorator
@inline function n(plan: usize, slot: i32): i32 { return load<i32>(plan + (<usize>slot << 2)); }

// The control block (JS allocates 128 bytes, zeroed): byte offsets.
const COUNT_AT: usize = 0;    // threads arrived at the current barrier
const GEN_AT: usize = 4;      // barrier generation: bumped when the last thread arrives
const SLEEPERS_AT: usize = 8; // threads blocked in wait32 (the releaser notifies only if > 0)
const ABORT_AT: usize = 12;   // set (by JS) when a helper failed: every barrier then returns false
const PLAN_AT: usize = 64;    // the plan of the current step (own cache line)
const LR_AT: usize = 68;      // its learning rate, f32
const QUIT_AT: usize = 72;    // helpers return from mlp_worker_loop

// A barrier costs ~80 ns spinning; wait/notify ~24 µs. Spin about 50-100 µs (longer than any
// stage of the step), then sleep: between steps JS may stay away for milliseconds.
const SPINS = 1 << 16;

/** Waits until all nt threads have arrived. False if the run was aborted. */
function barrier(ctl: usize, nt: i32): bool {
  const gen = atomic.load<i32>(ctl, GEN_AT);
  if (atomic.add<i32>(ctl, 1, COUNT_AT) == nt - 1) {
    atomic.store<i32>(ctl, 0, COUNT_AT);
    atomic.store<i32>(ctl, gen + 1, GEN_AT);
    if (atomic.load<i32>(ctl, SLEEPERS_AT) != 0) atomic.notify(ctl + GEN_AT, nt);
  } else {
    let spins = 0;
    while (atomic.load<i32>(ctl, GEN_AT) == gen) {
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
  }
  return atomic.load<i32>(ctl, ABORT_AT) == 0;
}

/** First row of thread tid's share of M rows: a multiple of 4, so shares start at row blocks. */
// @ts-ignore: decorator
@inline function rowAt(M: i32, tid: i32, nt: i32): i32 {
  return tid >= nt ? M : (<i32>((<i64>M * tid) / nt)) & ~3;
}

// out rows [r0, r1) of matmul_nn(out, a, b, M, K, N): a is row-major, so it is the call itself.
// @ts-ignore: decorator
@inline function nnRows(out: usize, a: usize, b: usize, K: i32, N: i32, r0: i32, r1: i32): void {
  if (r1 > r0) matmul_nn(out + (<usize>r0 * N << 2), a + (<usize>r0 * K << 2), b, r1 - r0, K, N, 0);
}

// out rows [r0, r1) of matmul_nt(out, a, b, M, K, N) (rows of out and a are independent).
// @ts-ignore: decorator
@inline function ntRows(out: usize, a: usize, b: usize, K: i32, N: i32, r0: i32, r1: i32): void {
  if (r1 > r0) matmul_nt(out + (<usize>r0 * N << 2), a + (<usize>r0 * K << 2), b, r1 - r0, K, N, 0);
}

// out rows [r0, r1) of matmul_tn(out, a, b, M, K, N): a is stored (K, M), so its column stride
// stays M; the same dispatch as matmul_tn.
function tnRows(out: usize, a: usize, b: usize, M: i32, K: i32, N: i32, r0: i32, r1: i32): void {
  if (r1 <= r0) return;
  const aks = <usize>M << 2, os = <usize>N << 2;
  const o = out + <usize>r0 * os, ai = a + (<usize>r0 << 2);
  if (ASC_FEATURE_SIMD) {
    if (N >= 4) { stridedA(o, ai, 4, aks, b, r1 - r0, K, N, 0); return; }
  }
  scalarStrided(o, os, ai, 4, aks, b, os, 4, r1 - r0, K, N, 0);
}

// The step after the start barrier, on thread tid of nt; thread 0 gets the loss (others NaN,
// as does every thread when the run is aborted). Order and arguments as mlp_step_notebook.
function stepShare(plan: usize, lr: f32, ctl: usize, tid: i32, nt: i32): f64 {
  const B = n(plan, NB), BS = n(plan, NBS), E = n(plan, NE), H = n(plan, NH), V = n(plan, NV);
  const K = BS * E;
  const main = tid == 0;
  const b0 = rowAt(B, tid, nt), b1 = rowAt(B, tid + 1, nt);
  let loss: f64 = NaN;
  // the bias add is by rows too (element-wise): each thread adds b1 to the rows it just made
  nnRows(p(plan, HPRE0), p(plan, EMB), p(plan, W1), K, H, b0, b1);
  if (b1 > b0) add(p(plan, HPRE) + (<usize>b0 * H << 2), p(plan, HPRE0) + (<usize>b0 * H << 2), p(plan, B1), b1 - b0, H, 1, 0);
  if (!barrier(ctl, nt)) return NaN;
  if (main) {
    bn_notebook_forward(p(plan, HBN), p(plan, MEAN), p(plan, STD), p(plan, HPRE), p(plan, GAIN), p(plan, BIAS), B, H);
    const keep = load<f32>(plan + (<usize>KEEP << 2)), mom = load<f32>(plan + (<usize>MOM << 2));
    ema_update(p(plan, RMEAN), p(plan, MEAN), keep, mom, H);
    ema_update(p(plan, RSTD), p(plan, STD), keep, mom, H);
  }
  if (!barrier(ctl, nt)) return NaN;
  // tanh is element-wise: by rows (shares of whole rows, so of multiples of 4 elements: the
  // same v128 blocks as one call over B*H). Rows of h @ W2 need only the same rows of h, so
  // no barrier between.
  if (b1 > b0) tanh_forward(p(plan, HT) + (<usize>b0 * H << 2), p(plan, HBN) + (<usize>b0 * H << 2), (b1 - b0) * H);
  nnRows(p(plan, LOG0), p(plan, HT), p(plan, W2), H, V, b0, b1);
  if (!barrier(ctl, nt)) return NaN;
  if (main) {
    add(p(plan, LOGITS), p(plan, LOG0), p(plan, B2), B, V, 1, 0);
    loss = crossentropy_forward(p(plan, PROBS), p(plan, LOGITS), p(plan, YB), B, V);
    memory.fill(p(plan, DLOGITS), 0, <usize>(B * V) << 2);
    memory.fill(p(plan, DC), 0, <usize>(n(plan, NV) * E) << 2);
    crossentropy_backward(p(plan, DLOGITS), p(plan, PROBS), p(plan, YB), 1, B, V);
    sum_dim0(p(plan, DB2), p(plan, DLOGITS), B, V, 0);
  }
  if (!barrier(ctl, nt)) return NaN;
  ntRows(p(plan, DH), p(plan, DLOGITS), p(plan, W2), V, H, b0, b1);
  tnRows(p(plan, DW2), p(plan, HT), p(plan, DLOGITS), H, B, V, rowAt(H, tid, nt), rowAt(H, tid + 1, nt));
  if (!barrier(ctl, nt)) return NaN;
  if (main) {
    tanh_bn_notebook_backward(p(plan, DHPRE), p(plan, DGAIN), p(plan, DBIAS), p(plan, DB1), p(plan, DH), p(plan, HT),
      p(plan, HPRE), p(plan, GAIN), p(plan, MEAN), p(plan, STD), B, H);
  }
  if (!barrier(ctl, nt)) return NaN;
  ntRows(p(plan, DEMBV), p(plan, DHPRE), p(plan, W1), H, K, b0, b1);
  tnRows(p(plan, DW1), p(plan, EMB), p(plan, DHPRE), K, B, H, rowAt(K, tid, nt), rowAt(K, tid + 1, nt));
  if (!barrier(ctl, nt)) return NaN;
  if (main) {
    embedding_backward(p(plan, DC), p(plan, DEMBV), p(plan, XB), B * BS, E);
    sgd_update(p(plan, PARAMS), p(plan, GRADS), lr, n(plan, COUNT));
  }
  return loss;
}

// One training step on nt threads, called by thread 0 (JS's main thread) while the helpers sit
// in mlp_worker_loop: the same numbers as mlp_step_notebook(plan, lr). NaN if aborted.
export function mlp_step_mt(plan: usize, lr: f32, ctl: usize, nt: i32): f64 {
  const B = n(plan, NB), BS = n(plan, NBS), E = n(plan, NE);
  store<u32>(ctl + PLAN_AT, <u32>plan);
  store<f32>(ctl + LR_AT, lr);
  embedding_forward(p(plan, XB), p(plan, X), p(plan, IX), B, BS);
  embedding_forward(p(plan, YB), p(plan, Y), p(plan, IX), B, 1);
  embedding_forward(p(plan, EMB), p(plan, C), p(plan, XB), B * BS, E);
  // the start barrier: the helpers read the plan after it
  if (!barrier(ctl, nt)) return NaN;
  return stepShare(plan, lr, ctl, 0, nt);
}

// A helper thread (tid 1..nt-1): runs its share of every step until mlp_threads_quit.
// Returns 0 on quit, 1 if aborted.
export function mlp_worker_loop(ctl: usize, tid: i32, nt: i32): i32 {
  while (true) {
    if (!barrier(ctl, nt)) return 1;
    if (atomic.load<i32>(ctl, QUIT_AT) != 0) return 0;
    const plan = <usize>load<u32>(ctl + PLAN_AT), lr = load<f32>(ctl + LR_AT);
    stepShare(plan, lr, ctl, tid, nt);
    if (atomic.load<i32>(ctl, ABORT_AT) != 0) return 1;
  }
  return 0;
}

// Called by thread 0 between steps: releases the helpers from mlp_worker_loop.
export function mlp_threads_quit(ctl: usize, nt: i32): void {
  atomic.store<i32>(ctl, 1, QUIT_AT);
  barrier(ctl, nt);
}

