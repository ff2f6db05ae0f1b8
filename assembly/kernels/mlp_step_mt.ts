// mlp_step_notebook (mlp_step.ts) on several threads sharing one memory: only in the -threads
// builds (assembly/index_threads.ts, asconfig.threads.json). Every stage is split: the minibatch
// gather, the six matrix products (with their bias adds), tanh and the loss by rows of the batch
// (or of the output), batch norm forward and backward by features, SGD by slices of the parameter
// block; thread 0 (the caller, JS's main thread) also does the few small kernels that need all
// rows (the loss sum, db2, the embedding scatter). The threads meet at a barrier between
// dependent stages (8 per step, the last one before returning to JS). Each row, feature or
// parameter goes through the same instructions as in the single-threaded call, whatever share it
// falls in, so the numbers are the single-threaded build's bit for bit for any thread count
// (tests/makemore/threads.test.ts).
// Helpers (tid >= 1) run mlp_worker_loop in a worker until mlp_threads_quit.
// Leaves out: thread creation (src/fused/threads.ts).

import { embedding_forward, embedding_backward } from './embedding';
import { matmulNNBias, matmul_nt, stridedA, scalarStrided } from './matmul';
import { ema_update } from './elementwise';
import { sum_dim0 } from './reduce';
import { bnNotebookForwardCols, tanhBnNotebookBackwardCols } from './batchnorm';
import { tanh_forward } from './tanh';
import { crossentropyRows, crossentropyBackwardRows } from './cross_entropy';
import { sgd_update } from './sgd';
// The plan's slots, as in mlp_step.ts (not imported: index.ts re-exports all of that file).
const X = 0; const Y = 1; const IX = 2; const XB = 3; const YB = 4;
const C = 5; const W1 = 6; const B1 = 7; const W2 = 8; const B2 = 9; const GAIN = 10; const BIAS = 11;
const RMEAN = 12; const RSTD = 13;
const EMB = 14; const HPRE = 15; const HBN = 16; const MEAN = 17; const STD = 18; const HT = 19;
const LOGITS = 20; const PROBS = 21;
const DC = 22; const DW1 = 23; const DB1 = 24; const DW2 = 25; const DB2 = 26; const DGAIN = 27; const DBIAS = 28;
const DEMBV = 29; const DHPRE = 30; const DH = 31; const DLOGITS = 32;
const PARAMS = 33; const GRADS = 34; const COUNT = 35;
const NB = 36; const NBS = 37; const NE = 38; const NH = 39; const NV = 40;
const KEEP = 41; const MOM = 42; const ROWLOSS = 43;

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

/** First row of thread tid's share of M rows: the multiple of 4 nearest M*tid/nt, so shares start at row blocks. */
// @ts-ignore: decorator
@inline function rowAt(M: i32, tid: i32, nt: i32): i32 {
  return tid >= nt ? M : min(M, (<i32>((<i64>M * tid) / nt) + 2) & ~3);
}

// out rows [r0, r1) of matmulNNBias(out, a, b, bias, M, K, N): a is row-major, so it is the call itself.
// @ts-ignore: decorator
@inline function nnRows(out: usize, a: usize, b: usize, bias: usize, K: i32, N: i32, r0: i32, r1: i32): void {
  if (r1 > r0) matmulNNBias(out + (<usize>r0 * N << 2), a + (<usize>r0 * K << 2), b, bias, r1 - r0, K, N);
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
    if (N >= 4) { stridedA(o, ai, 4, aks, b, r1 - r0, K, N, 0, 0); return; }
  }
  scalarStrided(o, os, ai, 4, aks, b, os, 4, r1 - r0, K, N, 0, 0);
}

// The step after the start barrier, on thread tid of nt; thread 0 gets the loss (others NaN,
// as does every thread when the run is aborted). Order and arguments as mlp_step_notebook.
// Each thread takes a share of every stage: batch rows (products with their biases, tanh, the loss),
// features (batch norm both ways, the running statistics) or a slice of the parameter block (SGD).
function stepShare(plan: usize, lr: f32, ctl: usize, tid: i32, nt: i32): f64 {
  const B = n(plan, NB), BS = n(plan, NBS), E = n(plan, NE), H = n(plan, NH), V = n(plan, NV);
  const K = BS * E;
  const main = tid == 0;
  const b0 = rowAt(B, tid, nt), b1 = rowAt(B, tid + 1, nt);  // batch rows
  const h0 = rowAt(H, tid, nt), h1 = rowAt(H, tid + 1, nt);  // features
  const rowsBH = <usize>b0 * H << 2, rowsBV = <usize>b0 * V << 2;
  let loss: f64 = NaN;
  // the minibatch, by rows: Xb = X[ix], Yb = Y[ix], emb = C[Xb]
  if (b1 > b0) {
    const r = b1 - b0, ix = p(plan, IX) + (<usize>b0 << 2), xb = p(plan, XB) + (<usize>(b0 * BS) << 2);
    embedding_forward(xb, p(plan, X), ix, r, BS, 0x7fffffff, 0);
    embedding_forward(p(plan, YB) + (<usize>b0 << 2), p(plan, Y), ix, r, 1, 0x7fffffff, 0);
    embedding_forward(p(plan, EMB) + (<usize>(b0 * K) << 2), p(plan, C), xb, r * BS, E, 0x7fffffff, 0);
  }
  // hpre = emb @ W1 + b1, by rows
  nnRows(p(plan, HPRE), p(plan, EMB), p(plan, W1), p(plan, B1), K, H, b0, b1);
  if (!barrier(ctl, nt)) return NaN;
  // batch norm and the running statistics, by features
  if (h1 > h0) {
    bnNotebookForwardCols(p(plan, HBN), p(plan, MEAN), p(plan, STD), p(plan, HPRE), p(plan, GAIN), p(plan, BIAS), B, H, h0, h1);
    const keep = load<f32>(plan + (<usize>KEEP << 2)), mom = load<f32>(plan + (<usize>MOM << 2));
    const f = <usize>h0 << 2;
    ema_update(p(plan, RMEAN) + f, p(plan, MEAN) + f, keep, mom, h1 - h0);
    ema_update(p(plan, RSTD) + f, p(plan, STD) + f, keep, mom, h1 - h0);
  }
  if (!barrier(ctl, nt)) return NaN;
  // tanh, logits, each row's loss and dlogits, by rows: row r of each needs only row r before it
  if (b1 > b0) {
    tanh_forward(p(plan, HT) + rowsBH, p(plan, HBN) + rowsBH, (b1 - b0) * H);
    nnRows(p(plan, LOGITS), p(plan, HT), p(plan, W2), p(plan, B2), H, V, b0, b1);
    crossentropyRows(p(plan, PROBS), p(plan, LOGITS), p(plan, YB), p(plan, ROWLOSS), b0, b1, V);
    memory.fill(p(plan, DLOGITS) + rowsBV, 0, <usize>((b1 - b0) * V) << 2);
    crossentropyBackwardRows(p(plan, DLOGITS), p(plan, PROBS), p(plan, YB), <f32>1 / <f32>B, b0, b1, V);
  }
  if (main) memory.fill(p(plan, DC), 0, <usize>(V * E) << 2);
  if (!barrier(ctl, nt)) return NaN;
  if (main) {
    // the loss as crossentropy_forward sums it; db2 = column sums of dlogits
    let total: f64 = 0;
    for (let b = 0; b < B; b++) total += load<f64>(p(plan, ROWLOSS) + (<usize>b << 3));
    loss = total / <f64>B;
    sum_dim0(p(plan, DB2), p(plan, DLOGITS), B, V, 0);
  }
  ntRows(p(plan, DH), p(plan, DLOGITS), p(plan, W2), V, H, b0, b1);
  tnRows(p(plan, DW2), p(plan, HT), p(plan, DLOGITS), H, B, V, h0, h1);
  if (!barrier(ctl, nt)) return NaN;
  // tanh and batch norm backward, by features
  if (h1 > h0) {
    tanhBnNotebookBackwardCols(p(plan, DHPRE), p(plan, DGAIN), p(plan, DBIAS), p(plan, DB1), p(plan, DH), p(plan, HT),
      p(plan, HPRE), p(plan, GAIN), p(plan, MEAN), p(plan, STD), B, H, h0, h1);
  }
  if (!barrier(ctl, nt)) return NaN;
  ntRows(p(plan, DEMBV), p(plan, DHPRE), p(plan, W1), H, K, b0, b1);
  tnRows(p(plan, DW1), p(plan, EMB), p(plan, DHPRE), K, B, H, rowAt(K, tid, nt), rowAt(K, tid + 1, nt));
  if (!barrier(ctl, nt)) return NaN;
  // SGD by slices of the packed block; C (first in it) is thread 0's, after dC is complete
  if (main) embedding_backward(p(plan, DC), p(plan, DEMBV), p(plan, XB), B * BS, E, 0x7fffffff, 0);
  const count = n(plan, COUNT);
  const s0 = sgdAt(count, V * E, tid, nt), s1 = sgdAt(count, V * E, tid + 1, nt);
  if (s1 > s0) sgd_update(p(plan, PARAMS) + (<usize>s0 << 2), p(plan, GRADS) + (<usize>s0 << 2), lr, s1 - s0);
  // the end barrier: JS may read the parameters as soon as mlp_step_mt returns
  if (!barrier(ctl, nt)) return NaN;
  return loss;
}

/** First float of thread tid's SGD slice of count: thread 0's slice holds the first c floats (C). */
// @ts-ignore: decorator
@inline function sgdAt(count: i32, c: i32, tid: i32, nt: i32): i32 {
  return tid == 0 ? 0 : tid >= nt ? count : min(count, max((c + 3) & ~3, rowAt(count, tid, nt)));
}

// One training step on nt threads, called by thread 0 (JS's main thread) while the helpers sit
// in mlp_worker_loop: the same numbers as mlp_step_notebook(plan, lr). NaN if aborted.
export function mlp_step_mt(plan: usize, lr: f32, ctl: usize, nt: i32): f64 {
  store<u32>(ctl + PLAN_AT, <u32>plan);
  store<f32>(ctl + LR_AT, lr);
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

