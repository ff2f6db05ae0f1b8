// The models the compile benchmarks time (bench/step.bench.mjs in one process, bench/models_loop.mjs
// as bench:e2e's child), on the library as it ships (dist/): the notebook's data (3-character
// contexts of names.txt, seed 42's train split) and batches of 32 drawn with randint.
//   notebook  the notebook's MLP with batch norm, SGD as `p.data += -lr * p.grad` (lr 0.1)
//   deep      makemore part 3's deeper net: Embedding(27, 10) → Flatten → [Linear(·, 100,
//             bias=false) → BatchNorm1d(100) → Tanh] × 4 → Linear(100, 27), SGD lr 0.1
//   adamw     a small MLP classifier: Embedding(27, 10) → Flatten → Linear(30, 64) → ReLU →
//             Linear(64, 64) → ReLU → Linear(64, 27), AdamW lr 1e-3, weight decay 0.01
// bench/peers/torch_models.py is the same in PyTorch.
import { readFileSync } from 'node:fs';
import { Generator, randint, nn, optim, F } from '../dist/index.js';
import { makeSplits, datasetTensors, MLP } from '../dist/makemore/index.js';

export const MODEL_NAMES = ['notebook', 'deep', 'adamw'];

/** The notebook's train split of `path` as tensors (init() must have run). */
export const notebookData = (path) => datasetTensors(makeSplits(readFileSync(path, 'utf8'), { blockSize: 3, seed: 42 }).train, 3);

/** A fresh model from seed 42 and its training step: step() trains on one batch and returns the loss tensor. */
export function makeModel(name, { X, Y }) {
  const g = new Generator().manualSeed(42);
  let forward, opt;
  if (name === 'notebook') {
    const m = new MLP({ vocabSize: 27, blockSize: 3, nEmbed: 10, nHidden: 200, batchnorm: true }, g);
    opt = new optim.SGD(m.parameters(), { lr: 0.1, fma: false });
    forward = (x, y) => m.loss(x, y);
  } else if (name === 'deep') {
    const layers = [new nn.Embedding(27, 10, { generator: g }), new nn.Flatten()];
    for (let i = 0, fan = 30; i < 4; i++, fan = 100) layers.push(new nn.Linear(fan, 100, { bias: false, generator: g }), new nn.BatchNorm1d(100), new nn.Tanh());
    const net = new nn.Sequential(...layers, new nn.Linear(100, 27, { generator: g }));
    opt = new optim.SGD(net.parameters(), { lr: 0.1 });
    forward = (x, y) => F.crossEntropy(net.forward(x), y);
  } else if (name === 'adamw') {
    const net = new nn.Sequential(new nn.Embedding(27, 10, { generator: g }), new nn.Flatten(), new nn.Linear(30, 64, { generator: g }), new nn.ReLU(),
      new nn.Linear(64, 64, { generator: g }), new nn.ReLU(), new nn.Linear(64, 27, { generator: g }));
    opt = new optim.AdamW(net.parameters(), { lr: 1e-3, weightDecay: 0.01 });
    forward = (x, y) => F.crossEntropy(net.forward(x), y);
  } else throw new Error(`unknown model '${name}': ${MODEL_NAMES.join(', ')}`);
  const n = X.shape[0];
  return () => {
    const ix = randint(0, n, [32], { generator: g });
    const loss = forward(X.index(ix), Y.index(ix));
    opt.zeroGrad(); loss.backward(); opt.step();
    return loss;
  };
}
