// Batch norm over dim 0 of (B, H), in the two flavours the project needs:
//  'notebook': divide by the UNBIASED batch std, no eps; running mean/std, momentum 0.001.
//  'torch':    nn.BatchNorm1d: normalise with the BIASED variance + eps; running mean and
//              UNBIASED running variance, momentum 0.1.
// In training mode the running statistics (if given) are updated in place.
import { Tensor, fmtShape } from '../tensor.ts';
import { record, isGradEnabled, gradPtr, gradTarget } from '../autograd.ts';
import { kernels } from '../wasm/load.ts';
import { expectFloat } from './check.ts';

export interface BatchNormOptions {
  flavour: 'notebook' | 'torch';
  /** Batch statistics (true) or the running ones (false). */
  training: boolean;
  runningMean?: Tensor | null;
  /** The notebook flavour's running std. */
  runningStd?: Tensor | null;
  /** The torch flavour's running (unbiased) variance. */
  runningVar?: Tensor | null;
  /** Weight of the new batch statistic: default 0.001 (notebook) or 0.1 (torch). */
  momentum?: number;
  /** torch flavour only; default 1e-5. */
  eps?: number;
}

export function batchNorm(x: Tensor, gain: Tensor, bias: Tensor, opts: BatchNormOptions): Tensor {
  expectFloat(x, 'batchNorm', 'input'); expectFloat(gain, 'batchNorm', 'gain'); expectFloat(bias, 'batchNorm', 'bias');
  if (x.ndim !== 2) throw new Error(`batchNorm: input must be (B, H), got ${fmtShape(x.shape)}`);
  const [B, H] = x.shape;
  for (const [name, t] of [['gain', gain], ['bias', bias], ['runningMean', opts.runningMean], ['runningStd', opts.runningStd], ['runningVar', opts.runningVar]] as const) {
    if (t && t.numel() !== H) throw new Error(`batchNorm: ${name} must have ${H} elements (one per feature), got shape ${fmtShape(t.shape)}`);
  }
  const notebook = opts.flavour === 'notebook';
  if (!notebook && opts.flavour !== 'torch') throw new Error(`batchNorm: flavour must be 'notebook' or 'torch', got '${opts.flavour}'`);
  const runStat = notebook ? opts.runningStd : opts.runningVar;
  const momentum = opts.momentum ?? (notebook ? 0.001 : 0.1);
  const eps = opts.eps ?? 1e-5;
  const k = kernels();
  if (!opts.training) {
    if (!opts.runningMean || !runStat) throw new Error(`batchNorm: eval mode needs runningMean and ${notebook ? 'runningStd' : 'runningVar'}`);
    if (isGradEnabled() && (x.requiresGrad || gain.requiresGrad || bias.requiresGrad)) {
      // Differentiable eval: the same formula from element-wise ops (same float order).
      return notebook
        ? gain.mul(x.sub(opts.runningMean)).div(runStat).add(bias)
        : x.sub(opts.runningMean).div(runStat.add(eps).sqrt()).mul(gain).add(bias);
    }
    const out = Tensor._empty([B, H]);
    if (notebook) k.bn_notebook_eval(out.ptr, x.ptr, gain.ptr, bias.ptr, opts.runningMean.ptr, runStat.ptr, B, H);
    else k.bn_torch_eval(out.ptr, x.ptr, gain.ptr, bias.ptr, opts.runningMean.ptr, runStat.ptr, eps, B, H);
    return out;
  }
  if (B < 2) throw new Error(`batchNorm: training needs at least 2 rows per batch to compute statistics, got ${B}`);
  const out = Tensor._empty([B, H]);
  const mean = Tensor._empty([H]), stat = Tensor._empty([H]);
  // The backward kernels write all three gradients: an input that needs none gets scratch. They
  // take one acc for dinp and one for dgain and dbias, so those two share it (zeroed if they differ).
  const grads = (): [number, number, number, number, number] => {
    const [dx, accX] = x.requiresGrad ? gradTarget(x) : [Tensor._empty(x.shape).ptr, 0];
    let dg: number, db: number, accW: number;
    if (gain.requiresGrad && bias.requiresGrad) {
      const [pg, ag] = gradTarget(gain), [pb, ab] = gradTarget(bias);
      if (ag === ab) { dg = pg; db = pb; accW = ag; }
      else { dg = ag ? pg : gradPtr(gain); db = ab ? pb : gradPtr(bias); accW = 1; }
    } else {
      dg = gain.requiresGrad ? gradPtr(gain) : Tensor._empty(gain.shape).ptr;
      db = bias.requiresGrad ? gradPtr(bias) : Tensor._empty(bias.shape).ptr;
      accW = 1;
    }
    return [dx, dg, db, accX, accW];
  };
  let node: Tensor;
  if (notebook) {
    k.bn_notebook_forward(out.ptr, mean.ptr, stat.ptr, x.ptr, gain.ptr, bias.ptr, B, H);
    node = record('batchNorm', out, [x, gain, bias], [x, gain], (g) => {
      const [dx, dg, db, accX, accW] = grads();
      k.bn_notebook_backward(dx, dg, db, g, x.ptr, gain.ptr, mean.ptr, stat.ptr, B, H, accX, accW);
    });
  } else {
    const rstd = Tensor._empty([H]);
    k.bn_torch_forward(out.ptr, mean.ptr, stat.ptr, rstd.ptr, x.ptr, gain.ptr, bias.ptr, eps, B, H);
    node = record('batchNorm', out, [x, gain, bias], [x, gain], (g) => {
      const [dx, dg, db, accX, accW] = grads();
      k.bn_torch_backward(dx, dg, db, g, x.ptr, gain.ptr, mean.ptr, rstd.ptr, B, H, accX, accW);
    });
  }
  for (const [run, batch] of [[opts.runningMean, mean], [runStat, stat]] as const) {
    if (!run) continue;
    if (!run.isContiguous()) throw new Error('batchNorm: running statistics must be contiguous tensors');
    k.ema_update(run._writePtr(), batch.ptr, 1 - momentum, momentum, H);
    run._storage.version++;
  }
  return node;
}
