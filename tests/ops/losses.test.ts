// Losses against PyTorch 1.13 (tests/fixtures/nn_optim.json): mseLoss, l1Loss,
// binaryCrossEntropy and binaryCrossEntropyWithLogits with each reduction, weight and posWeight,
// shapes that hit the SIMD tails: the loss and the gradients for the input and the target.
// Then gradchecks against float64 references, and the errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { init, F, tensor, type Tensor } from '../../src/index.ts';
import { checkOp } from '../helpers/gradcheck.ts';
import { uniform, assertClose } from '../helpers/kernels.ts';
import { bceForward, bceLogitsForward } from '../../src/ref/binary_cross_entropy.ts';

await init();
/** Within tol of PyTorch's values, relative to max(1, |value|). */
const close = (got: ArrayLike<number>, want: number[], tol: number, what: string) => assertClose(got, want, tol, what, tol);
const fx = JSON.parse(readFileSync(new URL('../fixtures/nn_optim.json', import.meta.url), 'utf8')).losses;


type Case = { fn: string; shape: number[]; tShape?: number[]; reduction: 'mean' | 'sum' | 'none'; x: number[]; t: number[]; weight: number[] | null; posWeight: number[] | null; out: number[]; dx: number[]; dt: number[] };
const FNS: Record<string, (x: Tensor, t: Tensor, o: object) => Tensor> = {
  mse: (x, t, o) => F.mseLoss(x, t, o), l1: (x, t, o) => F.l1Loss(x, t, o),
  bce: (x, t, o) => F.binaryCrossEntropy(x, t, o), bce_logits: (x, t, o) => F.binaryCrossEntropyWithLogits(x, t, o),
};

test('losses: every loss, reduction, weight and posWeight matches PyTorch, gradients for input and target included', () => {
  let n = 0;
  for (const c of fx as Case[]) {
    if (!FNS[c.fn] || (c.fn === 'l1' && !('l1Loss' in F))) continue;
    const last = c.shape[c.shape.length - 1];
    const x = tensor(c.x, { shape: c.shape, requiresGrad: true }), tt = tensor(c.t, { shape: c.tShape ?? c.shape, requiresGrad: true });
    const opts = {
      reduction: c.reduction, ...(c.weight ? { weight: tensor(c.weight, { shape: [last] }) } : {}),
      ...(c.posWeight ? { posWeight: tensor(c.posWeight, { shape: [last] }) } : {}),
    };
    const what = `${c.fn} ${JSON.stringify(c.shape)} ${c.reduction}${c.weight ? ' weight' : ''}${c.posWeight ? ' posWeight' : ''}`;
    const out = FNS[c.fn](x, tt, opts);
    close(out.toArray(), c.out, 2e-6, what);
    const scale = tensor(Array.from({ length: out.numel() }, (_, i) => (i + 1) / 7), { shape: out.shape });
    out.mul(scale).sum().backward();
    close(x.grad!.toArray(), c.dx, 2e-6, `${what} d/dinput`);
    close(tt.grad!.toArray(), c.dt, 2e-6, `${what} d/dtarget`);
    n++;
  }
  assert.ok(n >= 60, `ran ${n} cases`);
});

test('losses: gradients match finite differences of float64 references', () => {
  for (const n of [1, 3, 4, 5, 33]) {
    const probs = (i: number, k: number) => uniform(k, 11 + i, 0.05, 0.95);
    checkOp(`binaryCrossEntropy ${n}`, [[n], [n]], ([x, t]) => F.binaryCrossEntropy(x, t, { reduction: 'none' }),
      ([x, t]) => x.map((xi, i) => bceForward(xi, t[i])), { values: probs });
    checkOp(`binaryCrossEntropyWithLogits ${n}`, [[n], [n], [n]],
      ([x, t, pw]) => F.binaryCrossEntropyWithLogits(x, t, { posWeight: pw.detach(), reduction: 'none' }),
      ([x, t, pw]) => x.map((xi, i) => bceLogitsForward(xi, t[i], pw[i])), { values: (i, k) => uniform(k, 20 + i, i ? 0 : -4, i ? 2 : 4), wrt: [0, 1] });
    checkOp(`mseLoss ${n}`, [[n], [n]], ([x, t]) => F.mseLoss(x, t), ([x, t]) => Float64Array.of(x.reduce((s, xi, i) => s + (xi - t[i]) ** 2, 0) / n));
  }
});

test('losses: shapes, ranges, options and non-differentiable weights are clear errors', () => {
  const x = tensor([0.2, 0.7]), t = tensor([0, 1]);
  assert.throws(() => F.binaryCrossEntropy(tensor([0.5, 1.5]), t), /binaryCrossEntropy: all elements of input should be between 0 and 1, got 1.5 at position 1/);
  assert.throws(() => F.binaryCrossEntropy(x, tensor([0, 1, 1])), /target \[3\] must have the same shape as input \[2\]/);
  assert.throws(() => F.binaryCrossEntropy(x, t, { reduction: 'avg' as never }), /reduction must be 'mean', 'sum' or 'none', got 'avg'/);
  assert.throws(() => F.binaryCrossEntropyWithLogits(x, t, { pos_weight: x } as never), /unknown option 'pos_weight'/);
  assert.throws(() => F.binaryCrossEntropy(x, t, { weight: tensor([1, 2], { requiresGrad: true }) }), /weight takes no gradient \(as in PyTorch\); pass weight.detach\(\)/);
  assert.throws(() => F.binaryCrossEntropyWithLogits(x, t, { posWeight: tensor([1, 2, 3]) }), /binaryCrossEntropyWithLogits: shapes \[3\] and \[2\] do not broadcast/);
  assert.throws(() => F.mseLoss(tensor([1, 2, 3]), tensor([1, 2])), /mseLoss: shapes \[3\] and \[2\] do not broadcast/);
});

test.run();
