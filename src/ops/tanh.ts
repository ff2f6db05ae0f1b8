// tanh; backward reuses the saved output: d/dx tanh(x) = 1 - out².
import type { Tensor } from '../tensor.ts';
import { unary } from './unary.ts';

export const tanh = (x: Tensor): Tensor => unary('tanh', x, (k, o, a, n) => k.tanh_forward(o, a, n),
  (k, dx, _x, o, g, n) => k.tanh_backward(dx, o, g, n));
