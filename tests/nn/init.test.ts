// nn.Linear / nn.Embedding / nn.init against PyTorch 1.13: after manualSeed(s) the layers hold
// exactly the weights PyTorch's hold after torch.manual_seed(s) (tests/fixtures/nn_optim.json).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { init, nn, manualSeed, zeros, Generator } from '../../src/index.ts';

await init();
const fx = JSON.parse(readFileSync(new URL('../fixtures/nn_optim.json', import.meta.url), 'utf8')).init;

function bitsEqual(got: ArrayLike<number>, want: number[], what: string): void {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) assert.unreachable(`${what}: element ${i} is ${got[i]}, PyTorch has ${want[i]}`);
}

test('nn.init: Linear and Embedding made after manualSeed hold PyTorch\'s exact weights, layer after layer', () => {
  for (const c of fx.cases) {
    manualSeed(c.seed);
    for (const l of c.layers) {
      if (l.kind === 'linear') {
        const m = new nn.Linear(l.in, l.out, { bias: l.bias });
        assert.equal(m.weight.shape, [l.out, l.in], 'weight stored (out, in)');
        bitsEqual(m.weight.toArray(), l.weight, `seed ${c.seed} Linear(${l.in}, ${l.out}) weight`);
        if (l.bias) bitsEqual(m.bias!.toArray(), l.biasValues, `seed ${c.seed} Linear(${l.in}, ${l.out}) bias`);
        else assert.is(m.bias, null);
      } else {
        const m = new nn.Embedding(l.num, l.dim);
        bitsEqual(m.weight.toArray(), l.weight, `seed ${c.seed} Embedding(${l.num}, ${l.dim})`);
      }
    }
  }
});

test('nn.init: a generator option draws from that generator instead, the same stream', () => {
  const c = fx.cases[0], l = c.layers[0];
  manualSeed(999);
  const m = new nn.Linear(l.in, l.out, { generator: new Generator().manualSeed(c.seed) });
  bitsEqual(m.weight.toArray(), l.weight, 'Linear with generator');
});

test('nn.init: uniform_ draws Tensor.uniform_\'s stream', () => {
  const g = new Generator().manualSeed(fx.uniform.seed);
  for (const d of fx.uniform.draws) bitsEqual(nn.init.uniform_(zeros([d.n]), d.a, d.b, { generator: g }).toArray(), d.values, `uniform_(${d.a}, ${d.b}) n=${d.n}`);
});

test('nn.init: kaiming and xavier bounds follow PyTorch\'s formulas; bad tensors are refused', () => {
  assert.ok(Math.abs(nn.init.calculateGain('leaky_relu', Math.sqrt(5)) - Math.sqrt(1 / 3)) < 1e-15);
  assert.is(nn.init.calculateGain('tanh'), 5 / 3);
  const w = nn.init.kaimingUniform_(zeros([64, 100]), { nonlinearity: 'relu', generator: new Generator().manualSeed(1) });
  const bound = Math.sqrt(2) * Math.sqrt(3 / 100), v = w.toArray();
  assert.ok(v.every((x) => Math.abs(x) <= bound) && v.some((x) => Math.abs(x) > 0.9 * bound), 'kaiming uniform within its bound');
  const x = nn.init.xavierUniform_(zeros([30, 50]), 1, { generator: new Generator().manualSeed(2) }).toArray();
  assert.ok(x.every((t) => Math.abs(t) <= Math.sqrt(6 / 80)));
  assert.throws(() => nn.init.kaimingUniform_(zeros([5])), /fan in and fan out can not be computed for a tensor with fewer than 2 dims/);
  assert.throws(() => nn.init.uniform_(zeros([4, 4]).T), /non-contiguous view/);
});

test.run();
