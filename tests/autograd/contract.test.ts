// The engine's contract (issue: never a silently wrong number): every case gives PyTorch's
// numbers (tests/fixtures/engine.json, from tools/fixtures/engine.py) or a clear error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { init, tensor, randn, zeros, noGrad, F, optim, Generator, Tensor } from '../../src/index.ts';

await init();
const fx = JSON.parse(readFileSync(new URL('../fixtures/engine.json', import.meta.url), 'utf8'));

type Nested = number | Nested[];
const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);
function close(got: Tensor | Nested, want: Nested, tol: number, what: string): void {
  const g = got instanceof Tensor ? Array.from(got.toArray()) : flat(got), w = flat(want);
  assert.is(g.length, w.length, `${what}: length`);
  let worst = 0, at = -1;
  for (let i = 0; i < w.length; i++) {
    const d = Math.abs(g[i] - w[i]) / Math.max(1, Math.abs(w[i]));
    if (!(d <= worst) || Number.isNaN(g[i]) !== Number.isNaN(w[i])) { worst = Number.isNaN(d) ? Infinity : d; at = i; }
  }
  if (!(worst <= tol)) assert.unreachable(`${what}: element ${at} is ${g[at]}, PyTorch ${w[at]} (maxdiff ${worst})`);
}
const param = (x: Nested, shape?: number[]) => { const t = tensor(flat(x), { shape: shape ?? [flat(x).length] }); t.requiresGrad = true; return t; };

test('graphs: an intermediate used by two backward() calls gets a fresh gradient each time', () => {
  const w = param([1, 2, 3]);
  const h = w.add(1);
  h.sum().backward();
  h.mul(h).sum().backward();
  close(w.grad!, fx.graphs.reuse_intermediate, 0, 'w.grad');
});

test('graphs: backward of a later loss leaves an earlier graph intact', () => {
  const w = param([1, 2, 3]);
  const la = w.mul(w).sum(), lb = w.mul(3).sum();
  lb.backward();
  la.backward();
  close(w.grad!, fx.graphs.two_losses_reverse_order, 0, 'w.grad');
});

test('graphs: a view made once before the loop passes a gradient to its base every step', () => {
  const c = fx.graphs.view_before_loop;
  const W = param(c.W0, [2, 3]);
  const Wv = W.view(6);
  const opt = new optim.SGD([W], { lr: 0.1 });
  c.xs.forEach((x: number[], i: number) => {
    opt.zeroGrad();
    Wv.mul(tensor(x)).sum().backward();
    assert.ok(W.grad, `W.grad is set at step ${i}`);
    close(W.grad!, c.grads[i], 0, `W.grad at step ${i}`);
    opt.step();
  });
  close(W, c.W, 1e-7, 'W after 3 SGD steps');
});

test('graphs: a second backward() through freed values throws; retainGraph allows it', () => {
  const w = param([1, 2, 3]);
  const l = w.mul(w).sum();
  l.backward();
  assert.throws(() => l.backward(), /backward through the graph a second time.*retainGraph/);
  const w2 = param([1, 2, 3]);
  const l2 = w2.mul(w2).sum();
  l2.backward({ retainGraph: true });
  l2.backward();
  assert.equal(Array.from(w2.grad!.toArray()), [4, 8, 12]);
  assert.throws(() => l2.backward(), /second time/);
  assert.throws(() => l2.backward({ retainGrap: true } as never), /unknown option 'retainGrap'/);
});

test('graphs: modifying a saved tensor in place before backward() throws', () => {
  const w = param([1, 2, 3]);
  const x = tensor([1, 1, 1]);
  const l = w.mul(x).sum();
  x.add_(1);
  assert.throws(() => l.backward(), /modified in place/);
});

test('memory: keep() on a reclaimed tensor throws the reclaimed error', () => {
  const w = param([1, 2, 3]);
  const step = () => { const l = w.mul(2).sum(); l.backward(); return l; };
  step();
  const old = w.mul(5);
  step(); step(); step();
  assert.throws(() => old.keep(), /reclaimed/);
  assert.throws(() => old.toArray(), /reclaimed.*\.keep\(\)/);
  const inside = noGrad(() => { const t = w.mul(2); return [t]; })[0];
  const lost = { t: null as Tensor | null };
  noGrad(() => { lost.t = w.mul(3); });
  assert.ok(inside.toArray()[0] === 2);
  assert.throws(() => lost.t!.keep(), /made inside noGrad\(\)/);
});

test('memory: noGrad returns tensors inside Maps, Sets and class instances; a Promise is a clear error', () => {
  const a = randn([4], { generator: new Generator().manualSeed(3) });
  class Box { constructor(readonly t: Tensor) {} }
  const r = noGrad(() => ({ m: new Map([['x', a.add(1)]]), s: new Set([a.mul(2)]), b: new Box(a.sub(1)) }));
  const want = Array.from(a.toArray());
  assert.equal(Array.from(r.m.get('x')!.toArray()), want.map((v) => Math.fround(v + 1)));
  assert.equal(Array.from([...r.s][0].toArray()), want.map((v) => Math.fround(v * 2)));
  assert.equal(Array.from(r.b.t.toArray()), want.map((v) => Math.fround(v - 1)));
  assert.throws(() => noGrad(async () => a.add(1)), /returned a Promise.*await/);
});

test('memory: a tensor made mid-training and unused for two steps throws with a keep() hint; keep() keeps it', () => {
  const w = param([1, 2, 3]);
  const step = () => w.mul(w).sum().backward();
  step();
  const val = tensor([4, 5, 6]);
  const kept = tensor([7, 8, 9]).keep();
  for (let i = 0; i < 5; i++) step();
  assert.throws(() => val.sum(), /reclaimed.*call \.keep\(\)/);
  assert.equal(Array.from(kept.toArray()), [7, 8, 9]);
  // Used every step, a temporary stays valid (running statistics carried across steps).
  let run = zeros([3]);
  for (let i = 0; i < 5; i++) { step(); run = noGrad(() => run.mul(0.5).add(w)); }
  assert.ok(run.toArray()[0] > 0.9);
});

test('memory: an old .grad keeps its values after grad = null and the next backward', () => {
  const w = param([1, 2, 3]);
  w.mul(w).sum().backward();
  const g1 = w.grad!;
  w.grad = null;
  w.mul(10).sum().backward();
  assert.equal(Array.from(g1.toArray()), [2, 4, 6], 'the old gradient tensor');
  assert.equal(Array.from(w.grad!.toArray()), [10, 10, 10], 'the new one');
  const g2 = w.grad!;
  w.mul(1).sum().backward(); // accumulates: the same tensor, as PyTorch
  assert.equal(Array.from(g2.toArray()), [11, 11, 11]);
});

test('options: crossEntropy with every option matches PyTorch, values and gradients', () => {
  const c = fx.crossEntropy;
  for (const cs of c.cases) {
    const x = param(cs.three ? c.logits3 : c.logits, cs.three ? [3, 5, 4] : [6, 5]);
    const t = tensor(flat(cs.target), { dtype: 'int32', shape: cs.three ? [3, 4] : [6] });
    const o = cs.opts;
    const opts = {
      ...(o.reduction ? { reduction: o.reduction } : {}), ...(o.label_smoothing ? { labelSmoothing: o.label_smoothing } : {}),
      ...(o.ignore_index !== undefined ? { ignoreIndex: o.ignore_index } : {}), ...(o.weight ? { weight: tensor(c.weight) } : {}),
    };
    const loss = F.crossEntropy(x, t, opts);
    const what = `crossEntropy ${JSON.stringify(cs.opts)}${cs.three ? ' (N,C,d)' : ''}`;
    close(loss, cs.loss, 2e-6, `${what} loss`);
    const scale = tensor(Array.from({ length: loss.numel() }, (_, i) => i + 1), { shape: loss.shape });
    loss.mul(scale).sum().backward();
    close(x.grad!, cs.grad, 2e-6, `${what} grad`);
  }
  assert.throws(() => F.crossEntropy(randn([2, 3]), tensor([0, 1], { dtype: 'int32' }), { reductio: 'sum' } as never), /crossEntropy: unknown option 'reductio'; known: weight, ignoreIndex, reduction, labelSmoothing/);
  assert.throws(() => F.crossEntropy(randn([2, 3]), tensor([0, 7], { dtype: 'int32' })), /target 7 at position 1 is out of range for 3 classes/);
});

test('options: SGD with momentum, dampening, weightDecay, nesterov and maximize matches PyTorch', () => {
  const s = fx.sgd;
  for (const run of s.runs) {
    const ps = [param(s.p0[0], [3, 4]), param(s.p0[1], [5])];
    const c = [tensor(flat(s.c[0]), { shape: [3, 4] }), tensor(flat(s.c[1]))];
    const o = run.opts;
    const opt = new optim.SGD(ps, { lr: o.lr, momentum: o.momentum, dampening: o.dampening, weightDecay: o.weight_decay, nesterov: o.nesterov, maximize: o.maximize });
    for (let step = 0; step < 4; step++) {
      opt.zeroGrad();
      ps[0].mul(ps[0]).mul(c[0]).sum().add(ps[1].mul(ps[1]).mul(c[1]).sum()).add(ps[0].sum().mul(step)).backward();
      opt.step();
    }
    close(ps[0], run.params[0], 2e-6, `SGD ${JSON.stringify(o)} p0`);
    close(ps[1], run.params[1], 2e-6, `SGD ${JSON.stringify(o)} p1`);
  }
  assert.throws(() => new optim.SGD([param([1])], { lr: 0.1, momentun: 0.9 } as never), /SGD: unknown option 'momentun'/);
});

test('reductions: std, var, mean and sum over any dim or dims match PyTorch, with gradients', () => {
  const r = fx.reductions;
  const cases: [string, (t: Tensor) => Tensor][] = [
    ['std1', (t) => t.std(1)], ['std1_keep', (t) => t.std(1, true)], ['var02', (t) => t.var([0, 2])],
    ['var_c0', (t) => t.var(-1, false, { correction: 0 })], ['std_all', (t) => t.std()],
    ['mean12', (t) => t.mean([1, 2], true)], ['sum02', (t) => t.sum([0, 2])],
  ];
  for (const [name, f] of cases) {
    const x = param(r.x, [3, 4, 5]);
    const y = f(x);
    close(y, r[name].value, 2e-6, `${name} value`);
    y.mul(tensor(Array.from({ length: y.numel() }, (_, i) => i + 1), { shape: y.shape })).sum().backward();
    close(x.grad!, r[name].grad, 5e-6, `${name} grad`);
  }
});

test('pow(0) has gradient 0 everywhere, 0 included', () => {
  const x = param(fx.powZero.x);
  x.pow(0).sum().backward();
  assert.equal(Array.from(x.grad!.toArray()), flat(fx.powZero.grad));
});

test('indexing: negative numbers and int32 tensors count from the end; errors name the index asked for', () => {
  const C = tensor(Array.from({ length: 27 * 2 }, (_, i) => i), { shape: [27, 2] });
  assert.equal(C.index(-1).tolist(), [52, 53]);
  assert.equal(C.index(tensor([-1, 0, -27], { dtype: 'int32' })).tolist(), [[52, 53], [0, 1], [0, 1]]);
  assert.throws(() => C.index(-28), /index -28 is out of bounds for dimension 0 with size 27/);
  assert.throws(() => C.index(tensor([3, -28], { dtype: 'int32' })), /index -28 at position 1 is out of bounds/);
  assert.throws(() => F.embedding(tensor([-1], { dtype: 'int32' }), C), /embedding: index -1 at position 0 is out of bounds/);
});

test('errors from composites name the op the user called', () => {
  assert.throws(() => randn([3, 4]).std(5), /std: dim 5 is out of range/);
  assert.throws(() => randn([3, 4]).add(randn([5])), /add: shapes \[3, 4\] and \[5\] do not broadcast/);
});

test.run();
