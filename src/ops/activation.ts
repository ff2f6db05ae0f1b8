// Activations with their own SIMD kernels: relu, sigmoid, gelu ('none' = erf form, 'tanh').
import type { Tensor } from '../tensor.ts';
import { unary } from './unary.ts';
import { checkOptions } from './check.ts';

/**
 * max(x, 0), element-wise (NaN stays NaN).
 * @example
 *   const h = x.matmul(W).add(b).relu();
 */
export const relu = (x: Tensor): Tensor => unary('relu', x, 'out', (k, o, a, n) => k.relu_forward(o, a, n),
  (k, dx, _x, o, g, n, acc) => k.relu_backward(dx, o, g, n, acc), true);

/**
 * 1 / (1 + e^-x), element-wise.
 * @example
 *   const p = logits.sigmoid();
 */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x, 'out', (k, o, a, n) => k.sigmoid_forward(o, a, n),
  (k, dx, _x, o, g, n, acc) => k.sigmoid_backward(dx, o, g, n, acc), true);

export interface GeluOptions {
  /** 'none' (default): x·Φ(x) with the exact erf; 'tanh': the tanh approximation (GPT-2's). */
  approximate?: 'none' | 'tanh';
}

/**
 * The Gaussian error linear unit, as torch.nn.functional.gelu.
 * @example
 *   const h = F.gelu(x);                             // x * Φ(x)
 *   const h2 = F.gelu(x, { approximate: 'tanh' });   // GPT-2's form
 */
export function gelu(x: Tensor, opts: GeluOptions = {}): Tensor {
  checkOptions('gelu', opts, ['approximate']);
  const approximate = opts.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new Error(`gelu: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
  }
  const a = approximate === 'tanh' ? 1 : 0;
  return unary('gelu', x, 'x', (k, o, i, n) => k.gelu_forward(o, i, n, a), (k, dx, i, _o, g, n, acc) => k.gelu_backward(dx, i, g, n, a, acc), true);
}
