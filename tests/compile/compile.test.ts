// compile(): replays are bit-identical to running the step eagerly, on this build (npm test
// runs this folder on every build), for models other than the notebook's; and what it cannot
// replay is a clear error, never a wrong number.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, Generator, randint, randn, tensor, F, nn, optim, compile, noGrad, type Tensor } from '../../src/index.ts';
import { fma32 } from '../../src/random/fma.ts';

await init();

/** Runs `steps` steps of a fresh model eagerly and compiled; returns both runs' losses and final parameters. */
function both(make: () => { step: (ix: Tensor, i: number) => Tensor; params: () => Tensor[]; g: Generator; n: number; before?: (i: number) => void }, steps: number, batch = 16) {
  const run = (compiled: boolean) => {
    const m = make();
    const step = compiled ? compile(m.step) : m.step;
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      m.before?.(i);
      losses.push(step(randint(0, m.n, [batch], { generator: m.g }), i).item());
    }
    return { losses, params: m.params().map((p) => Array.from(p.toArray())), next: m.g.random() };
  };
  return { eager: run(false), compiled: run(true) };
}

function assertSame(r: ReturnType<typeof both>, what: string): void {
  r.eager.losses.forEach((v, i) => { if (!Object.is(v, r.compiled.losses[i])) assert.unreachable(`${what}: step ${i} loss ${r.compiled.losses[i]} compiled vs ${v} eager`); });
  r.eager.params.forEach((p, j) => p.forEach((v, i) => { if (!Object.is(v, r.compiled.params[j][i])) assert.unreachable(`${what}: parameter ${j}[${i}] differs: ${r.compiled.params[j][i]} vs ${v}`); }));
  assert.is(r.compiled.next, r.eager.next, `${what}: the generator ends in the same state`);
}

function data(seed: number, n: number, bs: number, v: number) {
  const g = new Generator().manualSeed(seed);
  return { X: randint(0, v, [n, bs], { generator: g }), Y: randint(0, v, [n], { generator: g }) };
}

test('compile: a deeper batch-norm net (makemore part 3) trains bit-identically to eager, with an lr schedule', () => {
  const { X, Y } = data(1, 500, 3, 27);
  assertSame(both(() => {
    const g = new Generator().manualSeed(7);
    const layers: nn.Module[] = [new nn.Embedding(27, 10, { generator: g }), new nn.Flatten()];
    let fan = 30;
    for (let i = 0; i < 4; i++) { layers.push(new nn.Linear(fan, 50, { bias: false, generator: g }), new nn.BatchNorm1d(50), new nn.Tanh()); fan = 50; }
    layers.push(new nn.Linear(fan, 27, { generator: g }));
    const model = new nn.Sequential(...layers);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    return {
      g, n: 500, params: () => [...model.parameters(), ...model.buffers()],
      before: (i: number) => { opt.lr = i < 30 ? 0.1 : 0.01; },
      step: (ix: Tensor) => { const loss = F.crossEntropy(model.forward(X.index(ix)), Y.index(ix)); opt.zeroGrad(); loss.backward(); opt.step(); return loss; },
    };
  }, 60), 'batch-norm net');
});

test('compile: functional code with momentum SGD, broadcasting, views and a noGrad running statistic', () => {
  const { X, Y } = data(2, 300, 4, 11);
  assertSame(both(() => {
    const g = new Generator().manualSeed(3);
    const C = randn([11, 5], { generator: g }), W = randn([20, 11], { generator: g }).mul(0.3), b = randn([11], { generator: g }).mul(0.1);
    for (const p of [C, W, b]) p.requiresGrad = true;
    const run = randn([1, 11], { generator: g }).mul(0).keep();
    const opt = new optim.SGD([C, W, b], { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 });
    return {
      g, n: 300, params: () => [C, W, b, run],
      step: (ix: Tensor) => {
        const h = C.index(X.index(ix)).view(-1, 20).tanh().T.contiguous().T; // views through a copy
        const logits = h.matmul(W).add(b).sub(h.mean(1, true));              // a column broadcast
        noGrad(() => run.mul_(0.9).add_(logits.mean(0, true).mul(0.1)));      // state updated in place
        const loss = F.crossEntropy(logits, Y.index(ix), { labelSmoothing: 0.1 });
        opt.zeroGrad(); loss.backward(); opt.step();
        return loss;
      },
    };
  }, 40), 'functional net');
});

test('compile: random draws inside the step happen at every call, in eager order', () => {
  const { X, Y } = data(3, 200, 2, 7);
  assertSame(both(() => {
    const g = new Generator().manualSeed(5);
    const C = randn([7, 6], { generator: g }); C.requiresGrad = true;
    const opt = new optim.SGD([C], { lr: 0.1 });
    return {
      g, n: 200, params: () => [C],
      step: (ix: Tensor) => {
        const noise = randn([ix.shape[0], 12], { generator: g }).mul(0.1); // drawn at every call
        const h = C.index(X.index(ix)).view(-1, 12).add(noise);
        const loss = F.crossEntropy(h.narrow(1, 0, 7), Y.index(ix));
        opt.zeroGrad(); loss.backward(); opt.step();
        return loss;
      },
    };
  }, 30), 'random draws');
});

test('compile: results stay valid after the next call; other shapes capture again', () => {
  const W = randn([3, 3], { generator: new Generator().manualSeed(1) });
  const f = compile((x: Tensor) => ({ y: x.matmul(W), s: x.sum() }));
  const a = f(tensor([[1, 0, 0]]));
  const b = f(tensor([[0, 1, 0]]));
  assert.equal(a.y.tolist(), [Array.from(W.toArray().slice(0, 3))], 'first result unchanged by the second call');
  assert.equal(b.y.tolist(), [Array.from(W.toArray().slice(3, 6))]);
  const c = f(tensor([[0, 0, 1], [1, 0, 0]]));
  assert.equal(c.y.shape, [2, 3], 'a new shape captures again');
  assert.is(f(tensor([[2, 0, 0]])).s.item(), 2, 'and the first program still runs');
});

test('compile: each call runs the program of its own arguments (shapes, numbers, objects), whatever the order of calls', () => {
  const g = new Generator().manualSeed(3);
  const x3 = randn([3], { generator: g }), x23 = randn([2, 3], { generator: g }), other3 = randn([3], { generator: g });
  const o1 = { s: 0.5 }, o2 = { s: -4 };
  const fn = (x: Tensor, k: number, o: { s: number }) => x.mul(k * o.s).sum();
  const f = compile(fn);
  const calls: [Tensor, number, { s: number }][] = [
    [x3, 2, o1], [x3, 2, o1], [x3, 2, o1], [x3, 3, o1], [x3, 2, o1], [x23, 2, o1], [x23, 2, o1], [x23, 2, o1], [x3, 2, o1],
    [x3, 2, o2], [x3, 2, o2], [other3, 2, o2], [x3, 2, o1], [x3, 3, o1], [x3, 3, o1], [x23, 2, o1], [other3, 2, o1],
  ];
  for (const [i, [x, k, o]] of calls.entries()) assert.is(f(x, k, o).item(), fn(x, k, o).item(), `call ${i + 1}`);
  assert.is(f.info().captures, 4, 'one capture per signature');
});

test('compile: what a replay cannot do is a clear error', () => {
  const w = randn([4], { generator: new Generator().manualSeed(2) }); w.requiresGrad = true;
  assert.throws(() => compile((x: Tensor) => { x.sum().item(); return x; })(tensor([1])), /reads tensor values into JavaScript.*return the tensor/);
  assert.throws(() => compile((x: Tensor) => x.sum().item() as unknown as Tensor)(tensor([1])), /reads tensor values/);
  assert.throws(() => compile((x: Tensor) => 3 as unknown as Tensor)(tensor([1])), /returned number at result: return tensors/);
  assert.throws(() => compile((x: Tensor) => x.add_(1))(tensor([1])), /modifies a tensor argument in place/);
  assert.throws(() => compile((x: Tensor) => x.mul(2))(w), /arguments that require grad/);
  assert.throws(() => compile(async (x: Tensor) => x)(tensor([1])), /Promise/);
  assert.throws(() => noGrad(() => compile((x: Tensor) => x.mul(2))(tensor([1]))), /outside noGrad/);
});

test('compile: a step whose work changes between calls runs the work of each call; one that carries state by reassigning it is a clear error at its second call', () => {
  const W = randn([4, 3], { generator: new Generator().manualSeed(5) }); W.requiresGrad = true;
  const x = randn([5, 4], { generator: new Generator().manualSeed(6) });
  // JS control flow on a counter: each call takes its own branch (the guard sees which)
  let calls = 0;
  const branchy = compile((x: Tensor) => (calls++ % 2 === 0 ? x.matmul(W).tanh() : x.matmul(W).relu()).sum());
  const want = [x.matmul(W).tanh().sum().item(), x.matmul(W).relu().sum().item()];
  for (let i = 0; i < 5; i++) assert.is(branchy(x).item(), want[i % 2], `call ${i + 1}`);
  assert.is(branchy.info().captures, 2, 'one program per branch');
  // state reassigned in JS (`running = f(running)`): the second run reads the program's scratch
  let running: Tensor = randn([3], { generator: new Generator().manualSeed(7) }).mul(0);
  const stateful = compile((x: Tensor) => {
    const h = x.matmul(W);
    running = noGrad(() => running.mul(0.9).add(h.mean(0).mul(0.1)));
    return h.sum();
  });
  stateful(x);
  assert.throws(() => stateful(x), /made inside a compiled step and not returned from it.*update state in place/);
  assert.throws(() => running.tolist(), /program's scratch memory/, 'and reading it after the capture is the same error');
  // the same state updated in place replays, and equals eager
  const run = (compiledStep: boolean) => {
    const r = tensor([0, 0, 0]).keep();
    const f = (x: Tensor) => { const h = x.matmul(W); noGrad(() => r.mul_(0.9).add_(h.mean(0).mul(0.1))); return h.sum(); };
    const step = compiledStep ? compile(f) : f;
    for (let i = 0; i < 4; i++) step(x);
    return Array.from(r.toArray());
  };
  assert.equal(run(true), run(false));
});

test('compile: an out-of-range index in a later call stops the program with the op\'s message', () => {
  const table = randn([5, 2], { generator: new Generator().manualSeed(4) });
  const f = compile((ix: Tensor) => table.index(ix).sum());
  assert.ok(Number.isFinite(f(tensor([0, 4], { dtype: 'int32' })).item()));
  assert.throws(() => f(tensor([1, 9], { dtype: 'int32' })), /index: index 9 at position 1 is out of bounds for dimension 0 with size 5/);
  assert.ok(Number.isFinite(f(tensor([3, 2], { dtype: 'int32' })).item()), 'works again after the error');
});

test('compile: optimizer state and parameters stay where the program uses them; repacking captures again', () => {
  const g = new Generator().manualSeed(9);
  const w = randn([6], { generator: g }); w.requiresGrad = true;
  const opt = new optim.SGD([w], { lr: 0.1, momentum: 0.5 });
  const f = compile(() => { const l = w.mul(w).sum(); opt.zeroGrad(); l.backward(); opt.step(); return l; });
  const ref = Array.from(w.toArray()).map(Math.fround);
  let buf = ref.map(() => 0);
  for (let i = 0; i < 5; i++) {
    const l = f();
    const want = ref.reduce((s, v) => s + Math.fround(v * v), 0);
    assert.ok(Math.abs(l.item() - want) < 1e-5 * Math.max(1, want), `loss at step ${i}`);
    for (let j = 0; j < ref.length; j++) {
      const d = Math.fround(2 * ref[j]);
      buf[j] = i === 0 ? d : Math.fround(Math.fround(0.5 * buf[j]) + d);
      ref[j] = fma32(buf[j], Math.fround(-0.1), ref[j]); // torch.optim.SGD: p.add_(buf, alpha=-lr), one rounding
    }
  }
  assert.equal(Array.from(w.toArray()), ref, 'momentum SGD over 5 compiled calls');
  new optim.SGD([w], { lr: 0.1 }); // repacks w: the compiled step must capture again, not write to the old place
  f();
  assert.ok(w.grad !== null && Math.abs(w.grad.toArray()[0] - Math.fround(2 * w.toArray()[0])) < 1, 'w is still trained after repacking');
  buf = [];
});

test.run();
