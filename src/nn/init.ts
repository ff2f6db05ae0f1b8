// torch.nn.init: in-place initialisers with PyTorch's formulas and random streams (uniform_
// and normal_ are Tensor.uniform_ and normal_, which draw exactly as torch's from the same
// generator), so a layer built after manualSeed(s) holds PyTorch's numbers after torch.manual_seed(s).
// Leaves out orthogonal_, sparse_, trunc_normal_ and the dirac/eye initialisers.
import type { Tensor } from '../tensor.ts';
import { fmtShape } from '../tensor.ts';
import { uniform_ as tensorUniform_, normal_ as tensorNormal_ } from '../creation.ts';
import type { Generator } from '../random/generator.ts';
import { checkOptions } from '../ops/check.ts';
import { fill_ } from '../ops/elementwise.ts';
import { noGrad } from '../grad_mode.ts';

export interface InitOptions { generator?: Generator }
export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

// As PyTorch's, the initialisers write under no_grad, so they work on parameters.

/** Fills t with U(a, b) in place, as torch.nn.init.uniform_ (Tensor.uniform_'s stream). */
export function uniform_(t: Tensor, a = 0, b = 1, opts: InitOptions = {}): Tensor {
  return noGrad(() => tensorUniform_(t, a, b, opts));
}

/** Fills t with N(mean, std²) in place, as torch.nn.init.normal_ (Tensor.normal_'s stream). */
export function normal_(t: Tensor, mean = 0, std = 1, opts: InitOptions = {}): Tensor {
  return noGrad(() => tensorNormal_(t, mean, std, opts));
}

/** Fills t with `value` in place. */
export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => fill_(t, value));
}
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** torch.nn.init.calculate_gain: the recommended gain for a nonlinearity (param: leaky_relu's slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.sqrt(2);
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new Error(`nn.init.calculateGain: negative slope ${param} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope)); // slope * slope: what Python's slope ** 2 gives
    }
    case 'selu': return 3 / 4;
    default: throw new Error(`nn.init.calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/** fan_in and fan_out of a weight (out, in, *kernel) as PyTorch computes them. */
function fans(t: Tensor, op = 'fans'): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new Error(`nn.init.${op}: fan in and fan out can not be computed for a tensor with fewer than 2 dims, got ${fmtShape(t.shape)}`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

export interface KaimingOptions extends InitOptions {
  /** The negative slope of the rectifier after this layer (leaky_relu only); default 0. */
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, op: string, opts: KaimingOptions): number {
  checkOptions(`nn.init.${op}`, opts, ['a', 'mode', 'nonlinearity', 'generator']);
  const mode = opts.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new Error(`nn.init.${op}: mode must be 'fan_in' or 'fan_out', got '${String(mode)}'`);
  const f = fans(t, op);
  const fan = mode === 'fan_in' ? f.fanIn : f.fanOut;
  if (fan === 0) throw new Error(`nn.init.${op}: cannot initialise a tensor with zero elements (shape ${fmtShape(t.shape)})`);
  return calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0) / Math.sqrt(fan);
}

/**
 * torch.nn.init.kaiming_uniform_: U(-bound, bound) with bound = gain·sqrt(3 / fan), in place.
 * @example
 *   nn.init.kaimingUniform_(w, { a: Math.sqrt(5) });   // what nn.Linear does to its weight
 */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, 'kaimingUniform_', opts);
  return uniform_(t, -bound, bound, { generator: opts.generator });
}

/** torch.nn.init.kaiming_normal_: N(0, (gain / sqrt(fan))²), in place. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, 'kaimingNormal_', opts), { generator: opts.generator });
}

/** torch.nn.init.xavier_uniform_: U(-a, a) with a = gain·sqrt(6 / (fan_in + fan_out)), in place. */
export function xavierUniform_(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(t, 'xavierUniform_');
  const a = Math.sqrt(3) * (gain * Math.sqrt(2 / (fanIn + fanOut)));
  return uniform_(t, -a, a, opts);
}

/** torch.nn.init.xavier_normal_: N(0, gain²·2 / (fan_in + fan_out)), in place. */
export function xavierNormal_(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(t, 'xavierNormal_');
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), opts);
}
