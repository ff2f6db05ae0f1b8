// Module: parameters, buffers, children, train/eval and state dicts with PyTorch's key names.
import { Tensor, fmtShape } from '../tensor.ts';
import { noGrad } from '../grad_mode.ts';
import { sameShape } from '../ops/check.ts';

export abstract class Module {
  training = true;
  private readonly _params = new Map<string, Tensor>();
  private readonly _buffers = new Map<string, Tensor>();
  private readonly _children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  /** Registers a parameter (made persistent and requiring grad) under `name`. */
  protected param(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    this._params.set(name, t);
    return t;
  }
  /** Registers a buffer: state saved in the state dict but not trained (running stats). */
  protected buffer(name: string, t: Tensor): Tensor {
    this._buffers.set(name, t.keep());
    return t;
  }
  protected child<M extends Module>(name: string, m: M): M {
    this._children.set(name, m);
    return m;
  }

  *namedParameters(prefix = ''): Generator<[string, Tensor]> {
    for (const [n, p] of this._params) yield [prefix + n, p];
    for (const [n, c] of this._children) yield* c.namedParameters(`${prefix}${n}.`);
  }
  parameters(): Tensor[] { return [...this.namedParameters()].map(([, p]) => p); }

  *namedBuffers(prefix = ''): Generator<[string, Tensor]> {
    for (const [n, b] of this._buffers) yield [prefix + n, b];
    for (const [n, c] of this._children) yield* c.namedBuffers(`${prefix}${n}.`);
  }
  buffers(): Tensor[] { return [...this.namedBuffers()].map(([, b]) => b); }

  train(mode = true): this {
    this.training = mode;
    for (const c of this._children.values()) c.train(mode);
    return this;
  }
  eval(): this { return this.train(false); }

  /** Parameters then buffers of each module in registration order, as PyTorch's state_dict. */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const walk = (m: Module, prefix: string) => {
      for (const [n, p] of m._params) out[prefix + n] = p;
      for (const [n, b] of m._buffers) out[prefix + n] = b;
      for (const [n, c] of m._children) walk(c, `${prefix}${n}.`);
    };
    walk(this, '');
    return out;
  }

  /** Copies values into this module's tensors; keys and shapes must match exactly. */
  loadStateDict(state: Record<string, Tensor>): void {
    const mine = this.stateDict();
    const missing = Object.keys(mine).filter((k) => !(k in state));
    const extra = Object.keys(state).filter((k) => !(k in mine));
    if (missing.length || extra.length) {
      throw new Error(`loadStateDict: keys differ: missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(extra)}`);
    }
    for (const [k, t] of Object.entries(mine)) {
      if (!sameShape(t.shape, state[k].shape) || t.dtype !== state[k].dtype) {
        throw new Error(`loadStateDict: '${k}' is ${fmtShape(state[k].shape)} ${state[k].dtype}, expected ${fmtShape(t.shape)} ${t.dtype}`);
      }
    }
    noGrad(() => { for (const [k, t] of Object.entries(mine)) t.copy_(state[k]); });
  }
}
