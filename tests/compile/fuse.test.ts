// Fusion rules (src/compile/fuse.ts) change no bit: each model runs compiled with and without
// fusion, on this build (npm test runs this folder on every build), and the fused program is
// shorter where the rule applies.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, Generator, randint, randn, F, nn, optim, compile, type Tensor } from '../../src/index.ts';

await init();

/** Float32 values as their bit patterns, so -0 and +0 (and NaN payloads) count as different. */
const bits = (xs: number[]) => Array.from(new Uint32Array(new Float32Array(xs).buffer));

function train(fuse: boolean, steps: number) {
  const g = new Generator().manualSeed(11);
  const X = randn([64, 13], { generator: g }), Y = randint(0, 5, [64], { generator: g });
  // Sizes that leave SIMD tails (13 inputs, 7 and 5 outputs). Weights stored (in, out), as the
  // notebook's W1: x @ W + b is matmul_nn then a row add (nn.Linear stores (out, in), PyTorch's
  // layout, and multiplies by the transpose with matmul_nt, which this rule does not cover).
  const [W1, b1, W2, b2] = [[13, 7], [7], [7, 5], [5]].map((s) => randn(s, { generator: g, requiresGrad: true }));
  const params = [W1, b1, W2, b2];
  const opt = new optim.SGD(params, { lr: 0.2 });
  const step = compile((ix: Tensor) => {
    const loss = F.crossEntropy(X.index(ix).matmul(W1).add(b1).tanh().matmul(W2).add(b2), Y.index(ix));
    opt.zeroGrad(); loss.backward(); opt.step();
    return loss;
  }, { fuse });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push(step(randint(0, 64, [9], { generator: g })).item());
  return { losses, params: params.map((p) => Array.from(p.toArray())), commands: step.info().programs[0].commands };
}

test('fuse: folding the bias into the matmul changes no bit and removes the separate adds', () => {
  const plain = train(false, 25), fused = train(true, 25);
  assert.equal(bits(fused.losses), bits(plain.losses), 'losses');
  fused.params.forEach((p, j) => assert.equal(bits(p), bits(plain.params[j]), `parameter ${j}`));
  const count = (cs: string[], name: string) => cs.filter((c) => c === name).length;
  assert.is(count(fused.commands, 'matmul_nn_bias'), 2, 'both layers fold their bias');
  assert.is(count(fused.commands, 'matmul_nn'), count(plain.commands, 'matmul_nn') - 2);
  assert.ok(fused.commands.length < plain.commands.length);
});


test('fuse: tanh + the notebook batch norm backward (+ the bias before it) in one kernel changes no bit', () => {
  const run = (fuse: boolean) => {
    const g = new Generator().manualSeed(21);
    const X = randn([40, 11], { generator: g }), Y = randint(0, 6, [40], { generator: g });
    // Hidden 37 and batch 9: SIMD tails in both directions.
    const W1 = randn([11, 37], { generator: g }).mul(0.4), b1 = randn([37], { generator: g }).mul(0.1);
    const W2 = randn([37, 6], { generator: g }).mul(0.2), b2 = randn([6], { generator: g }).mul(0);
    const bn = new nn.BatchNorm1dUnbiasedStd(37);
    const params = [W1, b1, W2, b2, ...bn.parameters()];
    for (const p of params) p.requiresGrad = true;
    const opt = new optim.SGD(params, { lr: 0.3 });
    const step = compile((ix: Tensor) => {
      const h = bn.forward(X.index(ix).matmul(W1).add(b1)).tanh();
      const loss = F.crossEntropy(h.matmul(W2).add(b2), Y.index(ix));
      opt.zeroGrad(); loss.backward(); opt.step();
      return loss;
    }, { fuse });
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) losses.push(step(randint(0, 40, [9], { generator: g })).item());
    return { losses, params: [...params, ...bn.buffers()].map((p) => Array.from(p.toArray())), commands: step.info().programs[0].commands };
  };
  const plain = run(false), fused = run(true);
  assert.equal(bits(fused.losses), bits(plain.losses), 'losses');
  fused.params.forEach((p, j) => assert.equal(bits(p), bits(plain.params[j]), `tensor ${j}`));
  assert.ok(fused.commands.includes('tanh_bn_notebook_backward'), 'the rule applied');
  assert.not.ok(fused.commands.includes('tanh_backward'));
});

test.run();
