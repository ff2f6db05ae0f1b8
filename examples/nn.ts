// The same model with nn modules and optim.SGD (PyTorch batch norm, for the PyTorch-shaped API).
// Run: node --import tsx examples/nn.ts [steps]   (needs ./names.txt)
import { readFileSync } from 'node:fs';
import { init, Generator, tensor, randint, noGrad, F, nn, optim } from '../src/index.ts';
import { makeSplits } from '../src/makemore/data.ts';

await init();
const { train: tr, val, vocab } = makeSplits(readFileSync('names.txt', 'utf8'), { blockSize: 3, seed: 42 });
const data = (d: typeof tr) => [tensor(d.X, { dtype: 'int32', shape: [d.n, 3] }), tensor(d.Y, { dtype: 'int32' })] as const;
const [Xtr, Ytr] = data(tr), [Xva, Yva] = data(val);

const g = new Generator().manualSeed(42);
const model = new nn.Sequential(
  new nn.Embedding(vocab.itos.length, 10, { generator: g }), new nn.Flatten(),
  new nn.Linear(30, 200, { bias: false, generator: g }), new nn.BatchNorm1d(200), new nn.Tanh(),
  new nn.Linear(200, vocab.itos.length, { generator: g }),
);
const opt = new optim.SGD(model.parameters(), { lr: 0.1, fma: false }); // the notebook's p.data += -lr * p.grad
const steps = Number(process.argv[2] ?? 200000);
for (let i = 0; i < steps; i++) {
  const ix = randint(0, Xtr.shape[0], [32], { generator: g });
  const loss = F.crossEntropy(model.forward(Xtr.index(ix)), Ytr.index(ix));
  opt.zeroGrad();
  loss.backward();
  opt.lr = i < steps / 2 ? 0.1 : 0.01;
  opt.step();
  if (i % 10000 === 0) console.log(`${String(i).padStart(7)}/${String(steps).padStart(7)}: ${loss.item().toFixed(4)}`);
}
model.eval();
console.log('val', noGrad(() => F.crossEntropy(model.forward(Xva), Yva).item()));
console.log(Object.keys(model.stateDict()).join(' '));
