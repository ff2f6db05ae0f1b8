// The element-wise ops and reductions of the PyTorch surface inside a compiled step: every one
// is kernel calls on shapes (no JS reads or writes of tensor data), so a replay is bit-identical
// to running the step eagerly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, Generator, randint, randn, F, optim, compile, type Tensor } from '../../src/index.ts';

await init();

function model() {
  const g = new Generator().manualSeed(11);
  const X = randint(0, 13, [200, 4], { generator: g }), Y = randint(0, 13, [200], { generator: g });
  const C = randn([13, 5], { generator: g }), W1 = randn([20, 24], { generator: g }).mul(0.3), b1 = randn([24], { generator: g }).mul(0.1);
  const W2 = randn([24, 13], { generator: g }).mul(0.3), e = randn([24], { generator: g }).mul(0.1), lo = randn([24], { generator: g }).mul(0.1).sub(1);
  const params = [C, W1, b1, W2, e, lo];
  for (const p of params) p.requiresGrad = true;
  const opt = new optim.SGD(params, { lr: 0.05, momentum: 0.9 });
  const step = (ix: Tensor) => {
    const x = C.index(X.index(ix)).view(-1, 20);
    let h = F.gelu(x.matmul(W1).add(b1));
    h = F.gelu(h, { approximate: 'tanh' }).add(h.relu()).add(h.sigmoid()).sub(h.abs().mul(0.1)).add(h.sign().mul(0.01));
    h = h.add(h.square().add(1).rsqrt()).add(h.abs().add(1).reciprocal()).add(h.abs().log1p()).add(h.sin().mul(0.1)).add(h.cos().mul(0.1));
    h = h.clamp(-2, 2).add(h.clamp(lo, 1.5)).add(F.maximum(h, 0.1)).add(F.minimum(h, h.mul(0.5)));
    h = F.where(h.gt(0), h, h.mul(0.01)).maskedFill(h.lt(-1.5), -1.5).add(h.abs().add(0.5).pow(e.sigmoid()));
    const logits = h.matmul(W2);
    const y = Y.index(ix);
    const acc = logits.argmax(1).eq(y).mean(); // no gradient: a value riding along
    const loss = F.crossEntropy(logits, y)
      .add(logits.logsumexp(1).mean().mul(0.01)).add(logits.max(1).values.mean().mul(0.01)).add(logits.min().mul(0.001))
      .add(h.amax([0, 1]).mul(0.001)).add(logits.amin(0, true).mean().mul(0.001)).add(acc.mul(0));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss;
  };
  return { g, step, params };
}

test('compile: a step using every new element-wise op and reduction replays bit-identically to eager', () => {
  const run = (compiled: boolean) => {
    const m = model();
    const step = compiled ? compile(m.step) : m.step;
    const losses: number[] = [];
    for (let i = 0; i < 12; i++) losses.push(step(randint(0, 200, [16], { generator: m.g })).item());
    return { losses, params: m.params.map((p) => Array.from(p.toArray())) };
  };
  const eager = run(false), compiled = run(true);
  assert.ok(eager.losses.every(Number.isFinite), `losses ${eager.losses}`);
  assert.ok(eager.losses[11] !== eager.losses[0], 'it trains');
  eager.losses.forEach((v, i) => assert.ok(Object.is(v, compiled.losses[i]), `step ${i}: compiled ${compiled.losses[i]} vs eager ${v}`));
  eager.params.forEach((p, j) => p.forEach((v, i) => { if (!Object.is(v, compiled.params[j][i])) assert.unreachable(`parameter ${j}[${i}]: ${compiled.params[j][i]} vs ${v}`); }));
});

test.run();
