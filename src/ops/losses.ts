// F.mseLoss and F.l1Loss: composites of element-wise ops and reductions (no kernel of their
// own), so their gradients, for the input and the target, come for free.
import { Tensor, fmtShape } from '../tensor.ts';
import { expectTensor, expectFloat, checkOptions, sameShape, broadcastShapes } from './check.ts';
import { checkReduction } from './nll.ts';
import { sub, mul } from './elementwise.ts';
import { sum, mean } from './reduce.ts';
import { abs } from './unary.ts';

export interface LossOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: 'mean' | 'sum' | 'none';
}

const warned = new Set<string>();

/** input - target, warning once per shape pair when they broadcast (as PyTorch does). */
function diff(op: string, input: Tensor, target: Tensor, opts: LossOptions): [Tensor, string] {
  checkOptions(op, opts, ['reduction']);
  const reduction = checkReduction(op, opts.reduction);
  expectTensor(input, op, 'input'); expectTensor(target, op, 'target');
  expectFloat(input, op, 'input'); expectFloat(target, op, 'target');
  if (!sameShape(input.shape, target.shape)) {
    broadcastShapes(input.shape, target.shape, op);
    const key = `${op} ${fmtShape(input.shape)} ${fmtShape(target.shape)}`;
    if (!warned.has(key)) {
      warned.add(key);
      console.warn(`wasmgrad ${op}: target ${fmtShape(target.shape)} differs from input ${fmtShape(input.shape)}; they are broadcast, which is likely not what you meant (as PyTorch warns). Make them the same shape, e.g. target.view(...)`);
    }
  }
  return [sub(input, target), reduction];
}

function reduce(l: Tensor, reduction: string): Tensor {
  return reduction === 'none' ? l : reduction === 'sum' ? sum(l) : mean(l);
}

/**
 * Mean squared error (input - target)², as torch.nn.functional.mse_loss.
 * @example
 *   const loss = F.mseLoss(model.forward(x), y);
 */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const [d, reduction] = diff('mseLoss', input, target, opts);
  return reduce(mul(d, d), reduction);
}

/** Mean absolute error |input - target|, as torch.nn.functional.l1_loss. */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  const [d, reduction] = diff('l1Loss', input, target, opts);
  return reduce(abs(d), reduction);
}
