// torch.optim.SGD with all its options. The parameters (and their gradients) are moved into one
// contiguous block when the optimizer is made, so a step is one kernel call over all of them:
// plain SGD is the notebook's update (sgd_update), the options one pass of sgd_momentum.
import type { Tensor } from '../tensor.ts';
import { kernels } from '../wasm/load.ts';
import { livePtr, type Storage } from '../memory.ts';
import { checkOptions } from '../ops/check.ts';
import { checkParams, packParameters, stillPacked, stateBlock, hasGrad, type Packed } from './pack.ts';
import { dynamicScalar, everyCall } from '../compile/hooks.ts';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
}

/**
 * @example
 *   const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 *   opt.zeroGrad(); loss.backward(); opt.step();
 *   opt.lr = 0.01;   // lr can change between steps
 */
export class SGD {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  readonly params: readonly Tensor[];
  private readonly packed: Packed | null;
  /** Momentum buffers: one block over all parameters, made at the first step with momentum. */
  private buf: Storage | null = null;
  /** Per parameter: whether its momentum buffer holds a value (PyTorch starts it at the first gradient). */
  private readonly started: boolean[];

  constructor(params: Iterable<Tensor>, opts: SGDOptions) {
    this.params = [...params];
    checkParams('SGD', this.params);
    checkOptions('SGD', opts, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize']);
    const num = (name: keyof SGDOptions, v: unknown, dflt: number) => {
      const x = v ?? dflt;
      if (typeof x !== 'number' || !(x >= 0) || !Number.isFinite(x)) throw new Error(`SGD: ${name} must be a non-negative number, got ${String(v)}`);
      return x;
    };
    if (opts?.lr === undefined) throw new Error('SGD: lr is required, e.g. new optim.SGD(params, { lr: 0.1 })');
    this.lr = num('lr', opts.lr, 0);
    this.momentum = num('momentum', opts.momentum, 0);
    this.dampening = num('dampening', opts.dampening, 0);
    this.weightDecay = num('weightDecay', opts.weightDecay, 0);
    this.nesterov = !!opts.nesterov;
    this.maximize = !!opts.maximize;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) throw new Error('SGD: nesterov needs momentum > 0 and dampening 0 (as PyTorch)');
    this.started = this.params.map(() => false);
    this.packed = packParameters(this.params);
  }

  private get plain(): boolean { return !this.momentum && !this.weightDecay && !this.maximize; }

  /** One update of every parameter that has a gradient (others are left as they are, as PyTorch). */
  step(): void {
    const k = kernels();
    const all = this.params.every(hasGrad);
    const packed = this.packed && stillPacked(this.params, this.packed) ? this.packed : null;
    if (this.plain && packed) {
      // A parameter without a gradient gets a zero one: p - lr * 0 leaves it unchanged.
      if (!all) for (const p of this.params) if (!hasGrad(p)) { p._leafGradPtr(); p.grad = null; }
      k.sgd_update(packed.params, packed.grads, this.lr, packed.count);
      dynamicScalar(2, () => this.lr);
      for (const p of this.params) p._storage.version++;
      return;
    }
    if (this.momentum && !this.buf) this.buf = stateBlock(this.params.reduce((n, p) => n + p.numel(), 0));
    const sameStart = this.started.every((s) => s === this.started[0]);
    if (packed && all && sameStart) {
      this.update(packed.params, packed.grads, this.buf ? livePtr(this.buf) : 0, 0, packed.count);
      everyCall(() => this.started.fill(true));
    } else {
      let at = 0;
      this.params.forEach((p, i) => {
        const n = p.numel();
        if (hasGrad(p)) {
          this.update(p._writePtr(), p._leafGradPtr(), this.buf ? livePtr(this.buf) + at * 4 : 0, i, n);
          everyCall(() => { this.started[i] = true; });
        }
        at += n;
      });
    }
    for (const p of this.params) p._storage.version++;
  }

  /** One kernel call over n floats; `which` is the parameter whose momentum buffer state decides `first`. */
  private update(params: number, grads: number, bufs: number, which: number, n: number): void {
    if (this.plain) { kernels().sgd_update(params, grads, this.lr, n); dynamicScalar(2, () => this.lr); return; }
    kernels().sgd_momentum(params, grads, bufs, this.lr, this.momentum, this.dampening, this.weightDecay,
      this.nesterov ? 1 : 0, this.maximize ? 1 : 0, this.started[which] ? 0 : 1, n);
    // Read again at every compiled call: the learning rate, and whether the buffers hold a value yet.
    dynamicScalar(3, () => this.lr);
    dynamicScalar(9, () => (this.started[which] ? 0 : 1));
  }

  /** Clears every gradient: to null (setToNone, the default, as PyTorch 2) or to zeros. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    checkOptions('zeroGrad', opts, ['setToNone']);
    for (const p of this.params) {
      if (opts.setToNone === false) { if (hasGrad(p)) { kernels().fill(p._leafGradPtr(), 0, p.numel()); p._leafGrad!.storage.version++; } }
      else p.grad = null;
    }
  }
}
