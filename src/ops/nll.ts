// nllLoss: the negative log-likelihood of class indices under log-probabilities (N, C) or
// (N, C, d1, ...), with PyTorch's weight, ignoreIndex and reduction. The per-element loss is
// one kernel (assembly/kernels/nll.ts); the reductions are sums, so their gradients come for free.
import { Tensor, fmtShape, numelOf } from '../tensor.ts';
import { record, gradPtr } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { checkStatus } from '../wasm/status.ts';
import { expectTensor, expectFloat, expectInt, checkOptions } from './check.ts';
import { sum } from './reduce.ts';
import { div } from './elementwise.ts';

export interface NllOptions {
  /** Weight of each class (C). */
  weight?: Tensor | null;
  /** Targets equal to this are left out (default -100). */
  ignoreIndex?: number;
  /** 'mean' (default; divides by the total weight of the targets), 'sum' or 'none'. */
  reduction?: 'mean' | 'sum' | 'none';
}

/** The per-element losses (target's shape) and the weight each counts with. */
export function nllElements(op: string, logp: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number): [Tensor, Tensor] {
  expectTensor(logp, op, 'input'); expectTensor(target, op, 'target');
  expectFloat(logp, op, 'input'); expectInt(target, op, 'target');
  if (logp.ndim < 2) throw new Error(`${op}: input must be (N, C) or (N, C, d1, ...), got ${fmtShape(logp.shape)}`);
  const [N, C] = logp.shape, rest = logp.shape.slice(2);
  const want = [N, ...rest];
  if (target.ndim !== want.length || target.shape.some((s, i) => s !== want[i])) {
    throw new Error(`${op}: target must have shape ${fmtShape(want)} for input ${fmtShape(logp.shape)}, got ${fmtShape(target.shape)}`);
  }
  if (weight) {
    expectTensor(weight, op, 'weight'); expectFloat(weight, op, 'weight');
    if (weight.ndim !== 1 || weight.shape[0] !== C) throw new Error(`${op}: weight must have shape [${C}] (one per class), got ${fmtShape(weight.shape)}`);
  }
  if (!Number.isInteger(ignoreIndex)) throw new Error(`${op}: ignoreIndex must be an integer, got ${ignoreIndex}`);
  const D = numelOf(rest);
  const k = kernels();
  const loss = Tensor._empty(want), wsum = Tensor._empty(want);
  const wp = weight ? weight.ptr : 0;
  k.nll_forward(loss.ptr, wsum.ptr, logp.ptr, target.ptr, wp, N, C, D, ignoreIndex);
  checkStatus((v, pos) => `${op}: target ${v} at position ${pos} is out of range for ${C} classes (and is not ignoreIndex ${ignoreIndex})`);
  const saved = weight ? [target, weight] : [target];
  record(op, loss, [logp], saved, (g) => k.nll_backward(gradPtr(logp), g, target.ptr, weight ? weight.ptr : 0, N, C, D, ignoreIndex));
  return [loss, wsum];
}

/** Reduces per-element losses: 'none', 'sum', or 'mean' divided by the total weight. */
export function reduceLoss(loss: Tensor, wsum: Tensor, reduction: string): Tensor {
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return sum(loss);
  return div(sum(loss), sum(wsum));
}

export function checkReduction(op: string, reduction: unknown): string {
  const r = reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  return r;
}

/** F.nll_loss: the negative log-likelihood of target classes under log-probabilities. */
export function nllLoss(logp: Tensor, target: Tensor, opts: NllOptions = {}): Tensor {
  checkOptions('nllLoss', opts, ['weight', 'ignoreIndex', 'reduction']);
  const reduction = checkReduction('nllLoss', opts.reduction);
  const [loss, wsum] = nllElements('nllLoss', logp, target, opts.weight ?? null, opts.ignoreIndex ?? -100);
  return reduceLoss(loss, wsum, reduction);
}
