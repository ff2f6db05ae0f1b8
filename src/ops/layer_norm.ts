// F.layerNorm: normalises over the last dims (normalizedShape) with an optional weight and bias of
// that shape, as torch.nn.functional.layer_norm. One kernel each way (assembly/kernels/layer_norm.ts):
// the forward keeps each row's mean and rstd for the backward.
import { Tensor, fmtShape, numelOf } from '../tensor.ts';
import { record, gradPtr } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { expectTensor, expectFloat, sameShape } from './check.ts';

/**
 * (x - mean) / sqrt(var + eps) * weight + bias over the last normalizedShape.length dims
 * (biased variance, as PyTorch).
 * @example
 *   const y = F.layerNorm(x, [64], ln.weight, ln.bias);   // x (B, T, 64)
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  expectTensor(x, 'layerNorm', 'input'); expectFloat(x, 'layerNorm', 'input');
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  if (!shape.length || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`layerNorm: normalizedShape must be positive integers, got ${JSON.stringify(normalizedShape)}`);
  if (!sameShape(x.shape.slice(x.ndim - shape.length), shape) || x.ndim < shape.length) {
    throw new Error(`layerNorm: input ${fmtShape(x.shape)} does not end with normalizedShape ${fmtShape(shape)}`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t === null || t === undefined) continue;
    expectTensor(t, 'layerNorm', name); expectFloat(t, 'layerNorm', name);
    if (!sameShape(t.shape, shape)) throw new Error(`layerNorm: ${name} must have shape ${fmtShape(shape)} (normalizedShape), got ${fmtShape(t.shape)}`);
  }
  if (typeof eps !== 'number' || !(eps >= 0)) throw new Error(`layerNorm: eps must be a non-negative number, got ${eps}`);
  const w = weight ?? null, b = bias ?? null;
  const N = numelOf(shape), M = x.numel() / N;
  const k = kernels();
  const out = Tensor._empty(x.shape);
  const mean = Tensor._empty([M]), rstd = Tensor._empty([M]);
  k.layernorm_forward(out.ptr, mean.ptr, rstd.ptr, x.ptr, w ? w.ptr : 0, b ? b.ptr : 0, eps, M, N);
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  return record('layerNorm', out, inputs, w ? [x, w] : [x], (g) => {
    const dx = x.requiresGrad ? gradPtr(x) : 0;
    const dw = w && w.requiresGrad ? gradPtr(w) : 0, db = b && b.requiresGrad ? gradPtr(b) : 0;
    k.layernorm_backward(dx, dw, db, g, x.ptr, w ? w.ptr : 0, mean.ptr, rstd.ptr, M, N);
  });
}
