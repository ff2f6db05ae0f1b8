// F.linear: x (..., in) @ weightᵀ + bias with weight stored (out, in) as PyTorch stores it.
// The matmul kernels read the weight transposed in place (matmul_nt), so no transposed copy
// is made: forward out = x·Wᵀ (+ b per row); backward dx += g·W, dW += gᵀ·x, db += Σ rows of g.
import { Tensor, fmtShape } from '../tensor.ts';
import { record, gradPtr } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { expectTensor, expectFloat } from './check.ts';
import { reshape } from './view.ts';

const ROW = 1; // the elementwise kernels' mode for a (N) operand spread over (M, N)

/**
 * y = x @ weight.T + bias, as torch.nn.functional.linear.
 * @example
 *   const y = F.linear(x, W, b);   // x (B, 30), W (200, 30), b (200) -> y (B, 200)
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  expectTensor(x, 'linear', 'input'); expectTensor(weight, 'linear', 'weight');
  expectFloat(x, 'linear', 'input'); expectFloat(weight, 'linear', 'weight');
  if (weight.ndim !== 2) throw new Error(`linear: weight must be 2-D (out_features, in_features), got ${fmtShape(weight.shape)}`);
  const [O, I] = weight.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== I) {
    throw new Error(`linear: input's last dim must be in_features ${I} (weight ${fmtShape(weight.shape)}), got input ${fmtShape(x.shape)}`);
  }
  if (bias !== null && bias !== undefined) {
    expectTensor(bias, 'linear', 'bias'); expectFloat(bias, 'linear', 'bias');
    if (bias.ndim !== 1 || bias.shape[0] !== O) throw new Error(`linear: bias must have shape [${O}] (out_features), got ${fmtShape(bias.shape)}`);
  }
  const b = bias ?? null;
  const lead = x.shape.slice(0, -1);
  const x2 = x.ndim === 2 ? x : reshape(x, [-1, I]);
  const M = x2.shape[0];
  const k = kernels();
  const out = Tensor._empty([M, O]);
  k.matmul_nt(out.ptr, x2.ptr, weight.ptr, M, I, O, 0);
  if (b) k.add(out.ptr, out.ptr, b.ptr, M, O, ROW, 0);
  const inputs = b ? [x2, weight, b] : [x2, weight];
  record('linear', out, inputs, [x2, weight], (g) => {
    if (x2.requiresGrad) k.matmul_nn(gradPtr(x2), g, weight.ptr, M, O, I, 1);
    if (weight.requiresGrad) k.matmul_tn(gradPtr(weight), g, x2.ptr, O, M, I, 1);
    if (b && b.requiresGrad) k.sum_dim0(gradPtr(b), g, M, O, 1);
  });
  return x.ndim === 2 ? out : reshape(out, [...lead, O]);
}
