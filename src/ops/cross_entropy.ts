// Fused softmax + cross-entropy, mean over the batch (F.cross_entropy). Keeps probs for
// backward, which gives dlogits = (probs - onehot) / B in one pass.
import { Tensor, fmtShape } from '../tensor.ts';
import { record } from '../tape.ts';
import { kernels } from '../wasm/load.ts';
import { f32, i32 } from '../wasm/heap.ts';
import { expectTensor, expectFloat, expectInt } from './check.ts';

export function crossEntropy(logits: Tensor, targets: Tensor): Tensor {
  expectTensor(logits, 'crossEntropy', 'logits'); expectTensor(targets, 'crossEntropy', 'targets');
  expectFloat(logits, 'crossEntropy', 'logits'); expectInt(targets, 'crossEntropy', 'targets');
  if (logits.ndim !== 2 || targets.ndim !== 1 || targets.shape[0] !== logits.shape[0]) {
    throw new Error(`crossEntropy: expected logits (B, C) and targets (B), got ${fmtShape(logits.shape)} and ${fmtShape(targets.shape)}`);
  }
  const [B, V] = logits.shape;
  if (B === 0) throw new Error('crossEntropy: the batch is empty');
  const t = i32(), tp = targets.ptr >> 2;
  for (let i = 0; i < B; i++) {
    const y = t[tp + i];
    if (y < 0 || y >= V) throw new Error(`crossEntropy: target ${y} at position ${i} is out of range for ${V} classes`);
  }
  const k = kernels();
  const probs = Tensor._empty([B, V]);
  const out = Tensor._empty([]);
  f32()[out.ptr >> 2] = k.crossentropy_forward(probs.ptr, logits.ptr, targets.ptr, B, V);
  return record(out, [logits], () => {
    const dloss = f32()[out.gradPtr() >> 2];
    k.crossentropy_backward(logits.gradPtr(), probs.ptr, targets.ptr, dloss, B, V);
  });
}
