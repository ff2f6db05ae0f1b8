// nn.utils.clipGradNorm_ against PyTorch 1.13 (tests/fixtures/nn_optim.json): the total norm it
// returns and the clipped gradients, for norms 2, 1, 3 and inf, clipping and not clipping.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { init, nn, optim, tensor, compile, type Tensor } from '../../src/index.ts';

await init();
const fx = JSON.parse(readFileSync(new URL('../fixtures/nn_optim.json', import.meta.url), 'utf8')).clip;

/** Parameters whose gradients are exactly `grads` (the loss is sum(p * G)). */
function withGrads(grads: number[][]): Tensor[] {
  const ps = fx.shapes.map((s: number[]) => tensor(new Float32Array(s.reduce((a, b) => a * b, 1)), { shape: s, requiresGrad: true }));
  ps.map((p: Tensor, i: number) => p.mul(tensor(grads[i], { shape: p.shape })).sum()).reduce((a: Tensor, b: Tensor) => a.add(b)).backward();
  return ps;
}

function check(ps: Tensor[], total: Tensor, c: { normType: number | string; maxNorm: number; total: number; after: number[][] }, what: string): void {
  assert.ok(Math.abs(total.item() - c.total) <= 1e-6 * c.total, `${what}: total ${total.item()}, PyTorch ${c.total}`);
  ps.forEach((p, i) => {
    const g = p.grad!.toArray();
    c.after[i].forEach((w, j) => assert.ok(Math.abs(g[j] - w) <= 1e-6 * Math.max(1, Math.abs(w)), `${what}: grad ${i}[${j}] ${g[j]} vs ${w}`));
  });
}

test('clipGradNorm_: total norm and clipped gradients match PyTorch for norms 2, 1, 3 and inf', () => {
  for (const c of fx.cases) {
    const ps = withGrads(c.grads);
    const total = nn.utils.clipGradNorm_(ps, c.maxNorm, c.normType);
    check(ps, total, c, `norm ${c.normType} max ${c.maxNorm}`);
  }
});

test('clipGradNorm_: over an optimizer\'s packed block (one sweep) and inside a compiled step', () => {
  const c = fx.cases[0];
  const ps = withGrads(c.grads);
  new optim.SGD(ps, { lr: 0 }); // packs the parameters and gradients into one block each
  check(ps, nn.utils.clipGradNorm_(ps, c.maxNorm), c, 'packed');
  const qs = fx.shapes.map((s: number[]) => tensor(new Float32Array(s.reduce((a, b) => a * b, 1)), { shape: s, requiresGrad: true }));
  const step = compile((G0: Tensor, G1: Tensor, G2: Tensor) => {
    for (const q of qs) q.grad = null;
    qs[0].mul(G0).sum().add(qs[1].mul(G1).sum()).add(qs[2].mul(G2).sum()).backward();
    return nn.utils.clipGradNorm_(qs, c.maxNorm);
  });
  for (const cc of [fx.cases[0], fx.cases[1], fx.cases[0]]) {
    const total = step(...(cc.grads.map((g: number[], i: number) => tensor(g, { shape: fx.shapes[i] })) as [Tensor, Tensor, Tensor]));
    check(qs, total, { ...cc, maxNorm: c.maxNorm, after: cc.grads.map((g: number[]) => g.map((x) => x * Math.min(1, c.maxNorm / (cc.total + 1e-6)))) }, 'compiled');
  }
});

test('clipGradNorm_: no gradients gives 0; a non-finite norm throws only with errorIfNonfinite', () => {
  const p = tensor([1, 2], { requiresGrad: true });
  assert.is(nn.utils.clipGradNorm_([p], 1).item(), 0);
  p.mul(tensor([Infinity, 1])).sum().backward();
  assert.throws(() => nn.utils.clipGradNorm_(p, 1, 2, { errorIfNonfinite: true }), /clipGradNorm_: the total norm of order 2 of the gradients is non-finite/);
  assert.is(nn.utils.clipGradNorm_(p, 1).item(), Infinity);
  assert.throws(() => nn.utils.clipGradNorm_(p, 1, -1), /normType must be a non-negative number or 'inf'/);
});

test.run();
