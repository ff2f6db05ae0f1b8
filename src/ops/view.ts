// Views: tensors that share their input's storage with another shape, strides or offset, as
// PyTorch's (view, reshape, transpose, permute, expand, narrow, select, slice, squeeze, ...).
// Writing to a view writes to its base. Gradients: a view's gradient is added back into its
// input's gradient at the places the view reads (strided_scatter), so expand sums for free.
// Also the copies that join views (cat, stack, roll): strided copies into one new tensor.
import { Tensor, numelOf, fmtShape, contiguousStrides, coalesce, forEachBlock, type Shape } from '../tensor.ts';
import { record, gradPtr as gradOf, gradTarget, passGrad } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { normDim, normDims, expectTensor } from './check.ts';

type ShapeArgs = (number | readonly number[])[];

function shapeFrom(args: ShapeArgs): number[] {
  return (args.length === 1 && Array.isArray(args[0]) ? [...args[0]] : [...args]) as number[];
}

/** A shape with at most one -1 inferred from numel n; throws naming the op. */
function inferShape(asked: number[], n: number, x: Tensor, op: string): number[] {
  const infer = asked.indexOf(-1);
  if (asked.some((d, i) => !Number.isInteger(d) || d < -1 || (d === -1 && i !== infer))) {
    throw new Error(`${op}: invalid shape ${fmtShape(asked)}: sizes must be non-negative integers, with at most one -1`);
  }
  const shape = [...asked];
  const known = numelOf(asked.filter((d) => d !== -1));
  if (infer >= 0) {
    if (known === 0 || n % known !== 0) throw new Error(`${op}: shape ${fmtShape(asked)} is invalid for input of size ${n} (shape ${fmtShape(x.shape)})`);
    shape[infer] = n / known;
  }
  if (numelOf(shape) !== n) throw new Error(`${op}: shape ${fmtShape(asked)} is invalid for input of size ${n} (shape ${fmtShape(x.shape)})`);
  return shape;
}

/**
 * Strides that let `shape` view x's elements in the same order, or null (PyTorch's
 * computeStride: possible when each group of merged dims of x is contiguous within itself).
 */
function viewStrides(x: Tensor, shape: number[]): number[] | null {
  if (x._contiguous) return contiguousStrides(shape);
  const oldShape = x.shape, oldStrides = x._strides;
  const out = new Array<number>(shape.length);
  if (numelOf(oldShape) === 0) return contiguousStrides(shape);
  let viewD = shape.length - 1;
  let chunkBase = oldStrides[oldStrides.length - 1] ?? 1;
  let tensorNumel = 1, viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d];
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) { chunkBase = oldStrides[d - 1]; tensorNumel = 1; viewNumel = 1; }
    }
  }
  if (viewD !== -1) return null;
  return out;
}

/** Records a view that keeps x's element order (view, reshape, flatten, squeeze, unsqueeze): gradient copied back as is. */
function orderView(x: Tensor, shape: number[], strides: number[], name: string): Tensor {
  const out = new Tensor(shape, x.dtype, x._storage, strides, x._offset);
  return record(name, out, [x], [], (_g, node) => passGrad(x, node));
}

/** x.view(shape): same data, new shape (-1 infers one size); x must be viewable without a copy. */
export function view(x: Tensor, ...shape: ShapeArgs): Tensor {
  const s = inferShape(shapeFrom(shape), x.numel(), x, 'view');
  const strides = viewStrides(x, s);
  if (!strides) {
    throw new Error(`view: size ${fmtShape(s)} is not compatible with the input's strides (shape ${fmtShape(x.shape)}, a non-contiguous view); use .reshape(...) instead`);
  }
  return orderView(x, s, strides, 'view');
}

/** x.reshape(shape): a view when possible, else a contiguous copy. */
export function reshape(x: Tensor, ...shape: ShapeArgs): Tensor {
  const s = inferShape(shapeFrom(shape), x.numel(), x, 'reshape');
  const strides = viewStrides(x, s);
  if (strides) return orderView(x, s, strides, 'reshape');
  return orderView(contiguous(x), s, contiguousStrides(s), 'reshape');
}

/** Flattens dims start..end (inclusive, default all) into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normDim(startDim, x.ndim, 'flatten'), e = normDim(endDim, x.ndim, 'flatten');
  if (s > e) throw new Error(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Inserts a size-1 dim at `dim`. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape], strides = [...x._strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x._strides[d] * x.shape[d] : 1);
  return orderView(x, shape, strides, 'unsqueeze');
}

/** Removes size-1 dims (all, or the given ones that have size 1). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const drop = dim === undefined ? x.shape.map((_, i) => i) : normDims(dim, x.ndim, 'squeeze');
  const keep = x.shape.map((d, i) => !(d === 1 && drop.includes(i)));
  return orderView(x, x.shape.filter((_, i) => keep[i]), x._strides.filter((_, i) => keep[i]), 'squeeze');
}

/**
 * A strided view of x: out dim i reads x's dim src[i] (or is a new size-1 dim when -1) with a
 * step, starting at `starts` (per x dim). Gradients go back with strided_scatter.
 */
function stridedView(x: Tensor, name: string, shape: number[], src: number[], step: number[], starts: number[], expanded: boolean[] = []): Tensor {
  const logical = contiguousStrides(x.shape);
  const strides: number[] = [], relStrides: number[] = [];
  let offset = x._offset, relOffset = 0;
  for (let d = 0; d < x.ndim; d++) { offset += starts[d] * x._strides[d] * 4; relOffset += starts[d] * logical[d]; }
  for (let i = 0; i < shape.length; i++) {
    const s = src[i];
    if (s < 0 || expanded[i]) { strides.push(0); relStrides.push(0); continue; }
    strides.push(x._strides[s] * step[i]);
    relStrides.push(logical[s] * step[i]);
  }
  const out = new Tensor(shape, x.dtype, x._storage, strides, offset);
  // A permutation reads every element of x once: its gradient can be written; a part of x
  // (narrow, select) or a broadcast of it (expand) adds into a zeroed gradient.
  const bijective = numelOf(shape) === x.numel() && !expanded.some(Boolean);
  return record(name, out, [x], [], (g) => {
    const [dx, acc] = bijective ? gradTarget(x) : [gradOf(x), 1];
    const [sh, st] = coalesce(shape, relStrides);
    forEachBlock(sh, st, (dOff, sOff, n, s4) => {
      kernels().strided_scatter(dx + (relOffset + sOff) * 4, g + dOff * 4, n[0], n[1], n[2], n[3], s4[0], s4[1], s4[2], s4[3], acc);
    });
  });
}

const identity = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Swaps two dims (a view). */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normDim(dim0, Math.max(x.ndim, 1), 'transpose'), b = normDim(dim1, Math.max(x.ndim, 1), 'transpose');
  if (x.ndim < 2) return x;
  const perm = identity(x.ndim);
  perm[a] = b; perm[b] = a;
  return permute(x, perm);
}

/** Reorders the dims (a view): out dim i is x's dim dims[i]. */
export function permute(x: Tensor, ...dims: ShapeArgs): Tensor {
  const list = shapeFrom(dims);
  if (list.length !== x.ndim) throw new Error(`permute: expected ${x.ndim} dims for a tensor of shape ${fmtShape(x.shape)}, got ${JSON.stringify(list)}`);
  const perm = normDims(list, x.ndim, 'permute');
  return stridedView(x, 'permute', perm.map((d) => x.shape[d]), perm, perm.map(() => 1), x.shape.map(() => 0));
}

/** The transpose of a 2-D tensor (PyTorch's .T reverses all dims). */
export function T(x: Tensor): Tensor {
  return permute(x, identity(x.ndim).reverse());
}

/** Repeats size-1 dims to the given sizes without copying (-1 keeps a size); new leading dims allowed. */
export function expand(x: Tensor, ...sizes: ShapeArgs): Tensor {
  const want = shapeFrom(sizes);
  if (want.length < x.ndim) throw new Error(`expand: the number of sizes (${want.length}) must be at least the number of dims (${x.ndim})`);
  const lead = want.length - x.ndim;
  const shape: number[] = [], src: number[] = [], expanded: boolean[] = [];
  for (let i = 0; i < want.length; i++) {
    const d = i - lead, have = d >= 0 ? x.shape[d] : 1;
    const w = want[i] === -1 && d >= 0 ? have : want[i];
    if (!Number.isInteger(w) || w < 0) throw new Error(`expand: invalid size ${want[i]} at dim ${i}`);
    if (d >= 0 && have !== 1 && have !== w) throw new Error(`expand: the size of dim ${i} (${have}) must match ${w} or be 1 (shape ${fmtShape(x.shape)} to ${fmtShape(want)})`);
    shape.push(w);
    src.push(d);
    expanded.push(d < 0 || (have === 1 && w !== 1));
  }
  if (shape.every((s, i) => s === x.shape[i - lead]) && lead === 0) return x;
  return stridedView(x, 'expand', shape, src, shape.map(() => 1), x.shape.map(() => 0), expanded);
}

/** x.expand(other.shape). */
export function expandAs(x: Tensor, other: Tensor): Tensor { return expand(x, other.shape); }

/** `length` elements of dim `dim` from `start` (a view). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim(dim, x.ndim, 'narrow');
  const size = x.shape[d];
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(start) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
    throw new Error(`narrow: start ${start} and length ${length} are out of range for dim ${dim} of size ${size}`);
  }
  return slice(x, d, s, s + length);
}

/**
 * x[..., start:end:step, ...] along one dim (a view), with Python's rules: negative start/end
 * count from the end, out-of-range ends are clipped.
 */
export function slice(x: Tensor, dim: number, start: number | null = null, end: number | null = null, step = 1): Tensor {
  const d = normDim(dim, x.ndim, 'slice');
  const size = x.shape[d];
  if (!Number.isInteger(step) || step < 1) throw new Error(`slice: step must be a positive integer, got ${step}`);
  const clip = (v: number | null, dflt: number) => {
    if (v === null || v === undefined) return dflt;
    if (!Number.isInteger(v)) throw new Error(`slice: start and end must be integers, got ${v}`);
    return Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  };
  const s = clip(start, 0), e = Math.max(clip(end, size), s);
  const len = Math.ceil((e - s) / step);
  const shape = [...x.shape]; shape[d] = len;
  const starts = x.shape.map(() => 0); starts[d] = len > 0 ? s : 0;
  const steps = x.shape.map((_, i) => (i === d ? step : 1));
  return stridedView(x, 'slice', shape, identity(x.ndim), steps, starts);
}

/** x[..., index, ...] along one dim, removing it (a view); negative indices count from the end. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normDim(dim, x.ndim, 'select');
  const size = x.shape[d];
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new Error(`select: index ${index} is out of range for dim ${dim} with size ${size}`);
  }
  const i = index < 0 ? index + size : index;
  const starts = x.shape.map(() => 0); starts[d] = i;
  const src = identity(x.ndim).filter((k) => k !== d);
  return stridedView(x, 'select', src.map((k) => x.shape[k]), src, src.map(() => 1), starts);
}

/** x itself when contiguous, else a contiguous copy (differentiable). */
export function contiguous(x: Tensor): Tensor {
  if (x._contiguous) return x;
  return clone(x);
}

/** A copy with its own memory (differentiable, as PyTorch's clone). */
export function clone(x: Tensor): Tensor {
  expectTensor(x, 'clone', 'input');
  const out = Tensor._empty(x.shape, x.dtype);
  kernels().copy(out.ptr, x.ptr, x.numel());
  return record('clone', out, [x], [], (_g, node) => passGrad(x, node));
}

/** A tensor sharing x's data, cut off from the graph. */
export function detach(x: Tensor): Tensor { return x.detach(); }

/** Views of x split along dim into pieces of `size` (the last may be smaller), or of the given sizes. */
export function split(x: Tensor, sizes: number | readonly number[], dim = 0): Tensor[] {
  const d = normDim(dim, x.ndim, 'split');
  const n = x.shape[d];
  let list: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes < 0 || (sizes === 0 && n !== 0)) throw new Error(`split: size must be a positive integer, got ${sizes}`);
    list = [];
    for (let s = 0; s < n; s += sizes) list.push(Math.min(sizes, n - s));
    if (!list.length) list.push(0);
  } else {
    list = [...sizes];
    const total = list.reduce((a, b) => a + b, 0);
    if (list.some((s) => !Number.isInteger(s) || s < 0) || total !== n) {
      throw new Error(`split: sizes ${JSON.stringify(list)} must be non-negative integers summing to dim ${dim}'s size ${n}`);
    }
  }
  const out: Tensor[] = [];
  let at = 0;
  for (const s of list) { out.push(narrow(x, d, at, s)); at += s; }
  return out;
}

/** `chunks` views along dim of equal size (the last may be smaller), as torch.chunk. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks < 1) throw new Error(`chunk: chunks must be a positive integer, got ${chunks}`);
  const n = x.shape[normDim(dim, x.ndim, 'chunk')];
  // An empty dim gives `chunks` empty pieces, as PyTorch's.
  if (n === 0) return split(x, new Array<number>(chunks).fill(0), dim);
  return split(x, Math.ceil(n / chunks), dim);
}

/** Views of each index along dim (the dim removed), as torch.unbind. */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normDim(dim, x.ndim, 'unbind');
  return Array.from({ length: x.shape[d] }, (_, i) => select(x, d, i));
}


/**
 * @internal Copies contiguous data at `src` (shape `shape`) into the region of a contiguous tensor
 * of strides `strides` that starts at `dst` (scatter), or, with `toContiguous`, copies that region
 * into contiguous memory at `src`'s place; `acc` adds instead of writing.
 */
export function copyRegion(dst: number, src: number, shape: Shape, strides: readonly number[], toContiguous: boolean, acc: number): void {
  const [sh, st] = coalesce(shape, strides);
  forEachBlock(sh, st, (cOff, rOff, n, s4) => {
    const region = dst + rOff * 4, flat = src + cOff * 4;
    if (toContiguous) kernels().strided_copy(flat, region, n[0], n[1], n[2], n[3], s4[0], s4[1], s4[2], s4[3], acc);
    else kernels().strided_scatter(region, flat, n[0], n[1], n[2], n[3], s4[0], s4[1], s4[2], s4[3], acc);
  });
}

/**
 * Joins tensors along an existing dim, as torch.cat: every other dim must match. 1-D empty
 * tensors are skipped (PyTorch's legacy rule).
 * @example
 *   const x = F.cat([a, b], 1);   // [2,3] and [2,4] -> [2,7]
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('cat: expected a non-empty array of tensors');
  tensors.forEach((t, i) => expectTensor(t, 'cat', `tensors[${i}]`));
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  if (parts.length === 0) return clone(tensors[0]);
  const first = parts[0];
  if (first.ndim === 0) throw new Error('cat: zero-dimensional tensor (at position 0) cannot be concatenated; unsqueeze it or use stack');
  const d = normDim(dim, first.ndim, 'cat');
  const shape = [...first.shape];
  shape[d] = 0;
  parts.forEach((t) => {
    if (t.dtype !== first.dtype) throw new Error(`cat: all tensors must have one dtype, got ${first.dtype} and ${t.dtype} (tensors[${tensors.indexOf(t)}])`);
    const bad = t.ndim !== first.ndim || t.shape.some((n: number, k: number) => k !== d && n !== first.shape[k]);
    if (bad) throw new Error(`cat: sizes must match except in dim ${dim}: ${fmtShape(first.shape)} and ${fmtShape(t.shape)} (tensors[${tensors.indexOf(t)}])`);
    shape[d] += t.shape[d];
  });
  const out = Tensor._empty(shape, first.dtype);
  const strides = contiguousStrides(shape);
  const starts: number[] = [];
  let at = 0;
  for (const t of parts) {
    starts.push(at * strides[d] * 4);
    if (t.numel() > 0) copyRegion(out.ptr + at * strides[d] * 4, t.ptr, t.shape, strides, false, 0);
    at += t.shape[d];
  }
  return record('cat', out, parts, [], (g) => {
    parts.forEach((t, i) => {
      if (!t.requiresGrad || t.numel() === 0) return;
      const [d, acc] = gradTarget(t);
      copyRegion(g + starts[i], d, t.shape, strides, true, acc);
    });
  });
}

/**
 * Joins same-shaped tensors along a new dim, as torch.stack.
 * @example
 *   const xy = F.stack([x, y], -1);   // two [N] -> [N, 2]
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error('stack: expected a non-empty array of tensors');
  tensors.forEach((t, i) => expectTensor(t, 'stack', `tensors[${i}]`));
  const first = tensors[0];
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((n: number, k: number) => n !== first.shape[k])) {
      throw new Error(`stack: expects each tensor to be equal size, but got ${fmtShape(first.shape)} at entry 0 and ${fmtShape(t.shape)} at entry ${i}`);
    }
  });
  const d = normDim(dim, first.ndim + 1, 'stack');
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/**
 * Rolls elements along dims (wrapping around), as torch.roll; without dims the tensor is
 * flattened, rolled and given its shape back.
 * @example
 *   x.roll(1, 0);            // last row first
 *   x.roll([1, -2], [0, 1]);
 */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  expectTensor(x, 'roll', 'input');
  const sh = typeof shifts === 'number' ? [shifts] : [...shifts];
  if (sh.some((v) => !Number.isInteger(v))) throw new Error(`roll: shifts must be integers, got ${JSON.stringify(shifts)}`);
  if (dims === undefined || (Array.isArray(dims) && dims.length === 0)) {
    if (sh.length !== 1) throw new Error(`roll: without dims, shifts must be one number, got ${JSON.stringify(shifts)}`);
    return view(roll(flatten(x), sh[0], 0), x.shape);
  }
  const ds = typeof dims === 'number' ? [dims] : [...dims];
  if (ds.length !== sh.length) throw new Error(`roll: shifts and dims must have the same length, got ${sh.length} and ${ds.length}`);
  let t = x;
  ds.forEach((dim, i) => {
    const d = normDim(dim, Math.max(x.ndim, 1), 'roll');
    const n = t.ndim === 0 ? 1 : t.shape[d];
    const s = n === 0 ? 0 : ((sh[i] % n) + n) % n;
    if (s === 0 || t.ndim === 0) return;
    t = cat([narrow(t, d, n - s, s), narrow(t, d, 0, n - s)], d);
  });
  return t === x ? clone(x) : t;
}

export type { Shape };
