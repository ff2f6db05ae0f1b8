// Optimizer state dicts: training stopped after k steps, saved, and loaded into a new model and
// optimizer continues bit-identically to a run that never stopped (eager and compiled), for
// Adam, AdamW (amsgrad too) and SGD with momentum; a bad state dict is refused before anything changes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, Generator, randint, tensor, F, nn, optim, compile, type Tensor } from '../../src/index.ts';

await init();

type Make = (params: Tensor[]) => optim.Adam | optim.AdamW | optim.SGD;

function setup(make: Make) {
  const g = new Generator().manualSeed(5);
  const model = new nn.Sequential(new nn.Embedding(11, 6, { generator: g }), new nn.Flatten(), new nn.Linear(18, 20, { generator: g }), new nn.Tanh(), new nn.Linear(20, 11, { generator: g }));
  const opt = make(model.parameters());
  const data = new Generator().manualSeed(9);
  const X = randint(0, 11, [200, 3], { generator: data }), Y = randint(0, 11, [200], { generator: data });
  const step = (ix: Tensor) => { const loss = F.crossEntropy(model.forward(X.index(ix)), Y.index(ix)); opt.zeroGrad(); loss.backward(); opt.step(); return loss; };
  return { model, opt, step, batches: new Generator().manualSeed(13) };
}

/** Losses of `steps` steps straight, and of k steps + save + load into fresh objects + the rest. */
function resumeMatches(make: Make, label: string, compiled: boolean, steps = 12, k = 5): void {
  const ix = (b: Generator) => randint(0, 200, [16], { generator: b });
  const straight = setup(make);
  const runA = compiled ? compile(straight.step) : straight.step;
  const want = Array.from({ length: steps }, () => runA(ix(straight.batches)).item());

  const first = setup(make);
  const runB = compiled ? compile(first.step) : first.step;
  const got = Array.from({ length: k }, () => runB(ix(first.batches)).item());
  const weights = first.model.stateDict(), saved = first.opt.stateDict();
  const batchState = first.batches.getState();
  const second = setup(make);
  second.model.loadStateDict(weights);
  second.opt.loadStateDict(saved);
  second.batches.setState(batchState);
  const runC = compiled ? compile(second.step) : second.step;
  for (let i = k; i < steps; i++) got.push(runC(ix(second.batches)).item());
  want.forEach((v, i) => assert.ok(Object.is(v, got[i]), `${label}${compiled ? ' (compiled)' : ''}: step ${i} loss ${got[i]} after resuming, ${v} straight`));
  const a = straight.model.parameters(), b = second.model.parameters();
  a.forEach((p, j) => assert.equal(Array.from(b[j].toArray()), Array.from(p.toArray()), `${label}: parameter ${j}`));
}

test('optimizer stateDict: Adam, AdamW (with amsgrad) and SGD with momentum resume bit-identically, eager and compiled', () => {
  const cases: [string, Make][] = [
    ['Adam', (p) => new optim.Adam(p, { lr: 0.01 })],
    ['AdamW', (p) => new optim.AdamW(p, { lr: 0.01, betas: [0.9, 0.99], weightDecay: 0.1 })],
    ['AdamW amsgrad', (p) => new optim.AdamW(p, { lr: 0.01, amsgrad: true })],
    ['SGD momentum', (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true })],
  ];
  for (const [label, make] of cases) for (const compiled of [false, true]) resumeMatches(make, label, compiled);
});

test("optimizer stateDict: PyTorch's layout (state by parameter number, groups with their options and numbers), copies not views", () => {
  const a = tensor([1, 2, 3], { requiresGrad: true }), b = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const opt = new optim.AdamW([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
  assert.equal(opt.stateDict().state, {});
  a.sum().backward(); // only a has a gradient: only a gets state
  opt.step();
  const sd = opt.stateDict();
  assert.equal(Object.keys(sd.state), ['0']);
  assert.equal(sd.state[0].step, 1);
  assert.equal((sd.state[0].exp_avg as Tensor).shape, [3]);
  assert.equal(Array.from((sd.state[0].exp_avg as Tensor).toArray()), [0.1, 0.1, 0.1].map(Math.fround));
  assert.equal(sd.paramGroups.map((g) => [g.lr, g.params]), [[0.1, [0]], [0.5, [1]]]);
  opt.step(); // the copy taken before does not move
  assert.equal(Array.from((sd.state[0].exp_avg as Tensor).toArray()), [0.1, 0.1, 0.1].map(Math.fround));
});

test('optimizer loadStateDict: groups, shapes, keys and kinds that do not fit are errors, and nothing is changed', () => {
  const a = tensor([1, 2, 3], { requiresGrad: true });
  const opt = new optim.Adam([a], { lr: 0.1 });
  a.sum().backward();
  opt.step();
  const sd = opt.stateDict();
  const other = new optim.Adam([tensor([1, 2], { requiresGrad: true })], { lr: 0.3 });
  assert.throws(() => other.loadStateDict(sd), /Adam.loadStateDict: state 'exp_avg' of parameter 0 is \[3\] float32, the parameter \[2\] float32/);
  assert.is(other.paramGroups[0].lr, 0.3, 'the failed load changed nothing');
  const two = new optim.Adam([{ params: [tensor([1, 2, 3], { requiresGrad: true })] }, { params: [tensor([1], { requiresGrad: true })] }], { lr: 0.1 });
  assert.throws(() => two.loadStateDict(sd), /2 parameter groups|1 parameter groups/);
  const same = new optim.Adam([tensor([0, 0, 0], { requiresGrad: true })], { lr: 0.2 });
  assert.throws(() => same.loadStateDict({ ...sd, state: { 0: { ...sd.state[0], momentum_buffer: sd.state[0].exp_avg } } }), /unknown state 'momentum_buffer'/);
  assert.throws(() => same.loadStateDict({ ...sd, state: { 0: { ...sd.state[0], step: sd.state[0].exp_avg } } }), /'step' of parameter 0 must be a number/);
  const sgd = new optim.SGD([tensor([0, 0, 0], { requiresGrad: true })], { lr: 0.2 });
  assert.throws(() => sgd.loadStateDict(sd), /SGD: unknown option/);
  same.loadStateDict(sd);
  assert.is(same.paramGroups[0].lr, 0.1, 'the group options come with the state');
});

test.run();
