// compile() over the shape, indexing and matmul ops and the random factories: a replay is
// bit-identical to running the step eagerly (ENGINE.md rules 1-4: no JS reads of tensor values,
// random draws through the generator at every call), and data errors stop the program with the
// op's message.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  init, Generator, randint, randn, randperm, multinomial, rand, ones, tensor, cat, stack, F, optim, compile, noGrad, type Tensor,
} from '../../src/index.ts';

await init();

/** A tiny causal self-attention language model over 9 tokens, trained eagerly or compiled. */
function run(compiled: boolean, steps: number) {
  const g = new Generator().manualSeed(11);
  const V = 9, T = 5, D = 4, H = 2;
  const data = randint(0, V, [64, T + 1], { generator: g });
  const E = randn([V, H * D], { generator: g }).mul(0.5), Wq = randn([H * D, H * D], { generator: g }).mul(0.3);
  const Wk = randn([H * D, H * D], { generator: g }).mul(0.3), Wo = randn([V, H * D], { generator: g }).mul(0.3);
  const P = randn([T, H * D], { generator: g }).mul(0.1);
  const params = [E, Wq, Wk, Wo, P];
  for (const p of params) p.requiresGrad = true;
  const opt = new optim.SGD(params, { lr: 0.2 });
  const causal = ones([T, T]).tril().keep();
  const step = (ix: Tensor) => {
    const rows = data.index(ix);                                      // [B, T+1]
    const X = rows.narrow(1, 0, T), Y = rows.narrow(1, 1, T);
    const order = randperm(ix.shape[0], { generator: g });           // a draw at every call
    const x = E.index(X.index(order)).add(P);                          // [B, T, HD]
    const q = x.matmul(Wq).view(-1, T, H, D).transpose(1, 2);          // [B, H, T, D]
    const k = x.matmul(Wk).view(-1, T, H, D).transpose(1, 2);
    const att = q.matmul(k.transpose(-2, -1)).mul(causal).softmax(-1); // batched, transposed, broadcast mask
    const y = att.matmul(k);                                           // [B, H, T, D]
    const heads = cat(y.unbind(1), -1);                                // [B, T, HD]
    const logits = heads.matmul(Wo.T).roll(0, 1);                      // x @ Wᵀ
    const logp = logits.view(-1, V).logSoftmax(1);
    const picked = logp.gather(1, Y.index(order).reshape(-1, 1));
    const extra = stack([picked.mean(), logp.index(0, { start: 0, end: 3 }).sum().mul(1e-3)]).sum();
    const loss = picked.mean().neg().add(extra.sub(picked.mean()));
    noGrad(() => P.add_(rand([T, H * D], { generator: g }).mul(0)));
    opt.zeroGrad(); loss.backward(); opt.step();
    return loss;
  };
  const f = compiled ? compile(step) : step;
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push(f(randint(0, 64, [8], { generator: g })).item());
  return { losses, params: params.map((p) => Array.from(p.toArray())), next: g.random() };
}

test('compile: attention with batched/transposed matmul, cat, unbind, roll, gather, index, tril and randperm replays bit-identically', () => {
  const eager = run(false, 25), comp = run(true, 25);
  eager.losses.forEach((v, i) => { if (!Object.is(v, comp.losses[i])) assert.unreachable(`step ${i}: loss ${comp.losses[i]} compiled vs ${v} eager`); });
  eager.params.forEach((p, j) => p.forEach((v, i) => { if (!Object.is(v, comp.params[j][i])) assert.unreachable(`parameter ${j}[${i}]: ${comp.params[j][i]} vs ${v}`); }));
  assert.is(comp.next, eager.next, 'the generator ends in the same state');
  assert.ok(eager.losses[24] < eager.losses[0], `it learns (${eager.losses[0]} -> ${eager.losses[24]})`);
});

test('compile: multinomial (both algorithms), oneHot, scatterAdd and uniform_ replay with fresh draws', () => {
  const make = () => {
    const g = new Generator().manualSeed(4);
    const w = randn([6, 10], { generator: g }).keep();
    return (p: Tensor) => {
      const a = multinomial(p, 3, { generator: g });
      const b = multinomial(p, 4, { replacement: true, generator: g });
      const h = F.oneHot(a.view(-1), 10, { dtype: 'float32' }).view(-1, 3, 10).sum(1);
      const s = ones([6, 10]).scatterAdd(1, b, w.gather(1, b));
      const u = noGrad(() => ones([3]).uniform_(-1, 1, { generator: g }));
      return { a, b, y: h.add(s), u };
    };
  };
  const probs = F.softmax(randn([6, 10], { generator: new Generator().manualSeed(1) }), 1);
  const eager = make(), comp = compile(make());
  for (let i = 0; i < 4; i++) {
    const e = eager(probs), c = comp(probs);
    for (const key of ['a', 'b', 'y', 'u'] as const) assert.equal(Array.from(c[key].toArray()), Array.from(e[key].toArray()), `call ${i}: ${key}`);
  }
});

test('compile: a bad index in a later call stops gather, oneHot and x.index(...) with their messages', () => {
  const x = randn([4, 5], { generator: new Generator().manualSeed(2) });
  const f = compile((i: Tensor) => x.gather(1, i.view(-1, 1)).sum());
  assert.ok(Number.isFinite(f(tensor([0, 4, 1, 2], { dtype: 'int32' })).item()));
  assert.throws(() => f(tensor([0, 5, 1, 2], { dtype: 'int32' })), /gather: index 5 is out of bounds for dimension 1 with size 5/);
  const h = compile((i: Tensor) => F.oneHot(i, 3));
  h(tensor([0, 2], { dtype: 'int32' }));
  assert.throws(() => h(tensor([0, 3], { dtype: 'int32' })), /oneHot: class values must be smaller than numClasses \(3\), got 3/);
  const r = compile((i: Tensor, j: Tensor) => x.index(i, j));
  r(tensor([0, 3], { dtype: 'int32' }), tensor([-1, 2], { dtype: 'int32' }));
  assert.throws(() => r(tensor([0, 3], { dtype: 'int32' }), tensor([-6, 2], { dtype: 'int32' })), /index: index -6 is out of bounds for dimension 1 with size 5/);
  assert.throws(() => compile((i: Tensor) => F.oneHot(i))(tensor([1], { dtype: 'int32' })), /reads tensor values/);
});

test.run();
