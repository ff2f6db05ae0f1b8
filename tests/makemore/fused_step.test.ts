// The fused training step (NotebookMLPStep) against the eager engine on the real names.txt:
// the same losses, parameters and running statistics, bit for bit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, Generator, NotebookMLPStep, type Tensor } from '../../src/index.ts';
import { makeSplits } from '../../src/makemore/data.ts';
import { datasetTensors } from '../../src/makemore/session.ts';
import { MLP } from '../../src/makemore/model.ts';
import { namesText, namesTest } from '../helpers/names.ts';
import { assertFusedMatchesEager } from '../helpers/fused.ts';

await init();
const text = namesText();

{
  // Built when the first test runs: without names.txt the tests are skipped and nothing is read.
  let loaded: { s: ReturnType<typeof makeSplits>; X: Tensor; Y: Tensor } | null = null;
  const data = () => {
    if (!loaded) { const s = makeSplits(text!, { blockSize: 3, seed: 42 }); loaded = { s, ...datasetTensors(s.train, 3) }; }
    return loaded;
  };
  const config = { vocabSize: 27, blockSize: 3, nEmbed: 10, nHidden: 200, batchnorm: true };

  namesTest('fused step: 300 notebook steps give the eager losses and parameters bit for bit', async () => {
    const { s, X, Y } = data();
    await assertFusedMatchesEager(config, X, Y, { steps: 300, batchSize: 32, seed: 42 });
  });

  namesTest('fused step: rejects shapes that do not fit and batch rows out of range', () => {
    const { s, X, Y } = data();
    const m = new MLP(config, new Generator().manualSeed(1));
    const t = { ...m, bngain: m.bngain!, bnbias: m.bnbias!, bnmeanRunning: m.bnmeanRunning!, bnstdRunning: m.bnstdRunning! };
    assert.throws(() => new NotebookMLPStep(t, X, Y, { batchSize: 1 }), /batchSize/);
    assert.throws(() => new NotebookMLPStep({ ...t, W2: t.W1 }, X, Y, { batchSize: 32 }), /W2 must be/);
    const st = new NotebookMLPStep(t, X, Y, { batchSize: 4 });
    assert.throws(() => st.stepRows([0, 1, 2, s.train.n], 0.1), /out of range/);
    assert.throws(() => st.stepRows([0, 1], 0.1), /expected 4 batch rows/);
    assert.ok(Number.isFinite(st.stepRows([0, 1, 2, 3], 0.1)));
  });
}

test.run();
