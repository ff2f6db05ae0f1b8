// Cross-entropy of logits (N, C) or (N, C, d1, ...) against class indices, with PyTorch's
// options. The plain case (mean over a batch of rows, no options) is one fused kernel that
// keeps the softmax for its backward (dlogits = (probs - onehot) / B); the options are built
// from logSoftmax and other ops, so their gradients come for free.
import { Tensor, fmtShape } from '../tensor.ts';
import { record, gradTarget } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { checkStatus } from '../wasm/status.ts';
import { expectTensor, expectFloat, expectInt, checkOptions } from './check.ts';
import { logSoftmax } from './softmax.ts';
import { nllElements, reduceLoss } from './nll.ts';
import { sum } from './reduce.ts';
import { add, mul, div } from './elementwise.ts';
import { neg } from './unary.ts';
import { ne } from './compare.ts';
import { noGrad } from '../grad_mode.ts';

export interface CrossEntropyOptions {
  /** Weight of each class (C), as PyTorch's `weight`. */
  weight?: Tensor | null;
  /** Targets equal to this are left out (default -100). */
  ignoreIndex?: number;
  /** 'mean' (default; weighted mean with `weight`), 'sum' or 'none'. */
  reduction?: 'mean' | 'sum' | 'none';
  /** Mixes the one-hot target with the uniform distribution (default 0). */
  labelSmoothing?: number;
}
const KNOWN = ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing'] as const;

/** Checks targets (int32 class indices) against C classes, skipping ignoreIndex. */
export function targetMessage(op: string, C: number, ignore: number | null) {
  return (v: number, pos: number) => `${op}: target ${v} at position ${pos} is out of range for ${C} classes${ignore !== null ? ` (and is not ignoreIndex ${ignore})` : ''}`;
}

export function crossEntropy(logits: Tensor, targets: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  checkOptions('crossEntropy', opts, KNOWN);
  expectTensor(logits, 'crossEntropy', 'input'); expectTensor(targets, 'crossEntropy', 'target');
  expectFloat(logits, 'crossEntropy', 'input'); expectInt(targets, 'crossEntropy', 'target');
  const reduction = opts.reduction ?? 'mean';
  if (!['mean', 'sum', 'none'].includes(reduction)) throw new Error(`crossEntropy: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`);
  const smoothing = opts.labelSmoothing ?? 0;
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 1)) throw new Error(`crossEntropy: labelSmoothing must be a number in [0, 1], got ${smoothing}`);
  const plain = logits.ndim === 2 && reduction === 'mean' && !smoothing && !opts.weight;
  if (!plain) return crossEntropyGeneral(logits, targets, reduction, smoothing, opts.weight ?? null, opts.ignoreIndex ?? -100);
  if (targets.ndim !== 1 || targets.shape[0] !== logits.shape[0]) {
    throw new Error(`crossEntropy: expected input (N, C) and target (N), got ${fmtShape(logits.shape)} and ${fmtShape(targets.shape)}`);
  }
  const [B, V] = logits.shape;
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) throw new Error(`crossEntropy: ignoreIndex must be an integer, got ${ignoreIndex}`);
  const k = kernels();
  const probs = Tensor._empty([B, V]);
  const out = Tensor._empty([]);
  k.crossentropy_forward(out.ptr, probs.ptr, logits.ptr, targets.ptr, B, V, ignoreIndex);
  checkStatus(targetMessage('crossEntropy', V, ignoreIndex));
  return record('crossEntropy', out, [logits], [probs, targets], (g) => {
    const [d, acc] = gradTarget(logits);
    k.crossentropy_backward(d, probs.ptr, targets.ptr, g, B, V, ignoreIndex, acc);
  });
}

/**
 * The general case from logSoftmax and the per-element nll (PyTorch's formula, label smoothing
 * included: (1 - e) * nll + e / C * smooth, where smooth sums -logp * weight over the classes).
 */
function crossEntropyGeneral(logits: Tensor, targets: Tensor, reduction: string, smoothing: number, weight: Tensor | null, ignoreIndex: number): Tensor {
  if (logits.ndim < 2) throw new Error(`crossEntropy: input must be (N, C) or (N, C, d1, ...), got ${fmtShape(logits.shape)}`);
  const logp = logSoftmax(logits, 1);
  const [loss, wsum] = nllElements('crossEntropy', logp, targets, weight, ignoreIndex);
  const nll = reduceLoss(loss, wsum, reduction);
  if (!smoothing) return nll;
  const C = logits.shape[1];
  const w = weight ? weight.view([1, C, ...logits.shape.slice(2).map(() => 1)]) : null;
  const kept = noGrad(() => ne(targets, ignoreIndex)); // 1 where the target counts
  const smooth = neg(sum(w ? mul(logp, w) : logp, 1)).mul(kept);
  const total = reduction === 'none' ? smooth : sum(smooth);
  const smoothRed = reduction === 'mean' ? div(total, weight ? sum(wsum) : sum(kept)) : total;
  return add(mul(nll, 1 - smoothing), mul(smoothRed, smoothing / C));
}
