// clamp(x, min, max): numbers (either may be null/undefined) with SIMD kernels, or tensors
// (broadcast, as torch.clamp's Tensor overload) from maximum/minimum's kernels. Gradients as
// PyTorch's: x gets it where min <= x <= max, a tensor bound where it was the one applied.
import { Tensor, numelOf } from '../tensor.ts';
import { record, gradPtr } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { expectTensor, expectFloat } from './check.ts';
import { spread } from './binary.ts';

type Bound = Tensor | number | null | undefined;

/**
 * Limits x to [min, max] element-wise; pass null (or undefined) for a side without a limit.
 * Bounds may be numbers or tensors that broadcast against x.
 * @example
 *   p.clamp(1e-7, 1 - 1e-7);
 *   x.clamp(0);            // min only
 *   x.clamp(null, 1);      // max only
 */
export function clamp(x: Tensor, min?: Bound, max?: Bound): Tensor {
  expectTensor(x, 'clamp', 'input');
  expectFloat(x, 'clamp', 'input');
  const hasLo = min !== null && min !== undefined, hasHi = max !== null && max !== undefined;
  if (!hasLo && !hasHi) throw new Error('clamp: give at least one of min and max (e.g. x.clamp(0) or x.clamp(null, 1))');
  const k = kernels();
  if (!(min instanceof Tensor) && !(max instanceof Tensor)) {
    for (const [v, name] of [[min, 'min'], [max, 'max']] as const) {
      if (v !== null && v !== undefined && typeof v !== 'number') throw new Error(`clamp: argument '${name}' must be a number, a Tensor or null, got ${typeof v}`);
    }
    const lo = hasLo ? (min as number) : -Infinity, hi = hasHi ? (max as number) : Infinity;
    const n = x.numel();
    const out = Tensor._empty(x.shape);
    k.clamp_forward(out.ptr, x.ptr, lo, hi, n);
    return record('clamp', out, [x], [x], (g) => k.clamp_backward(gradPtr(x), x.ptr, g, lo, hi, n));
  }
  const args: (Tensor | number)[] = [x], names = ['input'];
  if (hasLo) { args.push(min as Tensor | number); names.push('min'); }
  if (hasHi) { args.push(max as Tensor | number); names.push('max'); }
  const { shape, ts } = spread('clamp', args, names);
  const X = ts[0], L = hasLo ? ts[1] : null, H = hasHi ? ts[ts.length - 1] : null;
  const n = numelOf(shape);
  const out = Tensor._empty(shape);
  if (L) k.maxmin_forward(out.ptr, X.ptr, L.ptr, n, 0);
  if (H) k.maxmin_forward(out.ptr, L ? out.ptr : X.ptr, H.ptr, n, 1);
  return record('clamp', out, ts, ts, (g) => {
    const lo = L ? L.ptr : 0, hi = H ? H.ptr : 0;
    ts.forEach((t, i) => {
      const which = i === 0 ? 0 : hasLo && i === 1 ? 1 : 2;
      if (t.requiresGrad) k.clamp_tensor_backward(gradPtr(t), X.ptr, lo, hi, g, n, L ? 1 : 0, H ? 1 : 0, which);
    });
  });
}
