// The notebook's MLP (makemore part 3) written with wasmgrad's public API, as a user would:
// C, W1, b1, W2, b2 and, with batch norm, bngain/bnbias and running mean/std, initialised
// from one Generator in the notebook's order. Leaves out: data (data.ts), the loop (train.ts).
import { Generator, F, Tensor, noGrad, randn, ones, zeros, tensor, multinomial } from '../index.ts';
import { f32 } from '../wasm/heap.ts';

export interface ModelConfig {
  vocabSize: number;
  blockSize: number;
  nEmbed: number;
  nHidden: number;
  batchnorm: boolean;
}

/** The notebook's tensor names, in its order (these are also the checkpoint's names). */
export const PARAM_NAMES = ['C', 'W1', 'b1', 'W2', 'b2', 'bngain', 'bnbias'] as const;
export const BUFFER_NAMES = ['bnmean_running', 'bnstd_running'] as const;

export class MLP {
  readonly C: Tensor; readonly W1: Tensor; readonly b1: Tensor; readonly W2: Tensor; readonly b2: Tensor;
  readonly bngain: Tensor | null; readonly bnbias: Tensor | null;
  readonly bnmeanRunning: Tensor | null; readonly bnstdRunning: Tensor | null;

  /**
   * In[28] of the notebook: randn from `g` for C, W1 (× (5/3)/√(E·BS)), b1 (× 0.01),
   * W2 (× 0.01), b2 (× 0); batch-norm gain 1, bias 0, running mean 0 and running std 0.
   */
  constructor(readonly config: ModelConfig, g: Generator) {
    const { vocabSize: V, blockSize: BS, nEmbed: E, nHidden: H } = config;
    const made = noGrad(() => ({
      C: randn([V, E], { generator: g }),
      W1: randn([E * BS, H], { generator: g }).mul(5 / 3).div((E * BS) ** 0.5),
      b1: randn([H], { generator: g }).mul(0.01),
      W2: randn([H, V], { generator: g }).mul(0.01),
      b2: randn([V], { generator: g }).mul(0),
    }));
    this.C = made.C; this.W1 = made.W1; this.b1 = made.b1; this.W2 = made.W2; this.b2 = made.b2;
    if (config.batchnorm) {
      this.bngain = ones([1, H]); this.bnbias = zeros([1, H]);
      this.bnmeanRunning = zeros([1, H]).keep(); this.bnstdRunning = zeros([1, H]).keep();
    } else {
      this.bngain = this.bnbias = this.bnmeanRunning = this.bnstdRunning = null;
    }
    for (const p of this.parameters()) p.requiresGrad = true;
  }

  /** [C, W1, b1, W2, b2] plus [bngain, bnbias] with batch norm, as the notebook's `parameters`. */
  parameters(): Tensor[] {
    const ps = [this.C, this.W1, this.b1, this.W2, this.b2];
    if (this.bngain && this.bnbias) ps.push(this.bngain, this.bnbias);
    return ps;
  }

  /** Every tensor under its notebook name (parameters, then running statistics). */
  namedTensors(): Record<string, Tensor> {
    const out: Record<string, Tensor> = { C: this.C, W1: this.W1, b1: this.b1, W2: this.W2, b2: this.b2 };
    if (this.bngain) {
      out.bngain = this.bngain; out.bnbias = this.bnbias!;
      out.bnmean_running = this.bnmeanRunning!; out.bnstd_running = this.bnstdRunning!;
    }
    return out;
  }

  numParams(): number { return this.parameters().reduce((n, p) => n + p.numel(), 0); }

  /** The training forward pass (In[29]): batch statistics, running statistics updated. */
  loss(Xb: Tensor, Yb: Tensor): Tensor {
    const emb = this.C.index(Xb);
    const hpre = emb.view(emb.shape[0], -1).matmul(this.W1).add(this.b1);
    const hbn = this.bngain
      ? F.batchNorm(hpre, this.bngain, this.bnbias!, { flavour: 'notebook', training: true, runningMean: this.bnmeanRunning, runningStd: this.bnstdRunning })
      : hpre;
    const logits = hbn.tanh().matmul(this.W2).add(this.b2);
    return F.crossEntropy(logits, Yb);
  }

  /** Evaluation logits with the given batch-norm statistics (default: the running ones). */
  logits(X: Tensor, stats?: { mean: Tensor; std: Tensor }): Tensor {
    const emb = this.C.index(X);
    let h = emb.view(emb.shape[0], -1).matmul(this.W1).add(this.b1);
    if (this.bngain) {
      h = F.batchNorm(h, this.bngain, this.bnbias!, {
        flavour: 'notebook', training: false,
        runningMean: stats?.mean ?? this.bnmeanRunning, runningStd: stats?.std ?? this.bnstdRunning,
      });
    }
    return h.tanh().matmul(this.W2).add(this.b2);
  }

  /**
   * The notebook's split_loss: mean cross-entropy over all of (X, Y) with running (or given)
   * statistics, computed in chunks so memory stays small whatever the split's size.
   * `onRows(done)` hears after each chunk how many rows are done (a page's progress bar).
   */
  splitLoss(X: Tensor, Y: Tensor, stats?: { mean: Tensor; std: Tensor }, chunk = 2048, onRows?: (done: number) => void): number {
    const n = X.shape[0];
    let total = 0;
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      total += rows * noGrad(() => F.crossEntropy(this.logits(X.narrow(0, start, rows), stats), Y.narrow(0, start, rows)).item());
      onRows?.(start + rows);
    }
    return total / n;
  }

  /**
   * In[31]: mean and unbiased std of the pre-activations over all of X (the whole training
   * set), in two chunked passes accumulated in float64.
   */
  calibrate(X: Tensor, chunk = 2048): { mean: Tensor; std: Tensor } {
    const H = this.config.nHidden, n = X.shape[0];
    const sum = new Float64Array(H), sq = new Float64Array(H);
    const pass = (f: (h: Float32Array, rows: number) => void) => {
      for (let start = 0; start < n; start += chunk) {
        const rows = Math.min(chunk, n - start);
        noGrad(() => {
          const h = this.C.index(X.narrow(0, start, rows)).view(rows, -1).matmul(this.W1).add(this.b1);
          // Read where it is (a copy of every chunk was 300 MB of garbage for the notebook's data, and 10 MB of peak memory).
          const at = h.ptr >>> 2;
          f(f32().subarray(at, at + rows * H), rows);
        });
      }
    };
    pass((h, rows) => { for (let r = 0; r < rows; r++) for (let j = 0; j < H; j++) sum[j] += h[r * H + j]; });
    const mean = sum.map((s) => s / n);
    pass((h, rows) => { for (let r = 0; r < rows; r++) for (let j = 0; j < H; j++) { const d = h[r * H + j] - mean[j]; sq[j] += d * d; } });
    const std = sq.map((s) => Math.sqrt(s / (n - 1)));
    return { mean: tensor(Float32Array.from(mean), { shape: [1, H] }).keep(), std: tensor(Float32Array.from(std), { shape: [1, H] }).keep() };
  }

  /**
   * The notebook's sampling cell: contexts of zeros, softmax, multinomial from `g`, until '.'
   * (index 0). Returns the index sequences, each ending with 0. A `temperature` other than 1
   * divides the logits first, as makemore.py's generate() does (below 1: safer, likelier names).
   */
  sample(g: Generator, count: number, maxLen = 1000, temperature = 1): number[][] {
    const out: number[][] = [];
    for (let s = 0; s < count; s++) {
      const context = new Array<number>(this.config.blockSize).fill(0);
      const seq: number[] = [];
      for (;;) {
        const ix = noGrad(() => {
          const logits = this.logits(tensor([context], { dtype: 'int32' }));
          const probs = F.softmax(temperature === 1 ? logits : logits.div(temperature), 1);
          return multinomial(probs, 1, { generator: g }).item();
        });
        context.shift(); context.push(ix);
        seq.push(ix);
        if (ix === 0 || seq.length >= maxLen) break;
      }
      out.push(seq);
    }
    return out;
  }
}
