// compile()'s guard: whatever the step's JavaScript depends on may change at any call (numbers and
// tensors in closures, parameters replaced, train()/eval(), frozen layers, grad mode, flags that
// change kernels or only scalars), and the compiled step still gives what the eager step gives,
// bit for bit: twin models from one seed, one compiled and one eager, compared after every call.
// Where a call cannot be right it is a clear CompileError. Runs on every build (tools/run-tests.js).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, Generator, randint, randn, F, nn, optim, compile, noGrad, type Tensor } from '../../src/index.ts';

await init();

/** Float32 values as bit patterns (so -0 and +0 differ). */
const bits = (t: Tensor) => Array.from(new Uint32Array(new Float32Array(t.toArray()).buffer));

interface Twin { step: (...args: never[]) => Tensor; tensors: () => Tensor[] }

/**
 * Runs `calls` calls of two twins made by make(), one eager and one compiled: before call i,
 * change(i, twin) runs on each; args(i, twin) gives the call's arguments. Asserts the loss and
 * every tensor are the same bits after each call; returns the compiled function's info().
 */
function twins<T extends Twin>(what: string, make: () => T, calls: number, change: (i: number, t: T) => void = () => {}, args: (i: number, t: T) => unknown[] = () => []) {
  const eager = make(), twin = make();
  const step = compile(twin.step as (...a: unknown[]) => Tensor);
  for (let i = 0; i < calls; i++) {
    change(i, eager); change(i, twin);
    const want = bits((eager.step as (...a: unknown[]) => Tensor)(...args(i, eager)));
    const got = bits(step(...args(i, twin)));
    assert.equal(got, want, `${what}: call ${i + 1}: the loss's bits`);
    const te = eager.tensors(), tc = twin.tensors();
    te.forEach((t, j) => { if (bits(t).join() !== bits(tc[j]).join()) assert.unreachable(`${what}: call ${i + 1}: tensor ${j} differs`); });
  }
  return step.info();
}

const data = (() => {
  const g = new Generator().manualSeed(1);
  return { X: randn([64, 6], { generator: g }).keep(), Y: randint(0, 4, [64], { generator: g }).keep() };
})();

/** A small functional MLP (weights as plain tensors) and its batches. */
function functional(seed = 3) {
  const g = new Generator().manualSeed(seed);
  const W1 = randn([6, 8], { generator: g, requiresGrad: true }), b1 = randn([8], { generator: g, requiresGrad: true });
  const W2 = randn([8, 4], { generator: g, requiresGrad: true });
  return { g, W1, b1, W2, params: [W1, b1, W2], batch: () => randint(0, 64, [10], { generator: g }) };
}

test('guard: a learning rate in a closure (a manual update) that changes at any call is used at that call, with no new capture', () => {
  const info = twins('closure lr', () => {
    const m = functional();
    const s = { lr: 0.1 };
    return {
      s, tensors: () => m.params,
      step: () => {
        const ix = m.batch();
        const loss = F.crossEntropy(data.X.index(ix).matmul(m.W1).add(m.b1).tanh().matmul(m.W2), data.Y.index(ix));
        for (const p of m.params) p.grad = null;
        loss.backward();
        noGrad(() => { for (const p of m.params) p.sub_(p.grad!.mul(s.lr)); });
        return loss;
      },
    };
  }, 9, (i, t) => { if (i === 1 || i === 3 || i === 6) t.s.lr *= 0.5; });
  assert.is(info.captures, 1, 'a new float is written into the program: no recapture');
});

test('guard: a JS number given to an op in the forward, changed at calls 2, 4 and 7', () => {
  const info = twins('bias number', () => {
    const m = functional();
    const opt = new optim.SGD(m.params, { lr: 0.05 });
    const s = { bias: 0.25, scale: 2 };
    return {
      s, tensors: () => m.params,
      step: () => {
        const ix = m.batch();
        const h = data.X.index(ix).matmul(m.W1).add(s.bias).mul(s.scale).tanh();
        const loss = F.crossEntropy(h.matmul(m.W2).add(-s.bias), data.Y.index(ix));
        opt.zeroGrad(); loss.backward(); opt.step();
        return loss;
      },
    };
  }, 9, (i, t) => { if (i === 1 || i === 3 || i === 6) { t.s.bias = -t.s.bias * 1.5; t.s.scale += 0.25; } });
  assert.is(info.captures, 1);
});

test('guard: a flag that only changes a scalar (the same kernels) needs no new capture', () => {
  const info = twins('scalar flag', () => {
    const m = functional();
    const opt = new optim.SGD(m.params, { lr: 0.05, momentum: 0.9 });
    const s = { warm: true };
    return {
      s, tensors: () => m.params,
      step: () => {
        const ix = m.batch();
        const loss = F.crossEntropy(data.X.index(ix).matmul(m.W1).tanh().mul(s.warm ? 0.5 : 1).matmul(m.W2), data.Y.index(ix));
        opt.zeroGrad(); loss.backward(); opt.step();
        return loss;
      },
    };
  }, 8, (i, t) => { t.s.warm = i < 4 || i === 6; });
  // (momentum's first step is another kernel call: its flags, an integer, say so)
  assert.is(info.captures, 2);
});

test('guard: a flag that switches the activation at the 3rd, 5th and 7th calls captures where it differs, and each program is found again', () => {
  const info = twins('activation flag', () => {
    const m = functional();
    const opt = new optim.Adam(m.params, { lr: 0.01 });
    const s = { relu: false };
    return {
      s, tensors: () => m.params,
      step: () => {
        const ix = m.batch();
        const pre = data.X.index(ix).matmul(m.W1).add(m.b1);
        const loss = F.crossEntropy((s.relu ? pre.relu() : pre.tanh()).matmul(m.W2), data.Y.index(ix));
        opt.zeroGrad(); loss.backward(); opt.step();
        return loss;
      },
    };
  }, 10, (i, t) => { t.s.relu = i === 2 || i === 3 || i === 6 || i === 8; });
  assert.is(info.captures, 2, 'one program per branch');
  assert.ok(info.programs.some((p) => p.commands.includes('relu_forward')) && info.programs.some((p) => p.commands.includes('tanh_forward')));
  const why = info.programs.map((p) => p.captured).sort();
  assert.is(why[0], 'call 1: the first call with these arguments');
  assert.match(why[1], /^call 3: event \d+ was kernel tanh_forward, now kernel relu_forward$/, 'info() says which call captured and why');
});

test('guard: a JS counter that picks the branch (a different op at every other call) follows it', () => {
  const info = twins('counter', () => {
    const m = functional();
    const opt = new optim.SGD(m.params, { lr: 0.1 });
    let calls = 0;
    return {
      tensors: () => m.params,
      step: () => {
        const ix = m.batch();
        const h = data.X.index(ix).matmul(m.W1);
        const loss = F.crossEntropy((calls++ % 3 === 1 ? h.sigmoid() : h.tanh()).matmul(m.W2), data.Y.index(ix));
        opt.zeroGrad(); loss.backward(); opt.step();
        return loss;
      },
    };
  }, 10);
  assert.is(info.captures, 2);
});

test('guard: a closure tensor reassigned (X = newData) at the 4th call captures again and reads the new data', () => {
  const info = twins('data reassigned', () => {
    const m = functional();
    const opt = new optim.SGD(m.params, { lr: 0.1 });
    const s = { X: data.X };
    return {
      s, tensors: () => m.params,
      step: () => {
        const ix = m.batch();
        const loss = F.crossEntropy(s.X.index(ix).matmul(m.W1).tanh().matmul(m.W2), data.Y.index(ix));
        opt.zeroGrad(); loss.backward(); opt.step();
        return loss;
      },
    };
  }, 8, (i, t) => { if (i === 3) t.s.X = data.X.mul(-0.5).keep(); if (i === 6) t.s.X = randn([64, 6], { generator: new Generator().manualSeed(9) }).keep(); });
  assert.is(info.captures, 3);
  assert.ok(info.programs.some((p) => /^call 4: .*argument 1 \(an address: another tensor\)/.test(p.captured)), info.programs.map((p) => p.captured).join('; '));
});

test('guard: data changed in place (copy_) is read by the program as it is', () => {
  const info = twins('data in place', () => {
    const m = functional();
    const X = data.X.mul(1).keep();
    const opt = new optim.SGD(m.params, { lr: 0.1 });
    return {
      X, tensors: () => [...m.params, X],
      step: () => {
        const ix = m.batch();
        const loss = F.crossEntropy(X.index(ix).matmul(m.W1).tanh().matmul(m.W2), data.Y.index(ix));
        opt.zeroGrad(); loss.backward(); opt.step();
        return loss;
      },
    };
  }, 6, (i, t) => { if (i === 2) noGrad(() => t.X.mul_(-0.5)); });
  assert.is(info.captures, 1);
});

test('guard: an nn parameter replaced (m.weight = w) at the 3rd call captures again with the new one', () => {
  const info = twins('parameter replaced', () => {
    const g = new Generator().manualSeed(4);
    const l1 = new nn.Linear(6, 8, { generator: g }), l2 = new nn.Linear(8, 4, { generator: g });
    const w = randn([8, 6], { generator: g, requiresGrad: true });
    const opt = new optim.SGD([...l1.parameters(), ...l2.parameters(), w], { lr: 0.1 });
    return {
      l1, w, tensors: () => [...l1.parameters(), ...l2.parameters(), w],
      step: () => {
        const ix = randint(0, 64, [10], { generator: g });
        const loss = F.crossEntropy(l2.forward(l1.forward(data.X.index(ix)).tanh()), data.Y.index(ix));
        opt.zeroGrad(); loss.backward(); opt.step();
        return loss;
      },
    };
  }, 7, (i, t) => { if (i === 2) (t.l1 as unknown as { weight: Tensor }).weight = t.w; });
  assert.ok(info.captures >= 2);
});

/** A Sequential with BatchNorm1d and Dropout, trained with AdamW and a StepLR schedule. */
function bnDropout() {
  const g = new Generator().manualSeed(6);
  const model = new nn.Sequential(new nn.Linear(6, 12, { generator: g }), new nn.BatchNorm1d(12), new nn.Tanh(), new nn.Dropout(0.25, { generator: g }), new nn.Linear(12, 4, { generator: g }));
  const opt = new optim.AdamW(model.parameters(), { lr: 0.01 });
  const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.7 });
  return {
    model, g, tensors: () => [...model.parameters(), ...model.buffers()],
    step: () => {
      const ix = randint(0, 64, [16], { generator: g });
      const loss = F.crossEntropy(model.forward(data.X.index(ix)), data.Y.index(ix));
      opt.zeroGrad(); loss.backward(); opt.step(); sched.step();
      return loss;
    },
  };
}

test('guard: model.eval() and train() with Dropout and BatchNorm1d at any call: each mode runs its own program', () => {
  const info = twins('train/eval', bnDropout, 10, (i, t) => { if (i === 2 || i === 6) t.model.eval(); if (i === 4 || i === 7) t.model.train(); });
  assert.is(info.captures, 2);
});

test('guard: a compiled forward (no backward) after eval(), then train() again', () => {
  twins('forward', () => {
    const t = bnDropout();
    return { ...t, step: (x: Tensor) => t.model.forward(x) };
  }, 7, (i, t) => { if (i === 1) t.model.eval(); if (i === 5) t.model.train(); }, (i) => [data.X.narrow(0, i * 4, 8).contiguous()]);
});

test('guard: a layer frozen (requiresGrad = false) and unfrozen between calls', () => {
  const info = twins('frozen', () => {
    const g = new Generator().manualSeed(8);
    const l1 = new nn.Linear(6, 8, { generator: g }), l2 = new nn.Linear(8, 4, { generator: g });
    const opt = new optim.SGD([...l1.parameters(), ...l2.parameters()], { lr: 0.1, momentum: 0.5 });
    return {
      l1, tensors: () => [...l1.parameters(), ...l2.parameters()],
      step: () => {
        const ix = randint(0, 64, [10], { generator: g });
        const loss = F.crossEntropy(l2.forward(l1.forward(data.X.index(ix)).relu()), data.Y.index(ix));
        opt.zeroGrad(); loss.backward(); opt.step();
        return loss;
      },
    };
  }, 9, (i, t) => { if (i === 1 || i === 5) for (const p of t.l1.parameters()) p.requiresGrad = false; if (i === 3 || i === 7) for (const p of t.l1.parameters()) p.requiresGrad = true; });
  assert.ok(info.captures >= 2);
});

test('guard: grad mode inside the step switched by a flag; a compiled step called inside noGrad() is a clear error', () => {
  const m = functional();
  twins('grad mode', () => {
    const f = functional();
    const opt = new optim.SGD(f.params, { lr: 0.1 });
    const s = { frozenFirst: false };
    return {
      s, tensors: () => f.params,
      step: () => {
        const ix = f.batch();
        const x = data.X.index(ix);
        const h = s.frozenFirst ? noGrad(() => x.matmul(f.W1)) : x.matmul(f.W1);
        const loss = F.crossEntropy(h.tanh().matmul(f.W2), data.Y.index(ix));
        opt.zeroGrad(); loss.backward(); opt.step();
        return loss;
      },
    };
  }, 8, (i, t) => { t.s.frozenFirst = i === 2 || i === 3 || i === 6; });
  const step = compile(() => m.W1.mul(2).sum());
  step(); step();
  assert.throws(() => noGrad(() => step()), (e: Error) => e.name === 'CompileError' && /outside noGrad/.test(e.message));
  assert.ok(Number.isFinite(step().item()), 'and it runs again after');
});

test('guard: a tensor the step keeps (keep()) at every call holds that call\'s values, as eagerly', () => {
  const run = (compiled: boolean) => {
    const m = functional();
    const kept: Tensor[] = [];
    const fn = () => { const ix = m.batch(); const h = data.X.index(ix).matmul(m.W1); kept.push(h.sum(0).keep()); return h.sum(); };
    const step = compiled ? compile(fn) : fn;
    for (let i = 0; i < 5; i++) step();
    return kept.map((t) => bits(t));
  };
  assert.equal(run(true), run(false));
});

test('guard: reading a tensor value inside the step at a later call is a clear error; the calls after it are right', () => {
  const m = functional();
  const s = { peek: false };
  const step = compile(() => { const l = m.W1.mul(2).sum(); if (s.peek) l.item(); return l; });
  step(); step();
  s.peek = true;
  assert.throws(() => step(), (e: Error) => e.name === 'CompileError' && /reads tensor values into JavaScript/.test(e.message));
  s.peek = false;
  assert.is(step().item(), m.W1.mul(2).sum().item());
});

test('guard: a step whose returned structure changes captures again', () => {
  const m = functional();
  const s = { both: false };
  const step = compile((x: Tensor) => { const y = x.matmul(m.W1); return s.both ? { y, s: y.sum() } : { y }; });
  const x = data.X.narrow(0, 0, 3).contiguous();
  step(x); step(x);
  s.both = true;
  const r = step(x) as { y: Tensor; s?: Tensor };
  assert.ok(r.s, 'the new output is there');
  assert.is(r.s!.item(), x.matmul(m.W1).sum().item());
  s.both = false;
  assert.not.ok((step(x) as { s?: Tensor }).s);
});

test('guard: number arguments keep their own programs; tensors arguments of one shape share one', () => {
  const m = functional();
  const fn = (x: Tensor, k: number) => x.matmul(m.W1).mul(k).sum();
  const step = compile(fn);
  const xs = [0, 1, 2].map((i) => data.X.narrow(0, i * 5, 5).contiguous());
  for (let i = 0; i < 9; i++) assert.is(step(xs[i % 3], i % 2 ? 3 : 0.5).item(), fn(xs[i % 3], i % 2 ? 3 : 0.5).item(), `call ${i + 1}`);
  assert.is(step.info().captures, 2);
});

test.run();
