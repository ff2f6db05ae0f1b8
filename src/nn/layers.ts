// The layers with parameters or options: Linear (weight (out, in) and PyTorch's init),
// Embedding, LayerNorm, BatchNorm1d (PyTorch's), BatchNorm1dUnbiasedStd (the makemore
// notebook's), Dropout, Flatten, Identity. Activations are in activation.ts, containers in container.ts.
import { Tensor, fmtShape } from '../tensor.ts';
import { zeros, ones, randn, tensor } from '../creation.ts';
import type { Generator } from '../random/generator.ts';
import { batchNorm } from '../ops/batchnorm.ts';
import { embedding } from '../ops/embedding.ts';
import { linear } from '../ops/linear.ts';
import { layerNorm } from '../ops/layer_norm.ts';
import { dropout } from '../ops/dropout.ts';
import { flatten, transpose, reshape } from '../ops/view.ts';
import { checkOptions } from '../ops/check.ts';
import { kernels } from '../wasm/load.ts';
import { kaimingUniform_, uniform_ } from './init.ts';
import { Module } from './module.ts';

export interface InitOptions { generator?: Generator }

function checkCount(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${op}: ${name} must be a non-negative integer, got ${String(v)}`);
  return v;
}

/**
 * y = x @ weight.T + bias, as torch.nn.Linear: weight stored (outFeatures, inFeatures), so a
 * state dict loads into PyTorch's Linear as is. PyTorch's init from the same stream:
 * kaimingUniform_(weight, { a: √5 }), i.e. U(-1/√in, 1/√in), then bias U(-1/√in, 1/√in).
 * @example
 *   manualSeed(42);
 *   const fc = new nn.Linear(30, 200);   // the same numbers as torch.manual_seed(42); nn.Linear(30, 200)
 *   const y = fc.forward(x);             // x (B, 30) -> y (B, 200)
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: { bias?: boolean } & InitOptions = {}) {
    super();
    checkOptions('Linear', opts, ['bias', 'generator']);
    checkCount('Linear', 'inFeatures', inFeatures); checkCount('Linear', 'outFeatures', outFeatures);
    this.weight = this.registerParameter('weight', zeros([outFeatures, inFeatures]));
    this.bias = this.registerParameter('bias', opts.bias === false ? null : zeros([outFeatures]));
    if (inFeatures > 0) kaimingUniform_(this.weight, { a: Math.sqrt(5), generator: opts.generator });
    if (this.bias) {
      const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
      uniform_(this.bias, -bound, bound, { generator: opts.generator });
    }
  }
  forward(x: Tensor): Tensor { return linear(x, this.weight, this.bias); }
}

/**
 * A lookup table of numEmbeddings vectors of size embeddingDim, initialised N(0, 1) (randn's
 * stream, as PyTorch's); forward(idx) = weight[idx] for int32 indices of any shape.
 */
export class Embedding extends Module {
  readonly weight: Tensor;
  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: InitOptions = {}) {
    super();
    checkOptions('Embedding', opts, ['generator']);
    checkCount('Embedding', 'numEmbeddings', numEmbeddings); checkCount('Embedding', 'embeddingDim', embeddingDim);
    this.weight = this.registerParameter('weight', randn([numEmbeddings, embeddingDim], { generator: opts.generator }));
  }
  forward(idx: Tensor): Tensor { return embedding(idx, this.weight); }
}

/**
 * Layer normalisation over the last dims (normalizedShape), as torch.nn.LayerNorm: weight ones,
 * bias zeros (when elementwiseAffine), biased variance plus eps inside the square root.
 * @example  const ln = new nn.LayerNorm(64);  const y = ln.forward(x);   // x (B, T, 64)
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;
  constructor(normalizedShape: number | readonly number[], opts: { eps?: number; elementwiseAffine?: boolean } = {}) {
    super();
    checkOptions('LayerNorm', opts, ['eps', 'elementwiseAffine']);
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.normalizedShape.forEach((d) => checkCount('LayerNorm', 'normalizedShape', d));
    this.eps = opts.eps ?? 1e-5;
    const affine = opts.elementwiseAffine ?? true;
    this.weight = this.registerParameter('weight', affine ? ones(this.normalizedShape) : null);
    this.bias = this.registerParameter('bias', affine ? zeros(this.normalizedShape) : null);
  }
  forward(x: Tensor): Tensor { return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps); }
}

export interface BatchNorm1dOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of each new batch statistic in the running ones (default 0.1). */
  momentum?: number;
  /** Learnable weight and bias (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); without, eval uses batch statistics. */
  trackRunningStats?: boolean;
}

/**
 * PyTorch's nn.BatchNorm1d over (N, C) or (N, C, L): normalises each channel with the biased
 * batch variance + eps, keeps the running mean and the unbiased running variance (momentum 0.1).
 * NOTE: momentum null (PyTorch's cumulative average) is not supported.
 */
export class BatchNorm1d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly running_mean: Tensor | null;
  readonly running_var: Tensor | null;
  readonly num_batches_tracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number;
  /** Constant weight and bias when not affine (the kernel takes both). */
  private readonly fixed: [Tensor, Tensor] | null;
  constructor(readonly numFeatures: number, opts: BatchNorm1dOptions = {}) {
    super();
    checkOptions('BatchNorm1d', opts, ['eps', 'momentum', 'affine', 'trackRunningStats']);
    checkCount('BatchNorm1d', 'numFeatures', numFeatures);
    if (opts.momentum === null) throw new Error('BatchNorm1d: momentum null (a cumulative moving average) is not supported; pass a number such as 0.1');
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    const affine = opts.affine ?? true, track = opts.trackRunningStats ?? true;
    this.weight = this.registerParameter('weight', affine ? ones([numFeatures]) : null);
    this.bias = this.registerParameter('bias', affine ? zeros([numFeatures]) : null);
    this.fixed = affine ? null : [ones([numFeatures]).keep(), zeros([numFeatures]).keep()];
    this.running_mean = this.registerBuffer('running_mean', track ? zeros([numFeatures]) : null);
    this.running_var = this.registerBuffer('running_var', track ? ones([numFeatures]) : null);
    this.num_batches_tracked = this.registerBuffer('num_batches_tracked', track ? tensor([0], { dtype: 'int32', shape: [] }) : null);
  }
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new Error(`BatchNorm1d: input must be a Tensor, got ${typeof x}`);
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== this.numFeatures) {
      throw new Error(`BatchNorm1d: expected input (N, ${this.numFeatures}) or (N, ${this.numFeatures}, L), got ${fmtShape(x.shape)}`);
    }
    const batchStats = this.training || !this.running_mean;
    if (this.training && this.num_batches_tracked) {
      // A kernel, not item() + 1 in JS, so a compiled step counts too.
      const t = this.num_batches_tracked;
      kernels().add_scalar_i32(t._writePtr(), t.ptr, 1, 1);
      t._storage.version++;
    }
    const [w, b] = this.fixed ?? [this.weight!, this.bias!];
    const opts = {
      flavour: 'torch' as const, training: batchStats, runningMean: this.running_mean, runningVar: this.running_var,
      momentum: this.momentum, eps: this.eps,
    };
    if (x.ndim === 2) return batchNorm(x, w, b, opts);
    // (N, C, L): statistics over N and L for each channel, as rows of (N·L, C).
    const [N, C, L] = x.shape;
    const rows = reshape(transpose(x, 1, 2), [N * L, C]);
    return transpose(reshape(batchNorm(rows, w, b, opts), [N, L, C]), 1, 2);
  }
}

/**
 * The makemore notebook's batch norm: divides by the UNBIASED batch std with no eps, gain
 * and bias of shape (1, H), running mean/std (starting at 0, as the notebook) with momentum 0.001.
 */
export class BatchNorm1dUnbiasedStd extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly running_mean: Tensor;
  readonly running_std: Tensor;
  constructor(readonly dim: number, readonly opts: { momentum?: number } = {}) {
    super();
    this.weight = this.registerParameter('weight', ones([1, dim]));
    this.bias = this.registerParameter('bias', zeros([1, dim]));
    this.running_mean = this.registerBuffer('running_mean', zeros([1, dim]));
    this.running_std = this.registerBuffer('running_std', zeros([1, dim]));
  }
  forward(x: Tensor): Tensor {
    return batchNorm(x, this.weight, this.bias, {
      flavour: 'notebook', training: this.training, runningMean: this.running_mean, runningStd: this.running_std,
      momentum: this.opts.momentum ?? 0.001,
    });
  }
}

/**
 * Zeroes each element with probability p in training mode and scales the rest by 1/(1-p), with
 * PyTorch's mask stream (see F.dropout); the identity in eval mode.
 */
export class Dropout extends Module {
  constructor(readonly p = 0.5, readonly opts: InitOptions = {}) {
    super();
    checkOptions('Dropout', opts, ['generator']);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`Dropout: p must be a probability in [0, 1], got ${String(p)}`);
  }
  forward(x: Tensor): Tensor { return dropout(x, this.p, this.training, this.opts); }
}

/** Flattens dims startDim..endDim (default 1..-1) into one, as torch.nn.Flatten. */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); }
  forward(x: Tensor): Tensor { return flatten(x, this.startDim, this.endDim); }
}

/** Returns its input unchanged. */
export class Identity extends Module {
  forward(x: Tensor): Tensor { return x; }
}
