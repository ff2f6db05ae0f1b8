// The makemore pipeline against PyTorch 1.13 running the notebook (tests/fixtures/makemore.json):
// split contents, initial parameters, init losses, samples, and 1 and 100 training steps.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { init, Generator, tensor } from '../../src/index.ts';
import { makeSplits, type Dataset, type Splits } from '../../src/makemore/data.ts';
import { MLP } from '../../src/makemore/model.ts';
import { train } from '../../src/makemore/train.ts';
import { namesText, namesTest } from '../helpers/names.ts';

await init();
const fx = JSON.parse(readFileSync(new URL('../fixtures/makemore.json', import.meta.url), 'utf8'));
const text = namesText();

const tensors = (d: Dataset, bs: number) => ({ X: tensor(d.X, { dtype: 'int32', shape: [d.n, bs] }).keep(), Y: tensor(d.Y, { dtype: 'int32', shape: [d.n] }).keep() });

type Split = ReturnType<typeof tensors>;

{
  for (const c of fx.configs) {
    const { seed, block_size: bs, n_embed: E, n_hidden: H } = c.config;
    const label = `seed ${seed}, block ${bs}, embed ${E}, hidden ${H}`;
    // Built when the first test runs: without names.txt the tests are skipped and nothing is read.
    let loaded: { s: Splits; tr: Split; va: Split; te: Split } | null = null;
    const data = () => {
      if (!loaded) { const s = makeSplits(text!, { blockSize: bs, seed }); loaded = { s, tr: tensors(s.train, bs), va: tensors(s.val, bs), te: tensors(s.test, bs) }; }
      return loaded;
    };
    const config = (batchnorm: boolean) => ({ vocabSize: data().s.vocab.itos.length, blockSize: bs, nEmbed: E, nHidden: H, batchnorm });

    namesTest(`makemore (${label}): splits, vocab and first contexts as the notebook`, () => {
      const { s, tr, va, te } = data();
      assert.is(s.vocab.itos.join(''), c.vocab);
      for (const name of ['train', 'val', 'test'] as const) {
        assert.equal([s[name].n, bs], c.splits[name].X_shape);
        assert.equal(Array.from(s[name].X.slice(0, 5 * bs)), c.splits[name].X_first5.flat());
        assert.equal(Array.from(s[name].Y.slice(0, 5)), c.splits[name].Y_first5);
      }
    });

    namesTest(`makemore (${label}): init, init losses and samples of the plain model match PyTorch`, () => {
      const { s, tr, va, te } = data();
      const m = new MLP(config(false), new Generator().manualSeed(seed));
      assert.is(m.numParams(), c.param_count.plain);
      for (const [name, t] of Object.entries(m.namedTensors())) {
        assert.equal(Array.from(t.toArray().slice(0, 8)), c.init_check[name].first8, `${name} first 8 (bit-exact)`);
      }
      for (const [split, d] of [['train', tr], ['val', va], ['test', te]] as const) {
        const l = m.splitLoss(d.X, d.Y);
        assert.ok(Math.abs(l - c.init_loss[split]) <= 1e-6, `${split} init loss ${l} vs ${c.init_loss[split]}`);
      }
      const samples = m.sample(new Generator().manualSeed(seed), 20).map((q) => q.map((i) => s.vocab.itos[i]).join(''));
      assert.equal(samples, c.init_samples);
    });

    namesTest(`makemore (${label}): one batch-norm step matches PyTorch`, async () => {
      const { s, tr, va, te } = data();
      const g = new Generator().manualSeed(seed);
      const m = new MLP(config(true), g);
      assert.is(m.numParams(), c.param_count.batchnorm);
      const r = await train(m, tr.X, tr.Y, g, { steps: 1, batchSize: 32, schedule: { lr: 0.1, decayAt: 1, lrAfter: 0.01 }, logEvery: 1 });
      assert.ok(Math.abs(r.log[0][1] - c.bn_1step.loss0) <= 1e-6, `step-0 loss ${r.log[0][1]} vs ${c.bn_1step.loss0}`);
      for (const [split, d] of [['train', tr], ['val', va], ['test', te]] as const) {
        const l = m.splitLoss(d.X, d.Y);
        assert.ok(Math.abs(l - c.bn_1step.running[split]) <= 1e-5, `${split} after 1 step ${l} vs ${c.bn_1step.running[split]}`);
      }
      const stats = m.calibrate(tr.X);
      for (const [split, d] of [['train', tr], ['val', va], ['test', te]] as const) {
        const l = m.splitLoss(d.X, d.Y, stats);
        assert.ok(Math.abs(l - c.bn_1step.calibrated[split]) <= 1e-5, `${split} calibrated ${l} vs ${c.bn_1step.calibrated[split]}`);
      }
    });

    namesTest(`makemore (${label}): 100 batch-norm steps track PyTorch`, async () => {
      const { s, tr, va, te } = data();
      const g = new Generator().manualSeed(seed);
      const m = new MLP(config(true), g);
      const r = await train(m, tr.X, tr.Y, g, { steps: 100, batchSize: 32, schedule: { lr: 0.1, decayAt: 100, lrAfter: 0.01 }, logEvery: 1 });
      const losses = r.log.map(([, l]) => l);
      // Float32 summation order differs from PyTorch's, so after many steps compare with a tolerance.
      losses.forEach((l, i) => assert.ok(Math.abs(l - c.bn_100steps.losses[i]) <= 1e-4, `step ${i}: ${l} vs ${c.bn_100steps.losses[i]}`));
      for (const [split, d] of [['train', tr], ['val', va], ['test', te]] as const) {
        const l = m.splitLoss(d.X, d.Y);
        assert.ok(Math.abs(l - c.bn_100steps.running[split]) <= 1e-4, `${split} after 100 steps ${l} vs ${c.bn_100steps.running[split]}`);
      }
      const samples = m.sample(new Generator().manualSeed(seed), 20).map((q) => q.map((i) => s.vocab.itos[i]).join(''));
      const same = samples.filter((x, i) => x === c.bn_100steps.samples[i]).length;
      assert.ok(same >= 18, `samples after 100 steps: ${same} of 20 equal PyTorch's (${samples.join(' ')})`);
    });
  }
}

test.run();
