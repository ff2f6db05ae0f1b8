// Element-wise functions of two or three operands with kernels of their own: pow with a tensor
// on either side, maximum, minimum (and `spread`, which where/clamp share). Operands broadcast
// by PyTorch's rules and may be numbers: a tensor that needs spreading is expanded (a view whose
// gradient sums back into it), a number becomes a filled constant.
import { Tensor, numelOf } from '../tensor.ts';
import { record, gradPtr } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { broadcastShapes, expectFloat } from './check.ts';
import { expand } from './view.ts';
import { powScalar } from './unary.ts';

const what = (x: unknown) => (x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x);

/**
 * Brings tensors and numbers to their broadcast shape, each as a tensor whose contiguous data
 * has that shape. `ints` lists the arguments that may be int32 (masks); the rest must be float32.
 */
export function spread(op: string, args: readonly (Tensor | number)[], names: readonly string[], ints: readonly number[] = []): { shape: number[]; ts: Tensor[] } {
  let shape: number[] = [];
  args.forEach((a, i) => {
    if (a instanceof Tensor) {
      if (!ints.includes(i)) expectFloat(a, op, names[i]);
      shape = broadcastShapes(shape, a.shape, op);
    } else if (typeof a !== 'number') {
      throw new Error(`${op}: argument '${names[i]}' must be a Tensor or a number, got ${what(a)}`);
    }
  });
  const n = numelOf(shape);
  const ts = args.map((a) => {
    if (a instanceof Tensor) return a.numel() === n ? a : expand(a, shape);
    const t = Tensor._empty(shape);
    kernels().fill(t.ptr, a, n);
    return t;
  });
  return { shape, ts };
}

/**
 * a ** b, element-wise: a tensor to a number power, a number to tensor powers, or tensors
 * broadcast together. Gradients flow to every tensor (the exponent's is out · ln a).
 * @example
 *   x.pow(2);                 // square
 *   F.pow(2, t);              // 2 ** t
 *   x.pow(tensor([1, 2, 3])); // per-element exponents
 */
export function pow(a: Tensor | number, b: Tensor | number): Tensor {
  if (a instanceof Tensor && typeof b === 'number') { expectFloat(a, 'pow', 'input'); return powScalar(a, b); }
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) {
    throw new Error(`pow: at least one argument must be a Tensor, got ${what(a)} and ${what(b)}`);
  }
  const k = kernels();
  const { shape, ts: [A, B] } = spread('pow', [a, b], ['input', 'exponent']);
  const n = numelOf(shape);
  const out = Tensor._empty(shape);
  k.pow_tensor_forward(out.ptr, A.ptr, B.ptr, n);
  return record('pow', out, [A, B], [A, B, out], (g) => {
    if (A.requiresGrad) k.pow_tensor_backward_base(gradPtr(A), A.ptr, B.ptr, g, n);
    if (B.requiresGrad) k.pow_tensor_backward_exponent(gradPtr(B), A.ptr, B.ptr, out.ptr, g, n);
  });
}

function maxmin(name: string, a: Tensor | number, b: Tensor | number, isMin: number): Tensor {
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) {
    throw new Error(`${name}: at least one argument must be a Tensor, got ${what(a)} and ${what(b)}`);
  }
  const k = kernels();
  const { shape, ts: [A, B] } = spread(name, [a, b], ['input', 'other']);
  const n = numelOf(shape);
  const out = Tensor._empty(shape);
  k.maxmin_forward(out.ptr, A.ptr, B.ptr, n, isMin);
  return record(name, out, [A, B], [A, B], (g) => {
    if (A.requiresGrad) k.maxmin_backward(gradPtr(A), A.ptr, B.ptr, g, n, isMin);
    if (B.requiresGrad) k.maxmin_backward(gradPtr(B), B.ptr, A.ptr, g, n, isMin);
  });
}

/**
 * The larger of a and b, element-wise, broadcasting (NaN if either is NaN). On ties each side
 * gets half the gradient, as PyTorch's.
 * @example
 *   F.maximum(x, 0);   // relu, with half the gradient at 0
 */
export const maximum = (a: Tensor | number, b: Tensor | number): Tensor => maxmin('maximum', a, b, 0);

/** The smaller of a and b, element-wise, broadcasting (NaN if either is NaN). */
export const minimum = (a: Tensor | number, b: Tensor | number): Tensor => maxmin('minimum', a, b, 1);
