// gather / scatterAdd along one dim, as torch.gather and torch.scatter_add (out of place), on the
// kernels of assembly/kernels/gather.ts. Either op's gradient is the other's kernel: gather's
// input gets its gradient scatter-added, scatterAdd's src gets the gradient gathered.
import { Tensor, fmtShape, numelOf, contiguousStrides } from '../tensor.ts';
import { record, gradPtr, gradTarget, passGrad } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { checkStatus } from '../wasm/status.ts';
import { expectTensor, expectInt, expectFloat, normDim } from './check.ts';
import { narrow, copyRegion } from './view.ts';

/** x narrowed (a view) to `shape` in every dim but `skip` (-1: none). */
function narrowTo(x: Tensor, shape: readonly number[], skip: number): Tensor {
  let t = x;
  for (let d = 0; d < shape.length; d++) if (d !== skip && shape[d] < x.shape[d]) t = narrow(t, d, 0, shape[d]);
  return t;
}

/** (O, J, I, V): the dims before, along and after `d` of the index, and the input's size along d. */
function dims(index: Tensor, x: Tensor, d: number): [number, number, number, number] {
  return [numelOf(index.shape.slice(0, d)), index.shape[d], numelOf(index.shape.slice(d + 1)), x.shape[d]];
}

function checkIndexShape(op: string, x: Tensor, index: Tensor, d: number, xArg: string): void {
  if (index.ndim !== x.ndim) throw new Error(`${op}: index must have as many dims as ${xArg}: ${fmtShape(index.shape)} vs ${fmtShape(x.shape)}`);
  for (let k = 0; k < x.ndim; k++) {
    if (k !== d && index.shape[k] > x.shape[k]) {
      throw new Error(`${op}: index ${fmtShape(index.shape)} is larger than ${xArg} ${fmtShape(x.shape)} in dim ${k} (only dim ${d} may be)`);
    }
  }
}

/**
 * out[i][j][k] = x[i][index[i][j][k]][k] for dim = 1 (and alike for any dim), as torch.gather.
 * @example
 *   const picked = logprobs.gather(1, Y.unsqueeze(1));   // [N, C] by [N, 1] -> [N, 1]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  expectTensor(x, 'gather', 'input'); expectTensor(index, 'gather', 'index'); expectInt(index, 'gather', 'index');
  if (x.ndim === 0) throw new Error('gather: input must have at least 1 dim');
  const d = normDim(dim, x.ndim, 'gather');
  checkIndexShape('gather', x, index, d, 'input');
  const xn = narrowTo(x, index.shape, d);
  const [O, J, I, V] = dims(index, x, d);
  const k = kernels();
  const out = Tensor._empty(index.shape, x.dtype);
  k.gather_forward(out.ptr, xn.ptr, index.ptr, O, J, I, V);
  checkStatus((v, pos) => `gather: index ${v} is out of bounds for dimension ${d} with size ${V} (at flat position ${pos} of the index ${fmtShape(index.shape)})`);
  return record('gather', out, [xn], [index], (g) => k.gather_backward(gradPtr(xn), g, index.ptr, O, J, I, V));
}

/**
 * A copy of x with src added at the places index points to along dim, as torch.scatter_add
 * (out[i][index[i][j][k]][k] += src[i][j][k] for dim = 1). Repeated indices add up.
 * @example
 *   const counts = zeros([3]).scatterAdd(0, idx, ones([idx.numel()]));
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  expectTensor(x, 'scatterAdd', 'input'); expectTensor(index, 'scatterAdd', 'index'); expectTensor(src, 'scatterAdd', 'src');
  expectInt(index, 'scatterAdd', 'index'); expectFloat(x, 'scatterAdd', 'input'); expectFloat(src, 'scatterAdd', 'src');
  if (x.ndim === 0) throw new Error('scatterAdd: input must have at least 1 dim');
  const d = normDim(dim, x.ndim, 'scatterAdd');
  checkIndexShape('scatterAdd', x, index, d, 'input');
  if (src.ndim !== index.ndim || index.shape.some((n, k) => n > src.shape[k])) {
    throw new Error(`scatterAdd: index ${fmtShape(index.shape)} must be no larger than src ${fmtShape(src.shape)} in every dim`);
  }
  const srcn = narrowTo(src, index.shape, -1);
  const [O, J, I, V] = dims(index, x, d);
  // The part of x the index reaches: x's size along d, the index's elsewhere. When that is not
  // all of x, it is scattered in a contiguous copy of that region (the same order of additions).
  const region = index.shape.map((n, k) => (k === d ? x.shape[d] : n));
  const whole = region.every((n, k) => n === x.shape[k]);
  const strides = contiguousStrides(x.shape);
  const k = kernels();
  const out = Tensor._empty(x.shape);
  k.copy(out.ptr, x.ptr, x.numel());
  // Between x's region (at `at`, x's strides) and contiguous memory (at `flat`).
  const toRegion = (at: number, flat: number) => copyRegion(at, flat, region, strides, false, 0);
  const fromRegion = (flat: number, at: number) => copyRegion(at, flat, region, strides, true, 0);
  const msg = (v: number, pos: number) => `scatterAdd: index ${v} is out of bounds for dimension ${d} with size ${V} (at flat position ${pos} of the index ${fmtShape(index.shape)})`;
  if (whole) {
    k.gather_backward(out.ptr, srcn.ptr, index.ptr, O, J, I, V);
    checkStatus(msg);
  } else {
    const tmp = Tensor._empty(region);
    fromRegion(tmp.ptr, out.ptr);
    k.gather_backward(tmp.ptr, srcn.ptr, index.ptr, O, J, I, V);
    checkStatus(msg);
    toRegion(out.ptr, tmp.ptr);
  }
  return record('scatterAdd', out, [x, srcn], [index], (g, node) => {
    if (srcn.requiresGrad) {
      // src's gradient is g gathered back (from x's region of g when the index covers less).
      let from = g;
      if (!whole) { const t = Tensor._empty(region); fromRegion(t.ptr, g); from = t.ptr; }
      const [d, acc] = gradTarget(srcn);
      if (!acc) k.gather_forward(d, from, index.ptr, O, J, I, V);
      else {
        const picked = Tensor._empty(index.shape);
        k.gather_forward(picked.ptr, from, index.ptr, O, J, I, V);
        k.add_scalar(d, picked.ptr, 0, picked.numel(), 1);
      }
    }
    // x's is g itself (last: it may take g's buffer).
    if (x.requiresGrad) passGrad(x, node);
  });
}
