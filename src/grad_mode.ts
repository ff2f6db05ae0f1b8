// noGrad(): run code without building a graph; tensors it makes are reclaimed when it returns.
import { runScoped } from './memory.ts';
import { enterNoGrad, exitNoGrad } from './autograd.ts';

/**
 * Runs fn with gradient tracking off (torch.no_grad). Tensors made inside are reclaimed when
 * fn returns, except those it returns (a tensor, or arrays/plain objects of tensors).
 * In-place updates of outer tensors (p.sub_(...), running.copy_(...)) are allowed inside.
 * @example
 *   noGrad(() => { for (const p of params) p.sub_(p.grad!.mul(lr)); });
 *   const loss = noGrad(() => F.crossEntropy(model.forward(Xval), Yval));
 */
export function noGrad<T>(fn: () => T): T {
  return runScoped(fn, enterNoGrad, exitNoGrad);
}
