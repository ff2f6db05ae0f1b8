// optim against PyTorch 1.13 (tests/fixtures/nn_optim.json, tools/fixtures/nn_optim.py): SGD,
// Adam and AdamW with each option, parameter groups, a parameter that only sometimes has a
// gradient, and schedulers stepping between updates. The gradients are exactly PyTorch's (the
// loss is sum(p * G)), so every parameter must match bit for bit after every step.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { init, optim, tensor, compile, nn, F, Generator, randint, randn, type Tensor } from '../../src/index.ts';

await init();
const fx = JSON.parse(readFileSync(new URL('../fixtures/nn_optim.json', import.meta.url), 'utf8')).optim;
const shapes: number[][] = fx.shapes;

type Run = { name: string; opts: Record<string, unknown>; groups: Record<string, unknown> | null; sometimes: boolean; sched: string | null; after: number[][][]; lrs: number[][] };

/** PyTorch's option names in camelCase (weight_decay -> weightDecay). */
function camel(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()), v]));
}

function make(run: Run, ps: Tensor[]) {
  const Opt = run.name.startsWith('sgd') ? optim.SGD : run.name.startsWith('adamw') ? optim.AdamW : optim.Adam;
  const params = run.groups ? [{ params: ps.slice(0, 2) }, { params: ps.slice(2), ...camel(run.groups) }] : ps;
  const opt = new Opt(params as never, camel(run.opts) as never);
  const S = optim.lrScheduler;
  const sched = run.sched === 'cosine' ? new S.CosineAnnealingLR(opt, { tMax: 4, etaMin: 1e-3 })
    : run.sched === 'step_lr' ? new S.StepLR(opt, { stepSize: 2, gamma: 0.5 })
    : run.sched === 'lambda_lr' ? new S.LambdaLR(opt, { lrLambda: (e) => 1 / (1 + 0.5 * e) }) : null;
  return { opt, sched };
}

function bitsEqual(got: Float32Array | Int32Array, want: number[], what: string): void {
  let bad = 0, first = -1;
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) { bad++; if (first < 0) first = i; }
  assert.ok(bad === 0, `${what}: ${bad} of ${want.length} elements differ, first at ${first}: ${got[first]} vs ${want[first]} (diff ${got[first] - want[first]})`);
}

function train(run: Run, stepFn?: (ps: Tensor[], G: Tensor[], include: boolean) => void) {
  const ps = fx.p0.map((v: number[], i: number) => tensor(v, { shape: shapes[i], requiresGrad: true }));
  const { opt, sched } = make(run, ps);
  for (let step = 0; step < fx.grads.length; step++) {
    const G = fx.grads[step].map((v: number[], i: number) => tensor(v, { shape: shapes[i] }));
    const include = !(run.sometimes && step % 2 === 1);
    if (stepFn) stepFn(ps, G, include);
    else {
      opt.zeroGrad();
      let loss = ps[0].mul(G[0]).sum().add(ps[1].mul(G[1]).sum());
      if (include) loss = loss.add(ps[2].mul(G[2]).sum());
      loss.backward();
      opt.step();
    }
    assert.equal(opt.paramGroups.map((g) => g.lr), run.lrs[step], `${run.name}: learning rates used at step ${step}`);
    sched?.step();
    ps.forEach((p: Tensor, i: number) => bitsEqual(p.toArray(), run.after[step][i], `${run.name}: step ${step} param ${i}`));
  }
  return { ps, opt };
}

for (const run of fx.runs as Run[]) {
  test(`optim: ${run.name} matches PyTorch bit for bit at every step`, () => { train(run); });
}

test('optim: a compiled step replays SGD, Adam and AdamW with schedulers, bit for bit, reading the rates at every call', () => {
  for (const name of ['sgd steplr', 'adamw cosine', 'adam lambda groups', 'adam amsgrad']) {
    const run = (fx.runs as Run[]).find((r) => r.name === name)!;
    const ps = fx.p0.map((v: number[], i: number) => tensor(v, { shape: shapes[i], requiresGrad: true }));
    const { opt, sched } = make(run, ps);
    const step = compile((G0: Tensor, G1: Tensor, G2: Tensor) => {
      opt.zeroGrad();
      ps[0].mul(G0).sum().add(ps[1].mul(G1).sum()).add(ps[2].mul(G2).sum()).backward();
      opt.step();
      sched?.step();
    });
    for (let s = 0; s < fx.grads.length; s++) {
      const G = fx.grads[s].map((v: number[], i: number) => tensor(v, { shape: shapes[i] }));
      step(G[0], G[1], G[2]);
      ps.forEach((p: Tensor, i: number) => bitsEqual(p.toArray(), run.after[s][i], `compiled ${name}: step ${s} param ${i}`));
    }
  }
});

test('optim: a compiled step of nn layers (Linear, LayerNorm, Dropout, BatchNorm1d), clipGradNorm_, AdamW and a cosine schedule is bit-identical to eager', () => {
  const run = (compiled: boolean) => {
    const g = new Generator().manualSeed(4);
    const X = randn([50, 6], { generator: g }), Y = randint(0, 3, [50], { generator: g });
    const model = new nn.Sequential(
      new nn.Linear(6, 17, { generator: g }), new nn.LayerNorm(17), new nn.Tanh(), new nn.Dropout(0.2, { generator: g }),
      new nn.Linear(17, 9, { generator: g }), new nn.BatchNorm1d(9), new nn.Tanh(), new nn.Linear(9, 3, { generator: g }),
    );
    const opt = new optim.AdamW(model.parameters(), { lr: 3e-2, amsgrad: true });
    const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 12, etaMin: 1e-3 });
    const fn = (ix: Tensor) => {
      const loss = F.crossEntropy(model.forward(X.index(ix)), Y.index(ix));
      opt.zeroGrad(); loss.backward();
      const norm = nn.utils.clipGradNorm_(model.parameters(), 0.5);
      opt.step(); sched.step();
      return [loss, norm];
    };
    const step = compiled ? compile(fn) : fn;
    const out: number[] = [];
    for (let i = 0; i < 15; i++) { const [l, n] = step(randint(0, 50, [16], { generator: g })); out.push(l.item(), n.item()); }
    return [out, ...model.parameters().map((p) => Array.from(p.toArray())), ...model.buffers().map((b) => Array.from(b.toArray()))];
  };
  const eager = run(false), compiled = run(true);
  eager.forEach((e, i) => assert.equal(compiled[i], e, `tensor ${i}`));
});

test('optim: options are checked: unknown names, bad values, repeated parameters, nesterov without momentum', () => {
  const p = tensor([1, 2], { requiresGrad: true });
  assert.throws(() => new optim.AdamW([p], { lr: 0.1, weightdecay: 0.1 } as never), /AdamW: unknown option 'weightdecay'; known: lr, betas, eps, weightDecay, amsgrad, maximize/);
  assert.throws(() => new optim.Adam([p], { betas: [0.9, 1.2] as never }), /Adam: betas must be two numbers in \[0, 1\)/);
  assert.throws(() => new optim.Adam([p], { lr: -1 }), /Adam: lr must be a non-negative number, got -1/);
  assert.throws(() => new optim.SGD([p], {}), /SGD: option 'lr' is required/);
  assert.throws(() => new optim.SGD([{ params: [p] }, { params: [p] }], { lr: 0.1 }), /some parameters appear in more than one parameter group/);
  assert.throws(() => new optim.SGD([p], { lr: 0.1, nesterov: true }), /nesterov needs momentum > 0/);
  assert.throws(() => new optim.SGD([{ params: [p], lrr: 1 } as never], { lr: 0.1 }), /SGD: unknown option 'lrr'/);
  const q = tensor([1, 2], { requiresGrad: true }), r = tensor([3], { requiresGrad: true });
  const opt = new optim.Adam([{ params: [q] }, { params: [r], lr: 0.5 }], { lr: 0.1 });
  assert.throws(() => opt.lr, /different learning rates; read paramGroups\[i\].lr/);
  opt.lr = 0.2;
  assert.equal(opt.paramGroups.map((g) => g.lr), [0.2, 0.2]);
});

test('optim: zeroGrad clears to null by default and to zeros with setToNone false', () => {
  const p = tensor([1, 2, 3], { requiresGrad: true });
  const opt = new optim.AdamW([p]);
  p.mul(2).sum().backward();
  opt.zeroGrad({ setToNone: false });
  assert.equal(Array.from(p.grad!.toArray()), [0, 0, 0]);
  opt.zeroGrad();
  assert.is(p.grad, null);
  assert.throws(() => opt.zeroGrad({ set_to_none: true } as never), /unknown option 'set_to_none'/);
});

test.run();
