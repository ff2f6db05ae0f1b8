// The reference notebook's batch-norm MLP, line by line, with raw tensors (as the notebook).
// Run: node --import tsx examples/notebook.ts [steps]   (needs ./names.txt)
import { readFileSync } from 'node:fs';
import { init, Generator, tensor, randn, randint, ones, zeros, noGrad, F, type Tensor } from '../src/index.ts';
import { makeSplits } from '../src/makemore/data.ts';

await init();
const { train: tr, vocab } = makeSplits(readFileSync('names.txt', 'utf8'), { blockSize: 3, seed: 42 });
const Xtr = tensor(tr.X, { dtype: 'int32', shape: [tr.n, 3] }), Ytr = tensor(tr.Y, { dtype: 'int32' });

const g = new Generator().manualSeed(42);
const [nEmbed, nHidden, V] = [10, 200, vocab.itos.length];
const C = randn([V, nEmbed], { generator: g });
const W1 = randn([nEmbed * 3, nHidden], { generator: g }).mul(5 / 3).div((nEmbed * 3) ** 0.5);
const b1 = randn([nHidden], { generator: g }).mul(0.01);
const W2 = randn([nHidden, V], { generator: g }).mul(0.01);
const b2 = randn([V], { generator: g }).mul(0);
const bngain = ones([1, nHidden]), bnbias = zeros([1, nHidden]);
let bnmeanRunning: Tensor = zeros([1, nHidden]), bnstdRunning: Tensor = zeros([1, nHidden]);
const parameters = [C, W1, b1, W2, b2, bngain, bnbias];
for (const p of parameters) p.requiresGrad = true;

const maxSteps = Number(process.argv[2] ?? 200000);
for (let i = 0; i < maxSteps; i++) {
  const ix = randint(0, Xtr.shape[0], [32], { generator: g });
  const Xb = Xtr.index(ix), Yb = Ytr.index(ix);
  const emb = C.index(Xb);
  const embcat = emb.view(emb.shape[0], -1);
  let hPreAct = embcat.matmul(W1).add(b1);
  const bnmeani = hPreAct.mean(0, true), bnstdi = hPreAct.std(0, true);
  hPreAct = bngain.mul(hPreAct.sub(bnmeani)).div(bnstdi).add(bnbias);
  [bnmeanRunning, bnstdRunning] = noGrad(() => [
    bnmeanRunning.mul(0.999).add(bnmeani.mul(0.001)),
    bnstdRunning.mul(0.999).add(bnstdi.mul(0.001)),
  ]);
  const logits = hPreAct.tanh().matmul(W2).add(b2);
  const loss = F.crossEntropy(logits, Yb);
  for (const p of parameters) p.grad = null;
  loss.backward();
  const lr = i < 100000 ? 0.1 : 0.01;
  noGrad(() => { for (const p of parameters) p.add_(p.grad!.mul(-lr)); });
  if (i % 10000 === 0) console.log(`${String(i).padStart(7)}/${String(maxSteps).padStart(7)}: ${loss.item().toFixed(4)}`);
}
