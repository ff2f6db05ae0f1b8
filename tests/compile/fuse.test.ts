// Fusion rules (src/compile/fuse.ts) change no bit: each model runs compiled with and without
// fusion, on this build (npm test runs this folder on every build), and the fused program is
// shorter where the rule applies.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, Generator, randint, randn, F, nn, optim, compile, type Tensor } from '../../src/index.ts';

await init();

function train(fuse: boolean, steps: number) {
  const g = new Generator().manualSeed(11);
  const X = randn([64, 13], { generator: g }), Y = randint(0, 5, [64], { generator: g });
  // Sizes that leave SIMD tails (13 inputs, 7 and 5 outputs), with and without biases.
  const model = new nn.Sequential(new nn.Linear(13, 7, { generator: g }), new nn.Tanh(), new nn.Linear(7, 5, { generator: g }));
  const opt = new optim.SGD(model.parameters(), { lr: 0.2 });
  const step = compile((ix: Tensor) => {
    const loss = F.crossEntropy(model.forward(X.index(ix)), Y.index(ix));
    opt.zeroGrad(); loss.backward(); opt.step();
    return loss;
  }, { fuse });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push(step(randint(0, 64, [9], { generator: g })).item());
  return { losses, params: model.parameters().map((p) => Array.from(p.toArray())), commands: step.info().programs[0].commands };
}

test('fuse: folding the bias into the matmul changes no bit and removes the separate adds', () => {
  const plain = train(false, 25), fused = train(true, 25);
  assert.equal(fused.losses, plain.losses, 'losses');
  fused.params.forEach((p, j) => assert.equal(p, plain.params[j], `parameter ${j}`));
  const count = (cs: string[], name: string) => cs.filter((c) => c === name).length;
  assert.is(count(fused.commands, 'matmul_nn_bias'), 2, 'both Linear layers fold their bias');
  assert.is(count(fused.commands, 'matmul_nn'), count(plain.commands, 'matmul_nn') - 2);
  assert.ok(fused.commands.length < plain.commands.length);
});

test.run();
