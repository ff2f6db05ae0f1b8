// Tensor: a shape, a dtype and a Storage in wasm memory, plus what autograd needs
// (requiresGrad, the gradient's storage, the tape node that made it). Ops live in src/ops/;
// the methods here only forward to them so that `a.matmul(b).tanh()` reads like PyTorch.
import { f32, i32 } from './wasm/heap.ts';
import { kernels } from './wasm/load.ts';
import {
  Storage, newStorage, newPersistentStorage, makePersistent, PERSISTENT, livePtr, setStorageOf, stepDone,
} from './scope.ts';
import { runBackward, pruneTape, isGradEnabled, type Node } from './tape.ts';
import * as ops from './ops/index.ts';

export type DType = 'float32' | 'int32';
export type Shape = readonly number[];

export function numelOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function fmtShape(shape: Shape): string { return `[${shape.join(', ')}]`; }

export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  /** @internal */ _storage: Storage;
  /** @internal */ _node: Node | null = null;
  /** @internal */ _requiresGrad = false;
  /** @internal */ _gradStorage: Storage | null = null;
  /** @internal */ _hasGrad = false;
  private _gradView: Tensor | null = null;

  /** @internal Use tensor(), zeros(), randn() ... to make tensors. */
  constructor(shape: Shape, dtype: DType, storage: Storage) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this._storage = storage;
  }

  /** @internal A new tensor for a factory (tensor, zeros, randn, ...): see src/scope.ts. */
  static _factory(shape: Shape, dtype: DType = 'float32'): Tensor {
    const t = Tensor._empty(shape, dtype);
    t._storage.factory = true;
    return t;
  }

  /** @internal A new uninitialised tensor in the current home (see src/scope.ts). */
  static _empty(shape: Shape, dtype: DType = 'float32'): Tensor {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`wasmgrad: invalid shape ${fmtShape(shape)}: sizes must be non-negative integers`);
    }
    return new Tensor(shape, dtype, newStorage(numelOf(shape) * 4));
  }

  /** @internal Byte address in wasm memory; throws if the memory was reclaimed. */
  get ptr(): number { return livePtr(this._storage); }

  /** Number of elements. */
  numel(): number { return numelOf(this.shape); }
  get size(): number { return numelOf(this.shape); }
  get ndim(): number { return this.shape.length; }

  /** Whether gradients flow to this tensor. Settable on leaves (tensors no op made). */
  get requiresGrad(): boolean { return this._requiresGrad; }
  set requiresGrad(v: boolean) {
    if (this._node && !v) throw new Error('wasmgrad: requiresGrad can only be switched off on leaf tensors; use .detach()');
    if (this._node) return;
    if (v && this.dtype !== 'float32') throw new Error(`wasmgrad: only float32 tensors can require grad, this one is ${this.dtype}`);
    if (v) makePersistent(this._storage);
    this._requiresGrad = v;
  }

  /** The accumulated gradient, or null. Set to null to clear it (as `p.grad = None`). */
  get grad(): Tensor | null {
    if (!this._hasGrad || !this._gradStorage) return null;
    if (!this._gradView || this._gradView._storage !== this._gradStorage) {
      this._gradView = new Tensor(this.shape, 'float32', this._gradStorage);
    }
    return this._gradView;
  }
  set grad(v: null) {
    if (v !== null) throw new Error('wasmgrad: .grad can only be set to null (to clear it)');
    this._hasGrad = false;
  }

  /**
   * @internal The gradient's address for a backward kernel to accumulate into: created and
   * zeroed on first use in a backward pass.
   */
  gradPtr(): number {
    let g = this._gradStorage;
    if (!g || !g.owner.alive) {
      g = this._storage.owner === PERSISTENT ? newPersistentStorage(this._storage.bytes) : newStorage(this._storage.bytes);
      this._gradStorage = g;
      this._hasGrad = false;
    }
    if (!this._hasGrad) {
      kernels().fill(g.ptr, 0, this.numel());
      this._hasGrad = true;
    }
    return g.ptr;
  }

  /**
   * Computes gradients of this scalar with respect to every tensor that requires grad and
   * led to it, adding them into their `.grad`. Frees the graph, as PyTorch does.
   * @example
   *   const loss = F.crossEntropy(logits, Y);
   *   loss.backward();
   *   W.grad?.tolist();
   */
  backward(): void {
    if (this.numel() !== 1) throw new Error(`backward: only a one-element tensor can start backward(), got shape ${fmtShape(this.shape)}`);
    if (!this._requiresGrad) throw new Error('backward: this tensor does not require grad: set requiresGrad = true on the parameters before computing it');
    const gp = this.gradPtr();
    f32()[gp >> 2] += 1;
    runBackward(this._node);
    stepDone();
    pruneTape();
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.numel() !== 1) throw new Error(`item: only a one-element tensor has an item, got shape ${fmtShape(this.shape)}`);
    return this.dtype === 'int32' ? i32()[this.ptr >> 2] : f32()[this.ptr >> 2];
  }

  /** A copy of the data as a flat typed array. */
  toArray(): Float32Array | Int32Array {
    const p = this.ptr >> 2, n = this.numel();
    return this.dtype === 'int32' ? i32().slice(p, p + n) : f32().slice(p, p + n);
  }

  /** The data as (nested) arrays of numbers, like PyTorch's tolist(). */
  tolist(): number | unknown[] {
    const flat = Array.from(this.toArray());
    if (this.shape.length === 0) return flat[0];
    const build = (dim: number, off: number): unknown[] => {
      const n = this.shape[dim];
      if (dim === this.shape.length - 1) return flat.slice(off, off + n);
      const stride = numelOf(this.shape.slice(dim + 1));
      return Array.from({ length: n }, (_, i) => build(dim + 1, off + i * stride));
    };
    return build(0, 0);
  }

  /** Moves this tensor to persistent memory so it outlives training steps; returns it. */
  keep(): this {
    makePersistent(this._storage);
    if (this._gradStorage) makePersistent(this._gradStorage);
    return this;
  }

  /** A tensor sharing this one's data, cut off from the graph. */
  detach(): Tensor { return new Tensor(this.shape, this.dtype, this._storage); }

  toString(): string {
    return `Tensor(${fmtShape(this.shape)}, ${this.dtype}${this._requiresGrad ? ', requiresGrad' : ''})`;
  }

  // ---- ops (see src/ops/) ----
  view(...shape: (number | readonly number[])[]): Tensor { return ops.view(this, shape); }
  reshape(...shape: (number | readonly number[])[]): Tensor { return ops.view(this, shape); }
  index(idx: Tensor | number | readonly number[]): Tensor { return ops.index(this, idx); }
  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }
  add(other: Tensor | number): Tensor { return ops.add(this, other); }
  sub(other: Tensor | number): Tensor { return ops.sub(this, other); }
  mul(other: Tensor | number): Tensor { return ops.mul(this, other); }
  div(other: Tensor | number): Tensor { return ops.div(this, other); }
  neg(): Tensor { return ops.neg(this); }
  tanh(): Tensor { return ops.tanh(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  log10(): Tensor { return ops.log10(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  pow(p: number): Tensor { return ops.pow(this, p); }
  sum(dim?: number, keepdim = false): Tensor { return ops.sum(this, dim, keepdim); }
  mean(dim?: number, keepdim = false): Tensor { return ops.mean(this, dim, keepdim); }
  std(dim?: number, keepdim = false): Tensor { return ops.std(this, dim, keepdim); }
  softmax(dim: number): Tensor { return ops.softmax(this, dim); }
  // In-place updates, for noGrad() blocks (optimizer steps, running statistics).
  add_(other: Tensor | number): this { return ops.inplace(this, 'add', other); }
  sub_(other: Tensor | number): this { return ops.inplace(this, 'sub', other); }
  mul_(other: Tensor | number): this { return ops.inplace(this, 'mul', other); }
  div_(other: Tensor | number): this { return ops.inplace(this, 'div', other); }
  copy_(other: Tensor): this { return ops.inplace(this, 'copy', other); }
  fill_(value: number): this { return ops.fill_(this, value); }
  zero_(): this { return ops.fill_(this, 0); }
}

setStorageOf((x) => (x instanceof Tensor ? x._storage : null));

/** @internal Throws unless grad mode is off or t needs no grad (in-place ops would break autograd). */
export function checkInplace(t: Tensor, op: string): void {
  if (isGradEnabled() && t._requiresGrad) {
    throw new Error(`${op}: in-place update of a tensor that requires grad; do it inside noGrad(() => ...)`);
  }
}
