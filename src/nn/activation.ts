// Activation modules: thin wrappers of the element-wise ops (src/ops/activation.ts, unary.ts),
// as torch.nn's ReLU, GELU, Sigmoid and Tanh.
import type { Tensor } from '../tensor.ts';
import { tanh } from '../ops/unary.ts';
import { relu, sigmoid, gelu, type GeluOptions } from '../ops/activation.ts';
import { checkOptions } from '../ops/check.ts';
import { Module } from './module.ts';

/** max(x, 0) element-wise. */
export class ReLU extends Module {
  forward(x: Tensor): Tensor { return relu(x); }
}

/**
 * x·Φ(x) element-wise; `{ approximate: 'tanh' }` for GPT-2's tanh form.
 * @example  new nn.GELU({ approximate: 'tanh' })
 */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(opts: GeluOptions = {}) {
    super();
    checkOptions('GELU', opts, ['approximate']);
    this.approximate = opts.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') throw new Error(`GELU: approximate must be 'none' or 'tanh', got ${JSON.stringify(opts.approximate)}`);
  }
  forward(x: Tensor): Tensor { return gelu(x, { approximate: this.approximate }); }
}

/** 1 / (1 + e^-x) element-wise. */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor { return sigmoid(x); }
}

/** tanh(x) element-wise. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor { return tanh(x); }
}
