// makemore.py's Transformer, trained on names.txt in a few lines of the library: the same split,
// initial weights, batches and AdamW as `python makemore.py` (seed 3407), so the losses printed
// are makemore.py's; then ten new names.
// Run: node --import tsx examples/makemore_transformer.ts [steps]   (needs ./names.txt)
import { readFileSync } from 'node:fs';
import { init, manualSeed, optim, compile, zeros, type Tensor } from '../src/index.ts';
import { Transformer, createDatasets, InfiniteDataLoader, generate } from '../src/makemore/zoo/index.ts';

const steps = Number(process.argv[2] ?? 1000);
await init();
manualSeed(3407);
const { train } = createDatasets(readFileSync('names.txt', 'utf8'));
const model = new Transformer({ vocabSize: train.getVocabSize(), blockSize: train.getOutputLength(), nLayer: 4, nHead: 4, nEmbd: 64, nEmbd2: 64 });
const opt = new optim.AdamW(model.parameters(), { lr: 5e-4, weightDecay: 0.01, betas: [0.9, 0.99], eps: 1e-8 });
const batches = new InfiniteDataLoader(train, 32);
const step = compile((X: Tensor, Y: Tensor) => {
  const [, loss] = model.forward(X, Y);
  model.zeroGrad();
  loss!.backward();
  opt.step();
  return loss!;
});
for (let i = 0; i < steps; i++) {
  const { X, Y } = batches.next();
  const loss = step(X, Y).item();
  if (i % 100 === 0) console.log(`step ${i} | loss ${loss.toFixed(4)}`);
}
const rows = generate(model, zeros([10, 1], { dtype: 'int32' }), train.getOutputLength() - 1, { doSample: true });
for (let r = 0; r < 10; r++) {
  const ix = Array.from(rows.index(r).toArray()).slice(1);
  console.log(train.decode(ix.includes(0) ? ix.slice(0, ix.indexOf(0)) : ix));
}
