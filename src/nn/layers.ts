// The layers: Linear (weight stored (fanIn, fanOut) like the notebook's W1), Embedding,
// BatchNorm1d (PyTorch's), BatchNorm1dUnbiasedStd (the notebook's), Tanh, Flatten, Sequential.
import { Tensor } from '../tensor.ts';
import { randn, zeros, ones, tensor } from '../creation.ts';
import type { Generator } from '../random/generator.ts';
import { batchNorm } from '../ops/batchnorm.ts';
import { embedding } from '../ops/embedding.ts';
import { tanh } from '../ops/unary.ts';
import { kernels } from '../wasm/load.ts';
import { noGrad } from '../grad_mode.ts';
import { Module } from './module.ts';

export interface InitOptions { generator?: Generator }

/**
 * y = x @ weight + bias, with weight of shape (fanIn, fanOut) as in the makemore notebooks
 * (the transpose of torch.nn.Linear's), initialised randn / sqrt(fanIn) (Kaiming-style, as
 * makemore part 3's Linear), bias zeros.
 * @example  const fc = new Linear(30, 200, { bias: false });  const h = fc.forward(x);
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  constructor(readonly fanIn: number, readonly fanOut: number, opts: { bias?: boolean } & InitOptions = {}) {
    super();
    this.weight = this.param('weight', noGrad(() => randn([fanIn, fanOut], { generator: opts.generator }).div(Math.sqrt(fanIn))));
    this.bias = opts.bias === false ? null : this.param('bias', zeros([fanOut]));
  }
  forward(x: Tensor): Tensor {
    const y = x.matmul(this.weight);
    return this.bias ? y.add(this.bias) : y;
  }
}

/** A lookup table of `num` vectors of size `dim` (randn init); forward(idx) = weight[idx]. */
export class Embedding extends Module {
  readonly weight: Tensor;
  constructor(readonly num: number, readonly dim: number, opts: InitOptions = {}) {
    super();
    this.weight = this.param('weight', randn([num, dim], { generator: opts.generator }));
  }
  forward(idx: Tensor): Tensor { return embedding(idx, this.weight); }
}

/**
 * PyTorch's nn.BatchNorm1d over (B, H): normalises with the biased batch variance + eps,
 * tracks running mean and unbiased running variance with momentum 0.1.
 */
export class BatchNorm1d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly running_mean: Tensor;
  readonly running_var: Tensor;
  readonly num_batches_tracked: Tensor;
  constructor(readonly dim: number, readonly opts: { eps?: number; momentum?: number } = {}) {
    super();
    this.weight = this.param('weight', ones([dim]));
    this.bias = this.param('bias', zeros([dim]));
    this.running_mean = this.buffer('running_mean', zeros([dim]));
    this.running_var = this.buffer('running_var', ones([dim]));
    this.num_batches_tracked = this.buffer('num_batches_tracked', tensor([0], { dtype: 'int32', shape: [] }));
  }
  forward(x: Tensor): Tensor {
    if (this.training) {
      // A kernel, not item() + 1 in JS, so a compiled step counts too.
      const t = this.num_batches_tracked;
      kernels().add_scalar_i32(t._writePtr(), t.ptr, 1, 1);
      t._storage.version++;
    }
    return batchNorm(x, this.weight, this.bias, {
      flavour: 'torch', training: this.training, runningMean: this.running_mean, runningVar: this.running_var,
      momentum: this.opts.momentum ?? 0.1, eps: this.opts.eps ?? 1e-5,
    });
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
    this.weight = this.param('weight', ones([1, dim]));
    this.bias = this.param('bias', zeros([1, dim]));
    this.running_mean = this.buffer('running_mean', zeros([1, dim]));
    this.running_std = this.buffer('running_std', zeros([1, dim]));
  }
  forward(x: Tensor): Tensor {
    return batchNorm(x, this.weight, this.bias, {
      flavour: 'notebook', training: this.training, runningMean: this.running_mean, runningStd: this.running_std,
      momentum: this.opts.momentum ?? 0.001,
    });
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor { return tanh(x); }
}

/** Flattens every dim after the first: (B, ...) -> (B, rest). */
export class Flatten extends Module {
  forward(x: Tensor): Tensor { return x.view(x.shape[0], -1); }
}

/** Runs modules in order; their state dict keys are prefixed '0.', '1.', ... as PyTorch's. */
export class Sequential extends Module {
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers.map((m, i) => this.child(String(i), m));
  }
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.layers) y = m.forward(y);
    return y;
  }
}
