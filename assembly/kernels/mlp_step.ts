// The notebook's whole batch-norm training step (makemore part 3, In[29]) in one call: minibatch
// gather, forward, loss, backward, SGD. It runs the eager engine's kernels (src/makemore/model.ts
// loss(), the tape's backward(), optim.SGD) in their order with their arguments, except that one
// fused kernel does tanh's and batch norm's backward with the same float32 operations
// (tanh_bn_notebook_backward in batchnorm.ts) and the tape's copies are left out, so its numbers
// are the eager path's bit for bit on every build (tests/kernels/mlp_step.test.ts,
// tests/makemore/fused_step.test.ts).
// Leaves out: allocation (JS lays out every buffer once, src/fused/mlp_step.ts) and validation
// (the indices come from randint over the rows, the data were checked when loaded).

import { embedding_forward, embedding_backward } from './embedding';
import { matmulNNBias, matmul_nt, matmul_tn } from './matmul';
import { ema_update } from './elementwise';
import { sum_dim0 } from './reduce';
import { bn_notebook_forward, tanh_bn_notebook_backward } from './batchnorm';
import { tanh_forward } from './tanh';
import { crossentropyMean, crossentropyBackwardRows } from './cross_entropy';
import { sgd_update } from './sgd';

// The plan: one i32 (or f32) slot per pointer or size, written by JS once. Pointers are bytes.
// Slots and their order are mirrored in src/fused/mlp_step.ts (enum S); keep the two in step.
// data
const X = 0;        // X_train (n, BS) i32
const Y = 1;        // Y_train (n) i32
const IX = 2;       // batch row indices (B) i32, written by JS before each call
const XB = 3;       // Xb (B, BS) i32
const YB = 4;       // Yb (B) i32
// parameters (views into the packed block) and running statistics
const C = 5; const W1 = 6; const B1 = 7; const W2 = 8; const B2 = 9; const GAIN = 10; const BIAS = 11;
const RMEAN = 12; const RSTD = 13;
// activations
const EMB = 14;     // C[Xb] (B, BS, E) = (B, K)
const HPRE = 15;    // emb @ W1 + b1 (B, H)
const HBN = 16;     // batch norm (B, H)
const MEAN = 17;    // batch mean (H)
const STD = 18;     // batch std (H)
const HT = 19;      // tanh (B, H)
const LOGITS = 20;  // h @ W2 + b2 (B, V)
const PROBS = 21;   // softmax (B, V)
// gradients of the parameters (views into the packed gradient block)
const DC = 22; const DW1 = 23; const DB1 = 24; const DW2 = 25; const DB2 = 26; const DGAIN = 27; const DBIAS = 28;
// gradients of the activations
const DEMBV = 29; const DHPRE = 30; const DH = 31; const DLOGITS = 32;
const PARAMS = 33; const GRADS = 34; const COUNT = 35; // the packed blocks and their size in floats
// sizes and constants
const NB = 36; const NBS = 37; const NE = 38; const NH = 39; const NV = 40;
const KEEP = 41; const MOM = 42; // f32: running-statistics weights, f32(1 - momentum) and f32(momentum)
// (slot 43, ROWLOSS: each row's loss (B) f64, is the threaded step's only: mlp_step_mt.ts)
// 44 slots in all.

// @ts-ignore: decorator
@inline function p(plan: usize, slot: i32): usize { return <usize>load<u32>(plan + (<usize>slot << 2)); }
// @ts-ignore: decorator
@inline function n(plan: usize, slot: i32): i32 { return load<i32>(plan + (<usize>slot << 2)); }

// One training step at learning rate lr; returns the minibatch loss (f64, as
// crossentropy_forward gives it: the eager path stores it as f32, so round it the same way).
// The order below is model.loss()'s forward, then the tape in reverse (CE, +b2, @W2, tanh,
// batch norm, +b1, @W1, view, embedding), then SGD: see src/makemore/model.ts, src/ops/*.ts.
export function mlp_step_notebook(plan: usize, lr: f32): f64 {
  const B = n(plan, NB), BS = n(plan, NBS), E = n(plan, NE), H = n(plan, NH), V = n(plan, NV);
  const K = BS * E;
  // forward: Xb = X[ix], Yb = Y[ix], emb = C[Xb]
  embedding_forward(p(plan, XB), p(plan, X), p(plan, IX), B, BS, 0x7fffffff, 0);
  embedding_forward(p(plan, YB), p(plan, Y), p(plan, IX), B, 1, 0x7fffffff, 0);
  embedding_forward(p(plan, EMB), p(plan, C), p(plan, XB), B * BS, E, 0x7fffffff, 0);
  // hpre = emb.view(B, K) @ W1 + b1 (the bias added as the product is stored: the same bits)
  matmulNNBias(p(plan, HPRE), p(plan, EMB), p(plan, W1), p(plan, B1), B, K, H);
  // batch norm (notebook flavour) and the running statistics
  // NOTE: a bn + tanh kernel in one sweep (no hbn buffer) was tried: 10-15% slower than these two,
  // as tanh's 13 constants and the 4 statistics vectors do not fit V8's 15 vector registers.
  bn_notebook_forward(p(plan, HBN), p(plan, MEAN), p(plan, STD), p(plan, HPRE), p(plan, GAIN), p(plan, BIAS), B, H);
  const keep = load<f32>(plan + (<usize>KEEP << 2)), mom = load<f32>(plan + (<usize>MOM << 2));
  ema_update(p(plan, RMEAN), p(plan, MEAN), keep, mom, H);
  ema_update(p(plan, RSTD), p(plan, STD), keep, mom, H);
  // logits = tanh(hbn) @ W2 + b2; loss
  tanh_forward(p(plan, HT), p(plan, HBN), B * H);
  matmulNNBias(p(plan, LOGITS), p(plan, HT), p(plan, W2), p(plan, B2), B, H, V);
  const loss = crossentropyMean(p(plan, PROBS), p(plan, LOGITS), p(plan, YB), B, V);

  // backward. The tape zeroes each gradient and accumulates into it (0 + x); here the first
  // write overwrites instead, which gives the same bits because none of these kernels ever
  // produces -0 (the only x where 0 + x differs from x): their sums start from +0. The tape's
  // copies through view and the bias adds (0 + (x + 0)) are dropped for the same reason.
  memory.fill(p(plan, DLOGITS), 0, <usize>(B * V) << 2);
  memory.fill(p(plan, DC), 0, <usize>(n(plan, NV) * E) << 2);
  crossentropyBackwardRows(p(plan, DLOGITS), p(plan, PROBS), p(plan, YB), <f32>1 / <f32>B, 0, B, V);
  sum_dim0(p(plan, DB2), p(plan, DLOGITS), B, V, 0);
  matmul_nt(p(plan, DH), p(plan, DLOGITS), p(plan, W2), B, V, H, 0);
  matmul_tn(p(plan, DW2), p(plan, HT), p(plan, DLOGITS), H, B, V, 0);
  tanh_bn_notebook_backward(p(plan, DHPRE), p(plan, DGAIN), p(plan, DBIAS), p(plan, DB1), p(plan, DH), p(plan, HT),
    p(plan, HPRE), p(plan, GAIN), p(plan, MEAN), p(plan, STD), B, H);
  matmul_nt(p(plan, DEMBV), p(plan, DHPRE), p(plan, W1), B, H, K, 0);
  matmul_tn(p(plan, DW1), p(plan, EMB), p(plan, DHPRE), K, B, H, 0);
  embedding_backward(p(plan, DC), p(plan, DEMBV), p(plan, XB), B * BS, E, 0x7fffffff, 0);

  // SGD over the packed block
  sgd_update(p(plan, PARAMS), p(plan, GRADS), lr, n(plan, COUNT));
  return loss;
}
