// The op table: the one list of ops. Tensor methods (x.add(y)) and the functional namespace
// F (F.add(x, y)) are both made from it, so an op is added in one place (see CONTRIBUTING.md).
// Each entry: [function (the tensor first), where it appears]: 'both', 'method' (Tensor only),
// 'F' (functional only) or 'getter' (a Tensor property, like x.T).
import { Tensor } from '../tensor.ts';
import * as view from './view.ts';
import * as elementwise from './elementwise.ts';
import * as unary from './unary.ts';
import * as reduce from './reduce.ts';
import * as compare from './compare.ts';
import * as activation from './activation.ts';
import * as binary from './binary.ts';
import { where, maskedFill } from './where.ts';
import { clamp } from './clamp.ts';
import { matmul } from './matmul.ts';
import { softmax, logSoftmax } from './softmax.ts';
import { crossEntropy } from './cross_entropy.ts';
import { nllLoss } from './nll.ts';
import { batchNorm } from './batchnorm.ts';
import { index, embedding } from './embedding.ts';
import { gather, scatterAdd } from './gather.ts';
import { tril, triu } from './tri.ts';
import { oneHot } from './one_hot.ts';
import { uniform_, normal_ } from '../creation.ts';
import { linear } from './linear.ts';
import { layerNorm } from './layer_norm.ts';
import { dropout } from './dropout.ts';
import { mseLoss, l1Loss } from './losses.ts';
import { binaryCrossEntropy, binaryCrossEntropyWithLogits } from './binary_cross_entropy.ts';
import { topk } from './topk.ts';

type Where = 'both' | 'method' | 'F' | 'getter';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...args: any[]) => unknown;

export const table = {
  // views and shape
  view: [view.view, 'method'],
  reshape: [view.reshape, 'both'],
  flatten: [view.flatten, 'both'],
  unsqueeze: [view.unsqueeze, 'both'],
  squeeze: [view.squeeze, 'both'],
  transpose: [view.transpose, 'both'],
  permute: [view.permute, 'both'],
  T: [view.T, 'getter'],
  expand: [view.expand, 'method'],
  expandAs: [view.expandAs, 'method'],
  narrow: [view.narrow, 'both'],
  slice: [view.slice, 'both'],
  select: [view.select, 'both'],
  split: [view.split, 'both'],
  chunk: [view.chunk, 'both'],
  unbind: [view.unbind, 'both'],
  contiguous: [view.contiguous, 'method'],
  clone: [view.clone, 'both'],
  index: [index, 'method'],
  cat: [view.cat, 'F'],
  stack: [view.stack, 'F'],
  roll: [view.roll, 'both'],
  gather: [gather, 'both'],
  scatterAdd: [scatterAdd, 'both'],
  tril: [tril, 'both'],
  triu: [triu, 'both'],
  oneHot: [oneHot, 'F'],
  uniform_: [uniform_, 'method'],
  normal_: [normal_, 'method'],
  // element-wise
  add: [elementwise.add, 'both'],
  sub: [elementwise.sub, 'both'],
  mul: [elementwise.mul, 'both'],
  div: [elementwise.div, 'both'],
  neg: [unary.neg, 'both'],
  exp: [unary.exp, 'both'],
  log: [unary.log, 'both'],
  log10: [unary.log10, 'both'],
  sqrt: [unary.sqrt, 'both'],
  tanh: [unary.tanh, 'both'],
  pow: [binary.pow, 'both'],
  abs: [unary.abs, 'both'],
  sign: [unary.sign, 'both'],
  rsqrt: [unary.rsqrt, 'both'],
  log1p: [unary.log1p, 'both'],
  sin: [unary.sin, 'both'],
  cos: [unary.cos, 'both'],
  square: [unary.square, 'both'],
  reciprocal: [unary.reciprocal, 'both'],
  sigmoid: [activation.sigmoid, 'both'],
  relu: [activation.relu, 'both'],
  gelu: [activation.gelu, 'F'],
  clamp: [clamp, 'both'],
  maximum: [binary.maximum, 'both'],
  minimum: [binary.minimum, 'both'],
  where: [where, 'F'],
  maskedFill: [maskedFill, 'both'],
  eq: [compare.eq, 'both'],
  ne: [compare.ne, 'both'],
  lt: [compare.lt, 'both'],
  le: [compare.le, 'both'],
  gt: [compare.gt, 'both'],
  ge: [compare.ge, 'both'],
  // in place (inside noGrad, or on tensors that need no grad)
  add_: [(t: Tensor, o: Tensor | number) => elementwise.inplace(t, 'add', o), 'method'],
  sub_: [(t: Tensor, o: Tensor | number) => elementwise.inplace(t, 'sub', o), 'method'],
  mul_: [(t: Tensor, o: Tensor | number) => elementwise.inplace(t, 'mul', o), 'method'],
  div_: [(t: Tensor, o: Tensor | number) => elementwise.inplace(t, 'div', o), 'method'],
  copy_: [elementwise.copy_, 'method'],
  fill_: [elementwise.fill_, 'method'],
  zero_: [elementwise.zero_, 'method'],
  // reductions
  sum: [reduce.sum, 'both'],
  mean: [reduce.mean, 'both'],
  var: [reduce.variance, 'both'],
  std: [reduce.std, 'both'],
  max: [reduce.max, 'both'],
  min: [reduce.min, 'both'],
  argmax: [reduce.argmax, 'both'],
  argmin: [reduce.argmin, 'both'],
  amax: [reduce.amax, 'both'],
  amin: [reduce.amin, 'both'],
  logsumexp: [reduce.logsumexp, 'both'],
  // products, normalisations, losses
  matmul: [matmul, 'both'],
  topk: [topk, 'both'],
  softmax: [softmax, 'both'],
  logSoftmax: [logSoftmax, 'both'],
  crossEntropy: [crossEntropy, 'F'],
  nllLoss: [nllLoss, 'F'],
  batchNorm: [batchNorm, 'F'],
  embedding: [embedding, 'F'],
  // losses and layers
  linear: [linear, 'F'],
  layerNorm: [layerNorm, 'F'],
  dropout: [dropout, 'F'],
  mseLoss: [mseLoss, 'F'],
  l1Loss: [l1Loss, 'F'],
  binaryCrossEntropy: [binaryCrossEntropy, 'F'],
  binaryCrossEntropyWithLogits: [binaryCrossEntropyWithLogits, 'F'],
} as const satisfies Record<string, readonly [Fn, Where]>;

type Table = typeof table;
type AsMethod<F> = F extends (self: Tensor, ...a: infer A) => infer R ? (...a: A) => R : never;
type MethodKeys = { [K in keyof Table]: Table[K][1] extends 'both' | 'method' ? K : never }[keyof Table];
type GetterKeys = { [K in keyof Table]: Table[K][1] extends 'getter' ? K : never }[keyof Table];
type FKeys = { [K in keyof Table]: Table[K][1] extends 'both' | 'F' ? K : never }[keyof Table];

/** The Tensor methods made from the table. */
export type TensorMethods = { [K in MethodKeys]: AsMethod<Table[K][0]> } & { readonly [K in GetterKeys]: ReturnType<Table[K][0]> };
/** The functional namespace made from the table. */
export type Functional = { [K in FKeys]: Table[K][0] };

declare module '../tensor.ts' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends TensorMethods {}
}

const proto = Tensor.prototype as unknown as Record<string, unknown>;
const F: Record<string, Fn> = {};
for (const [name, [fn, where]] of Object.entries(table) as [string, readonly [Fn, Where]][]) {
  if (where === 'getter') Object.defineProperty(proto, name, { get(this: Tensor) { return fn(this); }, configurable: true });
  else if (where !== 'F') proto[name] = function (this: Tensor, ...args: unknown[]) { return fn(this, ...args); };
  if (where === 'both' || where === 'F') F[name] = fn;
}

/** torch.nn.functional and friends: every op of the table that takes tensors as arguments. */
export const functional = Object.freeze(F) as unknown as Functional;
