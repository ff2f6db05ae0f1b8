// SGD: p -= lr * p.grad. The parameters (and their gradients) are moved into one contiguous
// block when the optimizer is made, so a step is a single sgd_update kernel call.
import type { Tensor } from '../tensor.ts';
import { kernels } from '../wasm/load.ts';
import { packParameters, stillPacked, type Packed } from './pack.ts';

/**
 * @example
 *   const opt = new SGD(model.parameters(), { lr: 0.1 });
 *   opt.zeroGrad(); loss.backward(); opt.step();
 *   opt.lr = 0.01;   // lr can change between steps
 */
export class SGD {
  lr: number;
  readonly params: readonly Tensor[];
  private readonly packed: Packed;

  constructor(params: Iterable<Tensor>, opts: { lr: number }) {
    this.params = [...params];
    if (!this.params.length) throw new Error('SGD: got no parameters to optimise');
    if (typeof opts?.lr !== 'number' || !(opts.lr >= 0)) throw new Error(`SGD: lr must be a non-negative number, got ${opts?.lr}`);
    this.lr = opts.lr;
    this.packed = packParameters(this.params);
  }

  /** One update over every parameter; parameters that got no gradient are left as they are. */
  step(): void {
    const k = kernels();
    for (const p of this.params) {
      // gradPtr() zeroes a cleared gradient, so a parameter without one does not move.
      if (!p._hasGrad) { p.gradPtr(); p.grad = null; }
    }
    if (stillPacked(this.params, this.packed)) {
      k.sgd_update(this.packed.params.ptr, this.packed.grads.ptr, this.lr, this.packed.count);
    } else {
      for (const p of this.params) k.sgd_update(p.ptr, p.gradPtr(), this.lr, p.numel());
    }
  }

  /** Clears every gradient (as PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }
}
