// add / sub / mul / div with NumPy/PyTorch broadcasting of any ranks, a number on either side,
// and the in-place forms (add_, copy_, fill_, ...). The kernels take the result viewed as
// (M, N), N the last dim, and a second operand that is full, a row (N), a column (M) or one
// element; any other broadcast is first expanded into a full copy (a strided view read once).
import { Tensor, numelOf, fmtShape, checkInplace, stridedCopy, coalesce, forEachBlock, type Shape } from '../tensor.ts';
import { record, gradPtr, gradTarget, passGrad } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import type { Kernels } from '../wasm/abi.ts';
import { expectFloat, broadcastShapes, sameShape } from './check.ts';
import { expand } from './view.ts';

type Op = 'add' | 'sub' | 'mul' | 'div';
const FULL = 0, ROW = 1, COL = 2, ONE = 3;

/** How x spreads over `out` viewed as (M, N): FULL, ROW (N), COL (M) or ONE; -1 for anything else. */
function modeOf(x: Shape, out: Shape): number {
  const n = numelOf(x), N = out.length ? out[out.length - 1] : 1, total = numelOf(out);
  if (n === total) return FULL;
  if (n === 1) return ONE;
  const xs = [...Array(out.length - x.length).fill(1), ...x];
  const last = out.length - 1;
  if (xs[last] === N && xs.every((d, i) => i === last || d === 1)) return ROW;
  if (xs[last] === 1 && xs.every((d, i) => i === last || d === out[i])) return COL;
  return -1;
}

/**
 * Adds (acc = 1) or writes (acc = 0) the out-shaped gradient g (contiguous), summed over the
 * dims x was broadcast along, into dst (x's shape).
 */
export function sumToShape(dst: number, g: number, outShape: Shape, xShape: Shape, acc = 1): void {
  const k = kernels();
  const total = numelOf(outShape), n = numelOf(xShape);
  if (n === total) { k.add_scalar(dst, g, 0, n, acc); return; }
  if (n === 1) { k.sum_all(dst, g, total, acc); return; }
  const mode = modeOf(xShape, outShape);
  const N = outShape[outShape.length - 1];
  if (mode === ROW) { k.sum_dim0(dst, g, total / N, N, acc); return; }
  if (mode === COL) { k.sum_dim1(dst, g, total / N, N, acc); return; }
  // General: sum one broadcast dim at a time (x's shape aligned to out's rank).
  const xs = [...Array(outShape.length - xShape.length).fill(1), ...xShape];
  let shape = [...outShape], src = g;
  for (let d = 0; d < shape.length; d++) {
    if (xs[d] !== 1 || shape[d] === 1) continue;
    const pre = numelOf(shape.slice(0, d)), D = shape[d], post = numelOf(shape.slice(d + 1));
    shape[d] = 1;
    const last = shape.every((s, i) => s === xs[i]);
    if (last) { k.sum_mid(dst, src, pre, D, post, acc); return; }
    const tmp = Tensor._empty(shape);
    k.sum_mid(tmp.ptr, src, pre, D, post, 0);
    src = tmp.ptr;
  }
  throw new Error('wasmgrad: internal error: sumToShape found no dim to reduce');
}

/** Adds the (M, N) gradient g reduced to an operand spread with `mode` (ROW, COL or ONE). */
function reduceInto(k: Kernels, dst: number, g: number, M: number, N: number, mode: number, acc = 1): void {
  if (mode === ROW) k.sum_dim0(dst, g, M, N, acc);
  else if (mode === COL) k.sum_dim1(dst, g, M, N, acc);
  else k.sum_all(dst, g, M * N, acc);
}

/** An operand as the kernels see it: a full-size (out-shaped) buffer or one spread by mode. */
interface Operand { t: Tensor; mode: number }

function operand(t: Tensor, shape: number[]): Operand {
  const mode = modeOf(t.shape, shape);
  if (mode >= 0) return { t, mode };
  return { t: expand(t, shape), mode: FULL }; // its gradient flows back through expand
}

function binary(op: Op, a: Tensor, b: Tensor, name: string): Tensor {
  expectFloat(a, name, 'input'); expectFloat(b, name, 'other');
  const shape = broadcastShapes(a.shape, b.shape, name);
  let A = operand(a, shape), B = operand(b, shape);
  // The kernels take a full-size operand first; if neither is, expand one.
  if (A.mode !== FULL && B.mode !== FULL) A = { t: expand(a, shape), mode: FULL };
  const swap = A.mode !== FULL; // the tensor on the left is the spread one
  const full = swap ? B.t : A.t, small = swap ? A.t : B.t;
  const mode = swap ? A.mode : B.mode;
  const N = shape.length ? shape[shape.length - 1] : 1, M = N === 0 ? 0 : numelOf(shape) / N;
  const k = kernels();
  const out = Tensor._empty(shape);
  const kop = op === 'sub' && swap ? 'rsub' : op === 'div' && swap ? 'rdiv' : op;
  k[kop](out.ptr, full.ptr, small.ptr, M, N, mode, 0);
  const saved = op === 'mul' ? [full, small] : op === 'div' ? [full, small, out] : [];
  const smallShape = small.shape;
  return record(name, out, [full, small], saved, (g, node) => {
    /** Adds (or first writes) the out-shaped gradient src, reduced to the small operand, into its gradient. */
    const gradSmall = (src: number) => {
      const [dst, acc] = gradTarget(small);
      if (mode === FULL) sumToShape(dst, src, shape, smallShape, acc); else reduceInto(k, dst, src, M, N, mode, acc);
    };
    /** Subtracts the out-shaped gradient src, reduced to operand t's shape, from t's gradient (0 - x the first time). */
    const minusInto = (t: Tensor, src: number, tMode: number) => {
      let from = src, n = M * N;
      if (tMode !== FULL) {
        const tmp = Tensor._empty([tMode === ROW ? N : tMode === COL ? M : 1]);
        reduceInto(k, tmp.ptr, src, M, N, tMode, 0);
        from = tmp.ptr; n = tmp.numel();
      }
      const [dst, acc] = gradTarget(t);
      if (acc) k.sub(dst, dst, from, 1, n, FULL, 0); else k.rsub_scalar(dst, from, 0, n, 0);
    };
    if (op === 'add') {
      if (full.requiresGrad) passGrad(full, node);
      if (small.requiresGrad) { if (mode === FULL) passGrad(small, node); else gradSmall(g); }
    } else if (op === 'sub') {
      const plus = swap ? small : full, minus = swap ? full : small;
      if (plus.requiresGrad) { if (plus === full || mode === FULL) passGrad(plus, node); else gradSmall(g); }
      if (minus.requiresGrad) minusInto(minus, g, minus === full ? FULL : mode);
    } else if (op === 'mul') {
      if (full.requiresGrad) { const [d, acc] = gradTarget(full); k.mul(d, g, small.ptr, M, N, mode, acc); }
      if (small.requiresGrad) {
        if (mode === FULL) { const [d, acc] = gradTarget(small); k.mul(d, g, full.ptr, M, N, FULL, acc); }
        else { const t = Tensor._empty(shape); k.mul(t.ptr, g, full.ptr, M, N, FULL, 0); gradSmall(t.ptr); }
      }
    } else {
      // out = num / den. d num += g / den;  d den -= g * out / den.
      const num = swap ? small : full, den = swap ? full : small;
      const denMode = den === full ? FULL : mode;
      if (num.requiresGrad) {
        if (num === full || mode === FULL) { const [d, acc] = gradTarget(num); k.div(d, g, den.ptr, M, N, denMode, acc); }
        else { const t = Tensor._empty(shape); k.div(t.ptr, g, den.ptr, M, N, denMode, 0); gradSmall(t.ptr); }
      }
      if (den.requiresGrad) {
        const t = Tensor._empty(shape);
        k.mul(t.ptr, g, out.ptr, M, N, FULL, 0);
        k.div(t.ptr, t.ptr, den.ptr, M, N, denMode, 0);
        minusInto(den, t.ptr, denMode);
      }
    }
  });
}

/** a op s, or s op a when `reversed`. */
function scalarOp(op: Op, a: Tensor, s: number, reversed: boolean, name: string): Tensor {
  expectFloat(a, name, 'input');
  const k = kernels();
  const n = a.numel();
  const out = Tensor._empty(a.shape);
  if (op === 'add') k.add_scalar(out.ptr, a.ptr, s, n, 0);
  else if (op === 'mul') k.mul_scalar(out.ptr, a.ptr, s, n, 0);
  else if (op === 'sub') { if (reversed) k.rsub_scalar(out.ptr, a.ptr, s, n, 0); else k.add_scalar(out.ptr, a.ptr, -s, n, 0); }
  else if (reversed) k.rdiv_scalar(out.ptr, a.ptr, s, n, 0);
  else k.div_scalar(out.ptr, a.ptr, s, n, 0);
  const saved = op === 'div' && reversed ? [a, out] : [];
  return record(name, out, [a], saved, (g, node) => {
    if (op === 'add' || (op === 'sub' && !reversed)) { passGrad(a, node); return; }
    const [da, acc] = gradTarget(a);
    if (op === 'mul') k.mul_scalar(da, g, s, n, acc);
    else if (op === 'sub') { if (acc) k.sub(da, da, g, 1, n, FULL, 0); else k.rsub_scalar(da, g, 0, n, 0); }
    else if (!reversed) k.div_scalar(da, g, s, n, acc);
    else {
      // d(s/a) = -(s/a)/a · g = -out/a · g
      const t = Tensor._empty(a.shape);
      k.div(t.ptr, out.ptr, a.ptr, 1, n, FULL, 0);
      k.mul(t.ptr, t.ptr, g, 1, n, FULL, 0);
      if (acc) k.sub(da, da, t.ptr, 1, n, FULL, 0); else k.rsub_scalar(da, t.ptr, 0, n, 0);
    }
  });
}

function dispatch(op: Op, a: Tensor | number, b: Tensor | number): Tensor {
  const aT = a instanceof Tensor, bT = b instanceof Tensor;
  if (aT && bT) return binary(op, a, b, op);
  if (aT && typeof b === 'number') return scalarOp(op, a, b, false, op);
  if (bT && typeof a === 'number') return op === 'add' || op === 'mul' ? scalarOp(op, b, a, false, op) : scalarOp(op, b, a, true, op);
  const bad = aT || typeof a === 'number' ? b : a;
  throw new Error(`${op}: arguments must be Tensors or numbers (at least one a Tensor), got ${bad === null ? 'null' : typeof bad}`);
}

/** a + b, broadcasting; either may be a number. */
export function add(a: Tensor | number, b: Tensor | number): Tensor { return dispatch('add', a, b); }
/** a - b, broadcasting; either may be a number. */
export function sub(a: Tensor | number, b: Tensor | number): Tensor { return dispatch('sub', a, b); }
/** a * b, broadcasting; either may be a number. */
export function mul(a: Tensor | number, b: Tensor | number): Tensor { return dispatch('mul', a, b); }
/** a / b, broadcasting; either may be a number. */
export function div(a: Tensor | number, b: Tensor | number): Tensor { return dispatch('div', a, b); }

/**
 * Writes `result` (contiguous, t's shape) into t, whatever t's strides; bumps t's version so
 * autograd and views see the change.
 */
export function writeInto(t: Tensor, result: number): void {
  if (t._contiguous) {
    const p = t._writePtr();
    if (p !== result) kernels().copy(p, result, t.numel());
  } else {
    const [sh, st] = coalesce(t.shape, t._strides);
    const base = t._basePtr;
    forEachBlock(sh, st, (dOff, sOff, n, s4) => {
      kernels().strided_scatter(base + sOff * 4, result + dOff * 4, n[0], n[1], n[2], n[3], s4[0], s4[1], s4[2], s4[3], 0);
    });
  }
  t._storage.version++;
}

/** t op= other, in place (no graph): for optimizer steps and running statistics. */
export function inplace<T extends Tensor>(t: T, op: Op, other: Tensor | number): T {
  const name = `${op}_`;
  checkInplace(t, name);
  expectFloat(t, name, 'self');
  const k = kernels();
  const n = t.numel();
  const dst = t._contiguous ? t._writePtr() : Tensor._empty(t.shape).ptr;
  const src = t.ptr;
  if (typeof other === 'number') {
    if (op === 'add') k.add_scalar(dst, src, other, n, 0);
    else if (op === 'sub') k.add_scalar(dst, src, -other, n, 0);
    else if (op === 'mul') k.mul_scalar(dst, src, other, n, 0);
    else k.div_scalar(dst, src, other, n, 0);
  } else {
    if (!(other instanceof Tensor)) throw new Error(`${name}: argument 'other' must be a Tensor or a number, got ${typeof other}`);
    expectFloat(other, name, 'other');
    const shape = broadcastShapes(t.shape, other.shape, name);
    if (!sameShape(shape, t.shape)) throw new Error(`${name}: cannot broadcast ${fmtShape(other.shape)} into ${fmtShape(t.shape)} in place (the result would be ${fmtShape(shape)})`);
    let mode = modeOf(other.shape, t.shape), o = other;
    if (mode < 0) { o = expand(other, t.shape); mode = FULL; }
    const N = t.ndim ? t.shape[t.ndim - 1] : 1;
    k[op](dst, src, o.ptr, N === 0 ? 0 : n / N, N, mode, 0);
  }
  writeInto(t, dst);
  return t;
}

/** Copies other's values into t (broadcasting other; same dtype), in place. */
export function copy_<T extends Tensor>(t: T, other: Tensor): T {
  checkInplace(t, 'copy_');
  if (!(other instanceof Tensor)) throw new Error(`copy_: argument 'src' must be a Tensor, got ${typeof other}`);
  if (other.dtype !== t.dtype) throw new Error(`copy_: dtypes differ: ${t.dtype} and ${other.dtype}`);
  const shape = broadcastShapes(t.shape, other.shape, 'copy_');
  if (!sameShape(shape, t.shape)) throw new Error(`copy_: cannot broadcast ${fmtShape(other.shape)} into ${fmtShape(t.shape)}`);
  const src = numelOf(other.shape) === t.numel() ? other : expand(other, t.shape);
  if (t._contiguous) { kernels().copy(t._writePtr(), src.ptr, t.numel()); t._storage.version++; }
  else writeInto(t, src.ptr);
  return t;
}

/** Sets every element of t to value, in place. */
export function fill_<T extends Tensor>(t: T, value: number): T {
  checkInplace(t, 'fill_');
  if (typeof value !== 'number') throw new Error(`fill_: value must be a number, got ${typeof value}`);
  if (t.dtype !== 'float32') throw new Error('fill_: only float32 tensors can be filled');
  if (t._contiguous) { kernels().fill(t._writePtr(), value, t.numel()); t._storage.version++; return t; }
  const tmp = Tensor._empty(t.shape);
  kernels().fill(tmp.ptr, value, t.numel());
  writeInto(t, tmp.ptr);
  return t;
}

/** Sets every element of t to 0, in place. */
export function zero_<T extends Tensor>(t: T): T { return fill_(t, 0); }

export { stridedCopy, FULL, modeOf };
