// The notebook's training step compiled (src/makemore/train.ts: the step written with the public
// API, captured once by compile()) against the same step run eagerly on the real names.txt: the
// same losses, parameters, running statistics and gradients, bit for bit.
import { test } from 'uvu';
import { init, type Tensor } from '../../src/index.ts';
import { makeSplits } from '../../src/makemore/data.ts';
import { datasetTensors } from '../../src/makemore/session.ts';
import { namesText, namesTest } from '../helpers/names.ts';
import { assertCompiledMatchesEager } from '../helpers/train_match.ts';

await init();
const text = namesText();

{
  // Built when the first test runs: without names.txt the tests are skipped and nothing is read.
  let loaded: { X: Tensor; Y: Tensor } | null = null;
  const data = () => (loaded ??= datasetTensors(makeSplits(text!, { blockSize: 3, seed: 42 }).train, 3));

  namesTest('compiled step: 300 notebook steps (the lr decay at 150) give the eager losses and parameters bit for bit', async () => {
    const { X, Y } = data();
    await assertCompiledMatchesEager({ vocabSize: 27, blockSize: 3, nEmbed: 10, nHidden: 200, batchnorm: true }, X, Y, { steps: 300, batchSize: 32, seed: 42 });
  });

  namesTest('compiled step: the model without batch norm, another seed and batch size, bit for bit', async () => {
    const { X, Y } = data();
    await assertCompiledMatchesEager({ vocabSize: 27, blockSize: 3, nEmbed: 10, nHidden: 200, batchnorm: false }, X, Y, { steps: 200, batchSize: 50, seed: 2147483647 });
  });
}

test.run();
