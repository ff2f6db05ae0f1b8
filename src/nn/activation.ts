// Activation modules: thin wrappers of the element-wise ops, as torch.nn's.
import type { Tensor } from '../tensor.ts';
import { tanh } from '../ops/unary.ts';
import { Module } from './module.ts';

/** tanh(x) element-wise. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor { return tanh(x); }
}
