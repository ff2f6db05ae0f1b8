// Tensor: a shape, strides and a dtype over a Storage in wasm memory, plus what autograd needs
// (requiresGrad, the leaf gradient, the graph node that made it). Views (transpose, permute,
// expand, narrow, ...) share their base's storage with other strides, as in PyTorch; kernels
// read contiguous memory, so `ptr` hands them a contiguous copy of a strided view, made again
// only when the data changed. The ops live in src/ops/ and are attached as methods by
// src/ops/table.ts; this file imports none of them.
import { f32, i32 } from './wasm/heap.ts';
import { kernels } from './wasm/load.ts';
import {
  Storage, newStorage, newPermanentStorage, makePermanent, livePtr, setStorageOf, reclaimedMessage, type Home,
} from './memory.ts';
import { isGradEnabled, runBackward, type Node, type BackwardOptions } from './autograd.ts';
import { watching, untracked, checkRead } from './capture.ts';

export type DType = 'float32' | 'int32';
export type Shape = readonly number[];

export function numelOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]; // (an index loop: for-of over a frozen shape allocates an iterator)
  return n;
}

export function fmtShape(shape: Shape): string { return `[${shape.join(', ')}]`; }

/** Row-major strides (in elements) of a contiguous tensor of this shape. */
export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

/** The leaf gradient: its storage, whether it holds a value now, and the view handed out by `.grad`. */
interface LeafGrad { storage: Storage; has: boolean; view: Tensor | null }

/** A contiguous copy of a strided view, valid while its source's version is `version`. */
interface ContigCache { storage: Storage; version: number }

export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  /** @internal Element strides; contiguous unless this is a view. */
  readonly _strides: readonly number[];
  /** @internal Byte offset into the storage. */
  readonly _offset: number;
  /** @internal */ _storage: Storage;
  /** @internal */ _node: Node | null = null;
  /** @internal */ _requiresGrad = false;
  /** @internal */ _leafGrad: LeafGrad | null = null;
  /** @internal Whether shape and strides are row-major with no gaps. */
  readonly _contiguous: boolean;
  private _contig: ContigCache | null = null;

  /** @internal Use tensor(), zeros(), randn() ... to make tensors. */
  constructor(shape: Shape, dtype: DType, storage: Storage, strides?: readonly number[], offset = 0) {
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze([...shape]); // a frozen shape (another tensor's) is shared
    this.dtype = dtype;
    this._storage = storage;
    this._offset = offset;
    const cs = contiguousStrides(shape);
    this._strides = Object.freeze(strides ? [...strides] : cs);
    this._contiguous = !strides || shape.every((d, i) => d === 1 || this._strides[i] === cs[i]);
  }

  /** @internal A new uninitialised contiguous tensor in the current home (see src/memory.ts). */
  static _empty(shape: Shape, dtype: DType = 'float32'): Tensor {
    for (let i = 0; i < shape.length; i++) {
      const d = shape[i];
      if (!Number.isInteger(d) || d < 0) throw new Error(`wasmgrad: invalid shape ${fmtShape(shape)}: sizes must be non-negative integers`);
    }
    return new Tensor(shape, dtype, newStorage(numelOf(shape) * 4));
  }

  /**
   * @internal Byte address of this tensor's elements, contiguous, for a kernel to read. Throws if
   * the memory was reclaimed. For a strided view this is a contiguous copy (made again if the
   * data changed); write through `_writePtr()` instead.
   */
  get ptr(): number {
    if (this._contiguous) return livePtr(this._storage) + this._offset;
    const c = this._contig;
    // (A compiled step records the copy every time: a replay cannot check the version in JS.)
    if (c && c.version === this._storage.version && c.storage.home !== 'freed' && c.storage.home !== 'program' && !watching()) return livePtr(c.storage);
    const s = newStorage(this.numel() * 4);
    this._contig = { storage: s, version: this._storage.version };
    stridedCopy(livePtr(s), this, false);
    return s.ptr;
  }

  /** @internal Address to write this tensor's elements in place; contiguous tensors only (see ops/inplace.ts). */
  _writePtr(): number {
    if (!this._contiguous) throw new Error('wasmgrad: internal error: _writePtr on a strided view');
    return livePtr(this._storage) + this._offset;
  }

  /** @internal Byte address of element 0 in the storage, whatever the strides (for strided kernels). */
  get _basePtr(): number { return livePtr(this._storage) + this._offset; }

  /** Number of elements. */
  numel(): number { return numelOf(this.shape); }
  /** The shape, or one dim's size (as PyTorch's size()). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number | number[] {
    if (dim === undefined) return [...this.shape];
    const d = dim < 0 ? dim + this.shape.length : dim;
    if (!Number.isInteger(dim) || d < 0 || d >= this.shape.length) throw new Error(`size: dim ${dim} is out of range for a ${this.shape.length}-D tensor`);
    return this.shape[d];
  }
  get ndim(): number { return this.shape.length; }
  /** Whether the elements are laid out row-major with no gaps (false for most views). */
  isContiguous(): boolean { return this._contiguous; }
  /** Element strides, as PyTorch's stride(). */
  stride(): number[] { return [...this._strides]; }

  /** Whether gradients flow to this tensor. Settable on leaves (tensors no op made). */
  get requiresGrad(): boolean { return this._requiresGrad; }
  set requiresGrad(v: boolean) {
    if (this._node) {
      if (!v) throw new Error('requiresGrad: can only be switched off on leaf tensors (ones no op made); use .detach()');
      return;
    }
    if (v && this.dtype !== 'float32') throw new Error(`requiresGrad: only float32 tensors can require grad, this one is ${this.dtype}`);
    if (v) makePermanent(this._storage);
    this._requiresGrad = v;
  }
  /** Whether this tensor was made by no op (or is not tracked by autograd). */
  get isLeaf(): boolean { return this._node === null; }

  /** The accumulated gradient of a leaf, or null. Set it to null to clear it (as `p.grad = None`). */
  get grad(): Tensor | null {
    const g = this._leafGrad;
    if (!g || !g.has) return null;
    if (!g.view) g.view = new Tensor(this.shape, 'float32', g.storage);
    return g.view;
  }
  set grad(v: null) {
    if (v !== null) throw new Error('grad: can only be set to null (to clear it, as p.grad = None)');
    if (this._leafGrad) this._leafGrad.has = false;
  }

  /**
   * @internal The address a backward kernel accumulates this leaf's gradient into. A cleared
   * gradient is zeroed first; if the user still holds the `.grad` tensor of before, that tensor
   * keeps its values (it gets its own copy), as PyTorch's does after `p.grad = None`.
   */
  _leafGradPtr(): number {
    let g = this._leafGrad;
    if (!g) g = this._leafGrad = { storage: newPermanentStorage(this.numel() * 4), has: false, view: null };
    if (!g.has) {
      const grad = g;
      if (grad.view) untracked(() => detachGradView(grad));
      grad.has = true;
      kernels().fill(livePtr(g.storage), 0, this.numel());
      g.storage.version++;
    }
    return livePtr(g.storage);
  }

  /** @internal [address, acc] for a backward kernel writing (acc 0: the first gradient since it was cleared) or adding (acc 1). */
  _leafGradTarget(): [number, number] {
    let g = this._leafGrad;
    if (!g) g = this._leafGrad = { storage: newPermanentStorage(this.numel() * 4), has: false, view: null };
    if (g.has) return [livePtr(g.storage), 1];
    const grad = g;
    if (grad.view) untracked(() => detachGradView(grad));
    grad.has = true;
    g.storage.version++;
    return [livePtr(g.storage), 0];
  }

  /**
   * Computes gradients of this one-element tensor with respect to every leaf that requires grad
   * and led to it, adding them into their `.grad`. Frees the graph's saved values, as PyTorch
   * does, unless `retainGraph`.
   * @example
   *   const loss = F.crossEntropy(logits, Y);
   *   loss.backward();
   *   W.grad?.tolist();
   */
  backward(opts: BackwardOptions = {}): void { runBackward(this, opts); }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.numel() !== 1) throw new Error(`item: only a one-element tensor has an item, got shape ${fmtShape(this.shape)}`);
    checkRead();
    const p = this.ptr >>> 2; // read in place: no copy (a training loop reads its loss every step)
    return this.dtype === 'int32' ? i32()[p] : f32()[p];
  }

  /** A copy of the data as a flat typed array. */
  toArray(): Float32Array | Int32Array { return this._read(); }

  /** The data as (nested) arrays of numbers, like PyTorch's tolist(). */
  tolist(): number | unknown[] {
    const flat = Array.from(this._read());
    if (this.shape.length === 0) return flat[0];
    const build = (dim: number, off: number): unknown[] => {
      const n = this.shape[dim];
      if (dim === this.shape.length - 1) return flat.slice(off, off + n);
      const stride = numelOf(this.shape.slice(dim + 1));
      return Array.from({ length: n }, (_, i) => build(dim + 1, off + i * stride));
    };
    return build(0, 0);
  }

  private _read(): Float32Array | Int32Array {
    checkRead();
    const p = this.ptr >>> 2, n = this.numel();
    return this.dtype === 'int32' ? i32().slice(p, p + n) : f32().slice(p, p + n);
  }

  /** Keeps this tensor's memory until it is garbage-collected (see "Memory" in the README); returns it. */
  keep(): this {
    makePermanent(this._storage);
    return this;
  }

  /** A tensor sharing this one's data, cut off from the graph. */
  detach(): Tensor { return new Tensor(this.shape, this.dtype, this._storage, this._strides, this._offset); }

  /** @internal Where this tensor's memory lives now (for tests and memoryStats). */
  get _home(): Home { return this._storage.home; }
}

function detachGradView(g: LeafGrad): void {
  // The user holds the old .grad tensor: give it its own copy before the storage is reused.
  const view = g.view!;
  const copy = newStorage(g.storage.bytes);
  kernels().copy(copy.ptr, livePtr(g.storage), g.storage.bytes >>> 2);
  view._storage = copy;
  g.view = null;
}

/**
 * Copies a strided view into contiguous memory at `dst` (or, with `add`, adds it there) using
 * the strided_copy kernel over at most 4 dims at a time. Size-1 dims are dropped and dims that
 * are contiguous with each other merged first, so most views need one call.
 */
export function stridedCopy(dst: number, src: Tensor, add: boolean): void {
  const [shape, strides] = coalesce(src.shape, src._strides);
  const base = src._basePtr;
  forEachBlock(shape, strides, (dOff, sOff, n, st) => {
    kernels().strided_copy(dst + dOff * 4, base + sOff * 4, n[0], n[1], n[2], n[3], st[0], st[1], st[2], st[3], add ? 1 : 0);
  });
}

/** Drops size-1 dims and merges neighbouring dims whose strides chain, keeping element order. */
export function coalesce(shape: Shape, strides: readonly number[]): [number[], number[]] {
  const sh: number[] = [], st: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const last = sh.length - 1;
    if (last >= 0 && st[last] === strides[i] * shape[i]) { sh[last] *= shape[i]; st[last] = strides[i]; }
    else { sh.push(shape[i]); st.push(strides[i]); }
  }
  return [sh, st];
}

/**
 * Splits an N-d strided walk into calls over the last 4 dims: f(dstElemOffset, srcElemOffset,
 * sizes4, strides4), with the destination contiguous in the walk's order.
 */
export function forEachBlock(shape: number[], strides: number[], f: (dOff: number, sOff: number, n: number[], st: number[]) => void): void {
  while (shape.length < 4) { shape.unshift(1); strides.unshift(0); }
  const outer = shape.length - 4;
  const n = shape.slice(outer), st = strides.slice(outer);
  const inner = n[0] * n[1] * n[2] * n[3];
  const idx = new Array<number>(outer).fill(0);
  let total = 1;
  for (let i = 0; i < outer; i++) total *= shape[i];
  for (let b = 0; b < total; b++) {
    let sOff = 0;
    for (let i = 0; i < outer; i++) sOff += idx[i] * strides[i];
    f(b * inner, sOff, n, st);
    for (let i = outer - 1; i >= 0; i--) { if (++idx[i] < shape[i]) break; idx[i] = 0; }
  }
}

setStorageOf((x) => (x instanceof Tensor ? x._storage : null));

/** @internal Throws unless an in-place write to t is allowed now (autograd would be wrong otherwise). */
export function checkInplace(t: Tensor, op: string): void {
  if (!isGradEnabled()) return;
  if (t._requiresGrad && !t._node) {
    throw new Error(`${op}: in-place update of a leaf tensor that requires grad; do it inside noGrad(() => ...) (as PyTorch's torch.no_grad())`);
  }
  if (t._node) throw new Error(`${op}: in-place update of a tensor that is part of a graph (it requires grad); use the out-of-place op (${op.replace(/_$/, '')}) or do it inside noGrad(() => ...)`);
}

export { reclaimedMessage };
