// nn modules against PyTorch: state dict keys, and one train-mode forward/backward of
// Sequential(Linear, BatchNorm1d, Tanh, Linear) from PyTorch's own initial weights.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { init, nn, optim, tensor, randn, Generator, F, noGrad, type Tensor } from '../../src/index.ts';

await init();
const fx = JSON.parse(readFileSync(new URL('../fixtures/mlp_step.json', import.meta.url), 'utf8'));
const ref = fx.nn;

const model = () => new nn.Sequential(new nn.Linear(30, 200, { bias: false }), new nn.BatchNorm1d(200), new nn.Tanh(), new nn.Linear(200, 27));

test('nn: stateDict keys equal PyTorch state_dict keys, in order', () => {
  assert.equal(Object.keys(model().stateDict()), ref.state_dict_keys);
});

test('nn: Sequential(Linear, BatchNorm1d, Tanh, Linear) matches PyTorch in train mode', () => {
  const m = model();
  const state: Record<string, Tensor> = {};
  for (const k of Object.keys(m.stateDict())) {
    const shape = ref.state_dict_shapes[k] as number[];
    if (k === '1.num_batches_tracked') state[k] = tensor([0], { dtype: 'int32', shape: [] });
    else state[k] = tensor(ref.init_state[k], { shape }); // Linear weights (out, in), as PyTorch's
  }
  m.loadStateDict(state);
  const C = randn([27, 10], { generator: new Generator().manualSeed(42) });
  C.requiresGrad = true;
  const Xb = tensor(fx.batchnorm.Xb, { dtype: 'int32' }), Yb = tensor(fx.batchnorm.Yb, { dtype: 'int32' });
  const loss = F.crossEntropy(m.forward(C.index(Xb).view(32, -1)), Yb);
  assert.ok(Math.abs(loss.item() - ref.loss) < 1e-6, `loss ${loss.item()} vs ${ref.loss}`);
  loss.backward();
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
    let d = 0, mx = 0;
    for (let i = 0; i < b.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); mx = Math.max(mx, Math.abs(b[i])); }
    assert.ok(d <= 1e-4 * mx, `${what}: max error ${d} vs largest ${mx}`);
  };
  for (const [k, p] of m.namedParameters()) {
    close(p.grad!.toArray(), ref.grads[k], `grad ${k}`);
  }
  close(C.grad!.toArray(), ref.dC, 'grad C');
  const bn = m.layers[1] as nn.BatchNorm1d;
  close(bn.running_mean.toArray(), ref.running_mean, 'running_mean');
  close(bn.running_var.toArray(), ref.running_var, 'running_var');
  assert.is(bn.num_batches_tracked.item(), ref.num_batches_tracked);
});

test('nn: SGD packs parameters into one block and trains; eval mode uses running stats', () => {
  const m = model();
  const g = new Generator().manualSeed(1);
  const X = randn([64, 30], { generator: g }), Y = tensor(Int32Array.from({ length: 64 }, (_, i) => i % 27), { dtype: 'int32' });
  const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
  let first = 0, last = 0;
  for (let i = 0; i < 50; i++) {
    const loss = F.crossEntropy(m.forward(X), Y);
    opt.zeroGrad(); loss.backward(); opt.step();
    if (i === 0) first = loss.item();
    last = loss.item();
  }
  assert.ok(last < first, `loss fell (${first} -> ${last})`);
  m.eval();
  const a = noGrad(() => F.crossEntropy(m.forward(X), Y).item());
  const b = noGrad(() => F.crossEntropy(m.forward(X.index([0, 1, 2, 3])), Y.index([0, 1, 2, 3])).item());
  assert.ok(Number.isFinite(a) && Number.isFinite(b), 'eval works on any batch size');
});

test('nn: loadStateDict names what does not fit', () => {
  const m = model();
  assert.throws(() => m.loadStateDict({}), /missing key\(s\) '0.weight', '1.weight'/);
  const s = m.stateDict();
  s['0.weight'] = tensor(new Float32Array(6), { shape: [2, 3] });
  assert.throws(() => m.loadStateDict(s), /size mismatch for '0.weight': copying \[2, 3\] float32, the module has \[200, 30\] float32/);
});

test.run();
