// F ops the engine already had, against PyTorch 1.13 (tests/fixtures/nn_optim.json): softmax and
// logSoftmax over every dim, nllLoss with weight, ignoreIndex and each reduction on (N, C) and
// (N, C, d), embedding with a 2-D index tensor (repeated indices add up in the gradient).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { assertClose } from '../helpers/kernels.ts';
import { init, F, tensor } from '../../src/index.ts';

await init();
/** Within tol of PyTorch's values, relative to max(1, |value|). */
const close = (got: ArrayLike<number>, want: number[], tol: number, what: string) => assertClose(got, want, tol, what, tol);
const fx = JSON.parse(readFileSync(new URL('../fixtures/nn_optim.json', import.meta.url), 'utf8')).functional;


test('softmax / logSoftmax: every dim of 1-D, 2-D and 3-D inputs, values and gradients as PyTorch', () => {
  for (const c of fx.softmax) {
    const x = tensor(c.x, { shape: c.shape, requiresGrad: true });
    const y = c.fn === 'softmax' ? F.softmax(x, c.dim) : F.logSoftmax(x, c.dim);
    const what = `${c.fn} ${JSON.stringify(c.shape)} dim ${c.dim}`;
    close(y.toArray(), c.y, 1e-6, what);
    y.mul(tensor(c.c, { shape: c.shape })).sum().backward();
    close(x.grad!.toArray(), c.dx, 1e-5, `${what} grad`);
  }
});

test('nllLoss: weight, ignoreIndex and every reduction on (N, C) and (N, C, d), as PyTorch', () => {
  for (const c of fx.nll) {
    const logp = tensor(c.logp, { shape: c.shape, requiresGrad: true });
    const target = tensor(c.target, { dtype: 'int32', shape: c.shape.length === 3 ? [c.shape[0], c.shape[2]] : [c.shape[0]] });
    const opts = { ...(c.opts.reduction ? { reduction: c.opts.reduction } : {}), ...(c.opts.ignore_index !== undefined ? { ignoreIndex: c.opts.ignore_index } : {}), ...(c.weight ? { weight: tensor(c.weight) } : {}) };
    const y = F.nllLoss(logp, target, opts);
    const what = `nllLoss ${JSON.stringify(c.shape)} ${JSON.stringify(c.opts)}`;
    close(y.toArray(), c.y, 1e-6, what);
    y.mul(tensor(Array.from({ length: y.numel() }, (_, i) => i + 1), { shape: y.shape })).sum().backward();
    close(logp.grad!.toArray(), c.dlogp, 1e-6, `${what} grad`);
  }
});

test('embedding: a 2-D index tensor gives (2, 3, dim); repeated rows add their gradients', () => {
  const c = fx.embedding[0];
  const W = tensor(c.W, { shape: [7, 4], requiresGrad: true });
  const y = F.embedding(tensor(c.idx, { dtype: 'int32', shape: c.idxShape }), W);
  assert.equal(y.shape, [2, 3, 4]);
  close(y.toArray(), c.y, 0, 'embedding');
  y.mul(tensor(c.c, { shape: [2, 3, 4] })).sum().backward();
  close(W.grad!.toArray(), c.dW, 1e-6, 'embedding grad');
});

test.run();
