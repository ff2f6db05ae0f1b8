// F.binaryCrossEntropy (on probabilities) and F.binaryCrossEntropyWithLogits, with PyTorch's
// weight, posWeight and reduction. The per-element loss and its gradients (for the input and the
// target, as PyTorch's) are kernels (assembly/kernels/binary_cross_entropy.ts); the weight is a
// mul and the reduction a sum, so their gradients come for free.
import { Tensor, fmtShape } from '../tensor.ts';
import { record, gradPtr } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { checkStatus } from '../wasm/status.ts';
import { expectTensor, expectFloat, checkOptions, sameShape, broadcastShapes } from './check.ts';
import { checkReduction } from './nll.ts';
import { mul, div } from './elementwise.ts';
import { sum } from './reduce.ts';
import { expand } from './view.ts';

export interface BCEOptions {
  /** Rescales each element's loss; broadcast to the input's shape. Takes no gradient (as PyTorch). */
  weight?: Tensor | null;
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: 'mean' | 'sum' | 'none';
}

export interface BCEWithLogitsOptions extends BCEOptions {
  /** Weight of the positive class, broadcast over the input (e.g. one per column). */
  posWeight?: Tensor | null;
}

const f32ofBits = (bits: number) => new Float32Array(new Int32Array([bits]).buffer)[0];

function checkArgs(op: string, input: Tensor, target: Tensor, extra: [string, Tensor | null | undefined][]): void {
  expectTensor(input, op, 'input'); expectTensor(target, op, 'target');
  expectFloat(input, op, 'input'); expectFloat(target, op, 'target');
  if (!sameShape(input.shape, target.shape)) {
    throw new Error(`${op}: target ${fmtShape(target.shape)} must have the same shape as input ${fmtShape(input.shape)}`);
  }
  for (const [name, t] of extra) {
    if (t === null || t === undefined) continue;
    expectTensor(t, op, name); expectFloat(t, op, name);
    if (!sameShape(broadcastShapes(t.shape, input.shape, op), input.shape)) {
      throw new Error(`${op}: ${name} ${fmtShape(t.shape)} does not broadcast to the input's shape ${fmtShape(input.shape)}`);
    }
    if (t.requiresGrad) throw new Error(`${op}: ${name} takes no gradient (as in PyTorch); pass ${name}.detach()`);
  }
}

/** Applies the weight (broadcast) and the reduction to per-element losses. */
function finish(loss: Tensor, weight: Tensor | null | undefined, reduction: string): Tensor {
  const l = weight ? mul(loss, weight) : loss;
  if (reduction === 'none') return l;
  return reduction === 'sum' ? sum(l) : div(sum(l), l.numel());
}

/**
 * -w·(t·log x + (1 - t)·log(1 - x)) for probabilities x in [0, 1] (each log clamped at -100).
 * @example
 *   const loss = F.binaryCrossEntropy(probs, targets);
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BCEOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  checkOptions(op, opts, ['weight', 'reduction']);
  const reduction = checkReduction(op, opts.reduction);
  checkArgs(op, input, target, [['weight', opts.weight]]);
  const k = kernels(), n = input.numel();
  const out = Tensor._empty(input.shape);
  k.bce_forward(out.ptr, input.ptr, target.ptr, n);
  checkStatus((bits, pos) => `${op}: all elements of input should be between 0 and 1, got ${f32ofBits(bits)} at position ${pos}`);
  record(op, out, [input, target], [input, target], (g) => {
    k.bce_backward(input.requiresGrad ? gradPtr(input) : 0, target.requiresGrad ? gradPtr(target) : 0, g, input.ptr, target.ptr, n);
  });
  return finish(out, opts.weight, reduction);
}

/**
 * Binary cross-entropy of logits, computed stably: (1 - t)·x + lw·log(1 + e^-x) with
 * lw = 1 + (posWeight - 1)·t, times weight.
 * @example
 *   const loss = F.binaryCrossEntropyWithLogits(logits, targets, { posWeight: tensor([3]) });
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BCEWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  checkOptions(op, opts, ['weight', 'posWeight', 'reduction']);
  const reduction = checkReduction(op, opts.reduction);
  checkArgs(op, input, target, [['weight', opts.weight], ['posWeight', opts.posWeight]]);
  const pw = opts.posWeight ? (sameShape(opts.posWeight.shape, input.shape) ? opts.posWeight : expand(opts.posWeight, input.shape)) : null;
  const k = kernels(), n = input.numel();
  const out = Tensor._empty(input.shape);
  k.bce_logits_forward(out.ptr, input.ptr, target.ptr, pw ? pw.ptr : 0, n);
  const saved = pw ? [input, target, pw] : [input, target];
  record(op, out, [input, target], saved, (g) => {
    k.bce_logits_backward(input.requiresGrad ? gradPtr(input) : 0, target.requiresGrad ? gradPtr(target) : 0, g,
      input.ptr, target.ptr, pw ? pw.ptr : 0, n);
  });
  return finish(out, opts.weight, reduction);
}
