// add / sub / mul / div with PyTorch broadcasting restricted to what the kernels do:
// both the same shape, one a row vector (..., N), one a column (M, 1), or one a single
// element; a JS number is a scalar. Also the in-place forms used inside noGrad().
import { Tensor, numelOf, fmtShape, checkInplace, type Shape } from '../tensor.ts';
import { record } from '../tape.ts';
import { kernels } from '../wasm/load.ts';
import type { Kernels } from '../wasm/abi.ts';
import { expectFloat, sameShape } from './check.ts';

type Op = 'add' | 'sub' | 'mul' | 'div';
const FULL = 0, ROW = 1, COL = 2, ONE = 3;

/** The broadcast of two shapes by PyTorch's rules, or null if they do not broadcast. */
function broadcastShape(a: Shape, b: Shape): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1, db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** How `small` spreads over `full` viewed as (M, N), N = last dim; -1 if unsupported. */
function modeOf(small: Shape, full: Shape): number {
  const n = numelOf(small);
  if (n === numelOf(full)) return FULL;
  if (n === 1) return ONE;
  const N = full[full.length - 1];
  if (n === N && small[small.length - 1] === N) return ROW;
  if (full.length === 2 && small.length === 2 && small[0] === full[0] && small[1] === 1) return COL;
  return -1;
}

/** Adds (acc = 1) or writes (acc = 0) the (M, N) gradient g, reduced to an operand spread with `mode`. */
function reduceInto(k: Kernels, dst: number, g: number, M: number, N: number, mode: number, acc = 1): void {
  if (mode === FULL) k.add_scalar(dst, g, 0, M * N, acc);
  else if (mode === ROW) k.sum_dim0(dst, g, M, N, acc);
  else if (mode === COL) k.sum_dim1(dst, g, M, N, acc);
  else k.sum_all(dst, g, M * N, acc);
}

/** Subtracts the (M, N) gradient g from the gradient of an operand spread with `mode`. */
function reduceOutOf(k: Kernels, dst: number, g: number, M: number, N: number, mode: number): void {
  if (mode === FULL) { k.sub(dst, dst, g, M, N, FULL, 0); return; }
  const tmp = Tensor._empty([mode === ROW ? N : mode === COL ? M : 1]);
  reduceInto(k, tmp.ptr, g, M, N, mode, 0);
  k.sub(dst, dst, tmp.ptr, 1, tmp.numel(), FULL, 0);
}

function binary(op: Op, a: Tensor, b: Tensor | number, name: string): Tensor {
  expectFloat(a, name, 'input');
  if (typeof b === 'number') return scalarOp(op, a, b, false);
  if (!(b instanceof Tensor)) throw new Error(`${name}: argument 'other' must be a Tensor or a number, got ${typeof b}`);
  expectFloat(b, name, 'other');
  const shape = broadcastShape(a.shape, b.shape);
  if (!shape) throw new Error(`${name}: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not broadcast`);
  // The kernels take the full-size operand first; `swap` means the tensor on the left is the small one.
  const swap = numelOf(a.shape) !== numelOf(shape);
  const full = swap ? b : a, small = swap ? a : b;
  const mode = modeOf(small.shape, shape);
  if (mode < 0 || numelOf(full.shape) !== numelOf(shape)) {
    throw new Error(`${name}: broadcasting ${fmtShape(a.shape)} with ${fmtShape(b.shape)} is not supported (only same shape, a row (..., N), a column (M, 1) or a single element)`);
  }
  const N = shape.length ? shape[shape.length - 1] : 1, M = numelOf(shape) / Math.max(N, 1);
  const k = kernels();
  const out = Tensor._empty(shape);
  const kop = op === 'sub' && swap ? 'rsub' : op === 'div' && swap ? 'rdiv' : op;
  k[kop](out.ptr, full.ptr, small.ptr, M, N, mode, 0);
  return record(out, [a, b], () => {
    const g = out.gradPtr();
    if (op === 'add') {
      if (full.requiresGrad) reduceInto(k, full.gradPtr(), g, M, N, FULL);
      if (small.requiresGrad) reduceInto(k, small.gradPtr(), g, M, N, mode);
    } else if (op === 'sub') {
      const plus = swap ? small : full, minus = swap ? full : small;
      if (plus.requiresGrad) reduceInto(k, plus.gradPtr(), g, M, N, plus === full ? FULL : mode);
      if (minus.requiresGrad) reduceOutOf(k, minus.gradPtr(), g, M, N, minus === full ? FULL : mode);
    } else if (op === 'mul') {
      if (full.requiresGrad) k.mul(full.gradPtr(), g, small.ptr, M, N, mode, 1);
      if (small.requiresGrad) {
        if (mode === FULL) k.mul(small.gradPtr(), g, full.ptr, M, N, FULL, 1);
        else { const t = Tensor._empty(shape); k.mul(t.ptr, g, full.ptr, M, N, FULL, 0); reduceInto(k, small.gradPtr(), t.ptr, M, N, mode); }
      }
    } else {
      // out = num / den. d num += g / den;  d den -= g * out / den.
      const num = swap ? small : full, den = swap ? full : small;
      const numMode = num === full ? FULL : mode, denMode = den === full ? FULL : mode;
      if (num.requiresGrad) {
        if (numMode === FULL) k.div(num.gradPtr(), g, den.ptr, M, N, denMode, 1);
        else { const t = Tensor._empty(shape); k.div(t.ptr, g, den.ptr, M, N, denMode, 0); reduceInto(k, num.gradPtr(), t.ptr, M, N, numMode); }
      }
      if (den.requiresGrad) {
        const t = Tensor._empty(shape);
        k.mul(t.ptr, g, out.ptr, M, N, FULL, 0);
        k.div(t.ptr, t.ptr, den.ptr, M, N, denMode, 0);
        reduceOutOf(k, den.gradPtr(), t.ptr, M, N, denMode);
      }
    }
  });
}

/** a op s, or s op a when `reversed`. */
export function scalarOp(op: Op, a: Tensor, s: number, reversed: boolean): Tensor {
  expectFloat(a, op, 'input');
  const k = kernels();
  const n = a.numel();
  const out = Tensor._empty(a.shape);
  if (op === 'add') k.add_scalar(out.ptr, a.ptr, s, n, 0);
  else if (op === 'mul') k.mul_scalar(out.ptr, a.ptr, s, n, 0);
  else if (op === 'sub') { if (reversed) k.rsub_scalar(out.ptr, a.ptr, s, n, 0); else k.add_scalar(out.ptr, a.ptr, -s, n, 0); }
  else if (reversed) k.rdiv_scalar(out.ptr, a.ptr, s, n, 0);
  else k.div_scalar(out.ptr, a.ptr, s, n, 0);
  return record(out, [a], () => {
    const g = out.gradPtr(), da = a.gradPtr();
    if (op === 'add') k.add_scalar(da, g, 0, n, 1);
    else if (op === 'mul') k.mul_scalar(da, g, s, n, 1);
    else if (op === 'sub') { if (reversed) k.sub(da, da, g, 1, n, FULL, 0); else k.add_scalar(da, g, 0, n, 1); }
    else if (!reversed) k.div_scalar(da, g, s, n, 1);
    else {
      // d(s/a) = -(s/a)/a · g = -out/a · g
      const t = Tensor._empty(a.shape);
      k.div(t.ptr, out.ptr, a.ptr, 1, n, FULL, 0);
      k.mul(t.ptr, t.ptr, g, 1, n, FULL, 0);
      k.sub(da, da, t.ptr, 1, n, FULL, 0);
    }
  });
}

/** a + b (b a tensor that broadcasts, or a number). */
export function add(a: Tensor | number, b: Tensor | number): Tensor {
  return typeof a === 'number' ? binary('add', asTensor(b, 'add'), a, 'add') : binary('add', a, b, 'add');
}
/** a - b; either may be a number. */
export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  return typeof a === 'number' ? scalarOp('sub', asTensor(b, 'sub'), a, true) : binary('sub', a, b, 'sub');
}
/** a * b; either may be a number. */
export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  return typeof a === 'number' ? binary('mul', asTensor(b, 'mul'), a, 'mul') : binary('mul', a, b, 'mul');
}
/** a / b; either may be a number. */
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  return typeof a === 'number' ? scalarOp('div', asTensor(b, 'div'), a, true) : binary('div', a, b, 'div');
}

function asTensor(x: Tensor | number, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: at least one argument must be a Tensor`);
  return x;
}

/** t op= other, in place (no graph): for optimizer steps and running statistics. */
export function inplace<T extends Tensor>(t: T, op: Op | 'copy', other: Tensor | number): T {
  const name = `${op}_`;
  checkInplace(t, name);
  if (op !== 'copy' || typeof other === 'number' || other.dtype !== t.dtype) expectFloat(t, name, 'self');
  const k = kernels();
  const n = t.numel();
  if (typeof other === 'number') {
    if (op === 'copy') throw new Error('copy_: argument must be a Tensor');
    if (op === 'add') k.add_scalar(t.ptr, t.ptr, other, n, 0);
    else if (op === 'sub') k.add_scalar(t.ptr, t.ptr, -other, n, 0);
    else if (op === 'mul') k.mul_scalar(t.ptr, t.ptr, other, n, 0);
    else k.div_scalar(t.ptr, t.ptr, other, n, 0);
    return t;
  }
  if (op !== 'copy') expectFloat(other, name, 'other');
  if (op === 'copy' || sameShape(t.shape, other.shape) || numelOf(other.shape) === n) {
    if (numelOf(other.shape) !== n) throw new Error(`${name}: shapes ${fmtShape(t.shape)} and ${fmtShape(other.shape)} differ`);
    if (op === 'copy') k.copy(t.ptr, other.ptr, n);
    else k[op](t.ptr, t.ptr, other.ptr, 1, n, FULL, 0);
    return t;
  }
  const mode = modeOf(other.shape, t.shape);
  if (mode < 0 || mode === FULL) throw new Error(`${name}: cannot broadcast ${fmtShape(other.shape)} into ${fmtShape(t.shape)}`);
  const N = t.shape[t.shape.length - 1];
  k[op](t.ptr, t.ptr, other.ptr, n / N, N, mode, 0);
  return t;
}

export function fill_<T extends Tensor>(t: T, value: number): T {
  checkInplace(t, 'fill_');
  if (t.dtype !== 'float32') throw new Error('fill_: only float32 tensors can be filled');
  kernels().fill(t.ptr, value, t.numel());
  return t;
}
