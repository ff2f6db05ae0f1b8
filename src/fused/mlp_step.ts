// The notebook's batch-norm MLP training step captured as one wasm call (mlp_step_notebook,
// assembly/kernels/mlp_step.ts): every buffer is laid out once here, and each step JS only
// draws the batch indices and passes the learning rate. Same kernels, same order and same
// arguments as the eager path (model.loss(); backward(); SGD), so the numbers are identical.
// Leaves out: models of another shape (no batch norm, other layers): those train eagerly.
import { Tensor, fmtShape } from '../tensor.ts';
import { kernels } from '../wasm/load.ts';
import { alloc, free, f32, i32 } from '../wasm/heap.ts';
import { packParameters, stillPacked, type Packed } from '../optim/pack.ts';
import type { Generator } from '../random/generator.ts';
import type { StepThreads, ThreadKernels } from './threads.ts';
import { ThreadChoice } from '../compile/thread_choice.ts';

/** The notebook's tensors (In[28]); parameters in its order, then the running statistics. */
export interface NotebookMLPTensors {
  C: Tensor; W1: Tensor; b1: Tensor; W2: Tensor; b2: Tensor; bngain: Tensor; bnbias: Tensor;
  bnmeanRunning: Tensor; bnstdRunning: Tensor;
}

// Slots of the plan, as in assembly/kernels/mlp_step.ts.
/** @internal */
export enum S {
  X, Y, IX, XB, YB, C, W1, B1, W2, B2, GAIN, BIAS, RMEAN, RSTD,
  EMB, HPRE, HBN, MEAN, STD, HT, LOGITS, PROBS,
  DC, DW1, DB1, DW2, DB2, DGAIN, DBIAS,
  DEMBV, DHPRE, DH, DLOGITS,
  PARAMS, GRADS, COUNT, NB, NBS, NE, NH, NV, KEEP, MOM, ROWLOSS, SLOTS,
}

// The step's buffers are one block, returned to the heap when the step object is collected.
const finalizer = new FinalizationRegistry<number>((ptr) => free(ptr));

/**
 * One training step of the notebook's batch-norm MLP (makemore part 3) in a single kernel call,
 * bit-identical to running it eagerly (`F.crossEntropy(...)`, `backward()`, `optim.SGD` with
 * `fma: false`): the minibatch gather, forward, running statistics, backward and
 * `p.data += -lr * p.grad`.
 * The parameters are packed into one block (as optim.SGD does); their `.grad` holds the last
 * step's gradients afterwards.
 * @example
 *   const step = new NotebookMLPStep({ C, W1, b1, W2, b2, bngain, bnbias, bnmeanRunning, bnstdRunning }, Xtr, Ytr, { batchSize: 32 });
 *   for (let i = 0; i < 200000; i++) loss = step.step(g, i < 100000 ? 0.1 : 0.01);
 */
export class NotebookMLPStep {
  readonly batchSize: number;
  private readonly params: Tensor[];
  private packed!: Packed;
  private readonly plan: number;
  private readonly ix: number;
  private readonly ixHost: Int32Array;
  private readonly rows: number;
  /** Helper threads (init({ threads }) and StepThreads.start()), or null for one thread. */
  threads: StepThreads | null = null;
  /**
   * With threads: each step runs threaded or on this thread alone, whichever timing trials show
   * is faster now (the numbers are the same either way); `threadChoice.threadedSteps` counts the
   * threaded ones. Set it to null to run every step on the threads.
   */
  threadChoice: ThreadChoice | null = new ThreadChoice();

  constructor(private readonly m: NotebookMLPTensors, private readonly X: Tensor, private readonly Y: Tensor, opts: { batchSize: number; momentum?: number }) {
    const B = opts.batchSize, momentum = opts.momentum ?? 0.001;
    const [V, E] = m.C.shape, H = m.W1.shape[1];
    const BS = X.shape[1], K = BS * E;
    const fail = (what: string) => { throw new Error(`NotebookMLPStep: ${what}`); };
    if (!Number.isInteger(B) || B < 2) fail(`batchSize must be an integer >= 2 (batch norm needs 2 rows), got ${B}`);
    if (X.dtype !== 'int32' || X.ndim !== 2 || Y.dtype !== 'int32' || Y.ndim !== 1 || Y.shape[0] !== X.shape[0]) {
      fail(`expected int32 X (n, blockSize) and Y (n), got X ${fmtShape(X.shape)} ${X.dtype} and Y ${fmtShape(Y.shape)} ${Y.dtype}`);
    }
    const want: [string, Tensor, number[]][] = [
      ['C', m.C, [V, E]], ['W1', m.W1, [K, H]], ['b1', m.b1, [H]], ['W2', m.W2, [H, V]], ['b2', m.b2, [V]],
      ['bngain', m.bngain, [H]], ['bnbias', m.bnbias, [H]], ['bnmeanRunning', m.bnmeanRunning, [H]], ['bnstdRunning', m.bnstdRunning, [H]],
    ];
    for (const [name, t, shape] of want) {
      const ok = t.dtype === 'float32' && (name === 'W1' || name === 'W2' || name === 'C'
        ? t.ndim === 2 && t.shape[0] === shape[0] && t.shape[1] === shape[1]
        : t.numel() === shape[0]);
      if (!ok) fail(`${name} must be float32 ${fmtShape(shape)}${name.startsWith('bn') ? ' (any shape of that size)' : ''}, got ${fmtShape(t.shape)} ${t.dtype}`);
    }
    // The step trusts its indices: check the data once here, as index() and crossEntropy() would.
    const xs = X.toArray(), ys = Y.toArray();
    for (let i = 0; i < xs.length; i++) if (!(xs[i] >= 0 && xs[i] < V)) fail(`X holds ${xs[i]} at ${i}, out of range for ${V} rows of C`);
    for (let i = 0; i < ys.length; i++) if (!(ys[i] >= 0 && ys[i] < V)) fail(`Y holds ${ys[i]} at ${i}, out of range for ${V} classes`);
    this.batchSize = B;
    this.rows = X.shape[0];
    this.params = [m.C, m.W1, m.b1, m.W2, m.b2, m.bngain, m.bnbias];

    // Every buffer, once, carved from one block: the plan, the batch, activations, gradients.
    const sizes: [S, number][] = [
      [S.IX, B], [S.XB, B * BS], [S.YB, B],
      [S.EMB, B * K], [S.HPRE, B * H], [S.HBN, B * H], [S.MEAN, H], [S.STD, H],
      [S.HT, B * H], [S.LOGITS, B * V], [S.PROBS, B * V],
      [S.DEMBV, B * K], [S.DHPRE, B * H], [S.DH, B * H], [S.DLOGITS, B * V],
      [S.ROWLOSS, 2 * B], // f64 per row, for the threaded step
    ];
    const bytes = (n: number) => Math.ceil(n / 4) * 16; // 16-byte aligned, for v128 loads
    const block = alloc(sizes.reduce((t, [, n]) => t + bytes(n), bytes(S.SLOTS)));
    finalizer.register(this, block);
    this.plan = block;
    let at = block + bytes(S.SLOTS);
    const slots: [S, number][] = [[S.NB, B], [S.NBS, BS], [S.NE, E], [S.NH, H], [S.NV, V]];
    for (const [s, n] of sizes) { slots.push([s, at]); at += bytes(n); }
    this.ix = slots.find(([s]) => s === S.IX)![1];
    this.ixHost = new Int32Array(B);
    const plan = i32(), base = this.plan >>> 2;
    for (const [s, v] of slots) plan[base + s] = v;
    f32()[base + S.KEEP] = 1 - momentum;
    f32()[base + S.MOM] = momentum;
    this.repack();
  }

  /** Packs the parameters (again, if something else repacked them) and writes their places into the plan. */
  private repack(): void {
    const packed = packParameters(this.params);
    if (!packed) throw new Error('NotebookMLPStep: the parameters must be whole tensors (not views) to pack');
    this.packed = packed;
    const plan = i32(), base = this.plan >>> 2;
    const ps = [S.C, S.W1, S.B1, S.W2, S.B2, S.GAIN, S.BIAS], gs = [S.DC, S.DW1, S.DB1, S.DW2, S.DB2, S.DGAIN, S.DBIAS];
    this.params.forEach((p, i) => { plan[base + ps[i]] = p.ptr; plan[base + gs[i]] = p._leafGrad!.storage.ptr; });
    plan[base + S.PARAMS] = this.packed.params;
    plan[base + S.GRADS] = this.packed.grads;
    plan[base + S.COUNT] = this.packed.count;
  }

  /**
   * One training step on the rows `randint(0, n, [batchSize])` drawn from g (as the notebook's
   * `torch.randint(0, Xtr.shape[0], (32,), generator=g)`), at learning rate lr. Returns the
   * minibatch loss (the float32 value `loss.item()` gives).
   */
  step(g: Generator, lr: number): number {
    g.fillRandint(this.ixHost, 0, this.rows);
    return this.stepRows(this.ixHost, lr);
  }

  /** As step(), on the given batch rows (each in [0, n)). */
  stepRows(rows: ArrayLike<number>, lr: number): number {
    if (rows.length !== this.batchSize) throw new Error(`NotebookMLPStep: expected ${this.batchSize} batch rows, got ${rows.length}`);
    if (!stillPacked(this.params, this.packed)) this.repack();
    const plan = i32(), base = this.plan >>> 2;
    plan[base + S.X] = this.X.ptr; plan[base + S.Y] = this.Y.ptr;
    plan[base + S.RMEAN] = this.m.bnmeanRunning.ptr; plan[base + S.RSTD] = this.m.bnstdRunning.ptr;
    const ix = this.ix >>> 2;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (!(r >= 0 && r < this.rows)) throw new Error(`NotebookMLPStep: batch row ${r} is out of range for ${this.rows} rows`);
      plan[ix + i] = r;
    }
    const t = this.threads;
    let loss: number;
    if (t) {
      const choice = this.threadChoice, threaded = choice ? choice.threads() : true, t0 = performance.now();
      loss = Math.fround(threaded ? (kernels() as ThreadKernels).mlpStepMt(this.plan, lr, t.ctl, t.threads) : kernels().mlp_step_notebook(this.plan, lr));
      choice?.record(threaded, performance.now() - t0);
      if (threaded && loss !== loss) t.check();
    } else {
      loss = Math.fround(kernels().mlp_step_notebook(this.plan, lr));
    }
    for (const p of this.params) { p._leafGrad!.has = true; p._storage.version++; }
    return loss;
  }
}
