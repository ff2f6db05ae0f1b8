// F.dropout with PyTorch's mask stream: torch (CPU) fills a float32 noise tensor with
// bernoulli_(1 - p) (one uniform float64 per element, 1 where it is below 1 - p), divides it by
// 1 - p and multiplies the input by it. We draw the same noise from the same generator state
// (Generator.fillBernoulli) and multiply, so the mask, the values and the gradient (dx = g·noise)
// match torch.manual_seed(s); F.dropout(x, p) for a generator seeded with s.
import { Tensor } from '../tensor.ts';
import { defaultGenerator, fillFromJs } from '../creation.ts';
import type { Generator } from '../random/generator.ts';
import { expectTensor, expectFloat, checkOptions } from './check.ts';
import { mul } from './elementwise.ts';

/**
 * Zeroes each element with probability p and scales the others by 1/(1-p) when training;
 * returns x itself otherwise. The mask comes from `generator` (default: the default generator).
 * @example
 *   const h = F.dropout(x, 0.1, model.training, { generator: g });
 */
export function dropout(x: Tensor, p = 0.5, training = true, opts: { generator?: Generator } = {}): Tensor {
  expectTensor(x, 'dropout', 'input'); expectFloat(x, 'dropout', 'input');
  checkOptions('dropout', opts, ['generator']);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`dropout: probability has to be between 0 and 1, but got ${String(p)}`);
  if (typeof training !== 'boolean') throw new Error(`dropout: training must be true or false, got ${String(training)}`);
  if (p === 0 || !training || x.numel() === 0) return x;
  if (p === 1) return mul(x, 0);
  const gen = opts.generator ?? defaultGenerator();
  const scale = Math.fround(1 / Math.fround(1 - p)); // noise.div_(1 - p) on a 1.0 in float32
  const noise = Tensor._empty(x.shape);
  fillFromJs(noise, (view) => {
    gen.fillBernoulli(view as Float32Array, 1 - p);
    for (let i = 0; i < view.length; i++) if (view[i]) view[i] = scale;
  });
  return mul(x, noise);
}
