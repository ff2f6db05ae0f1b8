// Session's checkpoints (the page's Save and Load), sampling with a temperature, divergence and
// the diagnostics: a run saved and continued gives the numbers of one that never stopped, and
// reading the diagnostics between chunks changes none of them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, noGrad, tensor } from '../../src/index.ts';
import { Session, NOTEBOOK, ConfigError, sampleNames } from '../../src/makemore/session.ts';
import { DataError } from '../../src/makemore/data.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/makemore/checkpoint.ts';
import { tooHighLoss, saferRates, uniformLoss, DivergenceError } from '../../src/makemore/divergence.ts';
import { Diagnostics, histogram, updateRatios, activationStats } from '../../src/makemore/diagnostics.ts';
import { lrAt } from '../../src/makemore/train.ts';
import { namesText } from '../helpers/names.ts';

await init();
const text = namesText();
const config = { ...NOTEBOOK, steps: 300, seed: 7, nHidden: 64 };

if (!text) {
  test('session: skipped (no names.txt: copy ../shared/data/names.txt to ./names.txt)', () => {});
} else {
  test('session: a run saved at step 120 and continued from the file gives the uninterrupted run\'s numbers and file', async () => {
    const whole = new Session(text, config);
    await whole.run();
    const first = new Session(text, config);
    await first.run({ shouldStop: () => first.lossi.length >= 120 });
    assert.is(first.step, 120);
    const bytes = first.checkpoint();
    const ckpt = decodeCheckpoint(bytes);
    assert.is(ckpt.training.step, 120);
    const rest = Session.fromCheckpoint(text, ckpt);
    assert.is(rest.step, 120);
    assert.equal(rest.config, whole.config);
    await rest.run();
    assert.equal(rest.lossi, whole.lossi.slice(120), 'losses of steps 120..299');
    assert.equal(rest.splitLosses(), whole.splitLosses());
    assert.equal(rest.sample(10, 3), whole.sample(10, 3));
    assert.equal(rest.checkpoint(), whole.checkpoint(), 'the saved files are byte-identical');
    // ...and the file is the one the CLI's encoder writes for the same state.
    const c = whole.config;
    assert.equal(whole.checkpoint(), encodeCheckpoint(whole.model, whole.data.vocab.itos, {
      seed: c.seed, batchSize: c.batchSize, schedule: whole.schedule, step: 300, steps: 300, generator: whole.generator.getState(),
    }));
  });

  test('session: a run paused twice and continued gives the uninterrupted run\'s numbers (the page\'s Pause)', async () => {
    const whole = new Session(text, config);
    await whole.run();
    const cut = new Session(text, config);
    for (const at of [70, 180]) await cut.run({ shouldStop: () => cut.lossi.length >= at });
    assert.is(cut.step, 180);
    await cut.run();
    assert.equal(cut.lossi, whole.lossi);
    assert.equal(cut.checkpoint(), whole.checkpoint());
  });

  test('session: fromCheckpoint refuses names with other characters, and weights-only files', async () => {
    const s = new Session(text, { ...config, steps: 10 });
    await s.run();
    const ckpt = decodeCheckpoint(s.checkpoint());
    assert.throws(() => Session.fromCheckpoint(text.split('\n').filter((w) => !w.includes('z')).join('\n'), ckpt), (e: Error) => e instanceof DataError && /characters/.test(e.message));
    assert.throws(() => Session.fromCheckpoint(text, { ...ckpt, training: { ...ckpt.training, generator: null } }), /weights only/);
  });

  test('sampleNames: temperature 0.5 samples what doubling the output layer samples (exact: powers of two)', async () => {
    const s = new Session(text, { ...config, steps: 200 });
    await s.run();
    const cold = s.sample(30, 11, 0.5);
    assert.equal(s.sample(30, 11, 1), s.sample(30, 11), 'temperature 1 is the default');
    assert.not.equal(cold, s.sample(30, 11));
    noGrad(() => { s.model.W2.mul_(2); s.model.b2.mul_(2); });
    assert.equal(sampleNames(s.model, s.data.vocab.itos, 30, 11), cold);
    const veryCold = sampleNames(s.model, s.data.vocab.itos, 30, 11, 0.01);
    assert.ok(new Set(veryCold).size <= 3, `near-greedy sampling repeats itself: ${veryCold.join(' ')}`);
  });

  test('sampleNames: bad count, seed or temperature is a ConfigError naming it', () => {
    const s = new Session(text, { ...config, steps: 1 });
    for (const [args, what] of [[[0, 1, 1], 'number of names'], [[5, -1, 1], 'seed'], [[5, 1, 0], 'temperature'], [[5, 1, NaN], 'temperature']] as const) {
      assert.throws(() => s.sample(args[0], args[1], args[2]), (e: Error) => e instanceof ConfigError && e.message.includes(what));
    }
  });

  test('divergence: the notebook at learning rate 10 or 5 stops with DivergenceError within its first 1000 steps, at 0.1 or 2 never', async () => {
    for (const [lr, diverges] of [[10, true], [5, true], [0.1, false], [2, false]] as const) {
      const s = new Session(text, { ...NOTEBOOK, steps: 1000, lr });
      const caught: number[] = [];
      const err = await s.run({ progressEvery: 250, onProgress: (step, _loss, lossi) => { if (tooHighLoss(lossi, 27) !== null) caught.push(step); } })
        .then(() => null, (e: Error) => e);
      assert.is(err instanceof DivergenceError, diverges, `lr ${lr}: ${err?.message}`);
      if (err instanceof DivergenceError) {
        // train()'s check (the last 250 losses) agrees with the page's tooHighLoss on the same stretch.
        assert.ok(err.step >= 249 && err.step < 1000, `lr ${lr}: stopped at ${err.step}`);
        assert.ok(tooHighLoss(s.lossi.slice(err.step - 249, err.step + 1), 27) !== null);
        assert.throws(() => s.checkpoint(), /diverged/);
      } else assert.equal(caught, [], `lr ${lr}: caught at ${caught}`);
    }
    assert.ok(Math.abs(uniformLoss(27) - 3.2958) < 1e-4);
    assert.is(tooHighLoss([], 27), null);
    assert.is(tooHighLoss([Math.log10(6.7)], 27), 6.7 > 2 * Math.log(27) ? 6.7 : null);
  });

  test('divergence: saferRates cuts the rate in use to 0.1, or to a tenth below that', () => {
    assert.equal(saferRates({ lr: 10, lrAfter: 1, decayAt: 1000 }, 250), { lr: 0.1, lrAfter: 0.01 });
    assert.equal(saferRates({ lr: 0.1, lrAfter: 0.01, decayAt: 1000 }, 10), { lr: 0.01, lrAfter: 0.001 });
    assert.equal(saferRates({ lr: 0.1, lrAfter: 50, decayAt: 1000 }, 1200), { lr: 0.1, lrAfter: 0.01 });
    assert.equal(saferRates({ lr: 0.5, lrAfter: 0.005, decayAt: 1000 }, 10), { lr: 0.1, lrAfter: 0.005 });
  });

  test('diagnostics: reading them after every chunk leaves the run\'s numbers as they are', async () => {
    const plain = new Session(text, config);
    await plain.run({ progressEvery: 50 });
    const watched = new Session(text, config);
    const d = new Diagnostics(watched.model, watched.tensors.train.X, { seed: 1 });
    let histograms = 0;
    await watched.run({ progressEvery: 50, onProgress: (step) => { if (d.after(step, { lr: lrAt(watched.schedule, step - 1) }, true).activations) histograms++; } });
    assert.is(histograms, 6, 'histograms at every call');
    assert.equal(watched.lossi, plain.lossi);
    assert.equal(watched.checkpoint(), plain.checkpoint());
  });

  test('diagnostics: update ratios, saturation and histograms are what their formulas say', async () => {
    const s = new Session(text, { ...config, steps: 20 });
    await s.run();
    const lr = 0.1;
    const r = updateRatios(s.model, lr);
    const std = (a: ArrayLike<number>) => { const m = Array.from(a).reduce((x, y) => x + y, 0) / a.length; return Math.sqrt(Array.from(a).reduce((x, y) => x + (y - m) ** 2, 0) / (a.length - 1)); };
    for (const [name, p] of Object.entries(s.model.namedTensors())) {
      if (!p.requiresGrad) { assert.not.ok(name in r); continue; }
      const want = Math.log10((lr * std(p.grad!.toArray())) / std(p.toArray()));
      assert.ok(Math.abs(r[name]! - want) < 1e-9, `${name}: ${r[name]} vs ${want}`);
    }
    // The hidden layer on 256 rows, in float64 by hand: batch-normed with the batch's mean and unbiased std.
    const rows = 256, { blockSize: BS, nEmbed: E, nHidden: H } = s.config;
    const X = s.tensors.train.X.toArray(), C = s.model.C.toArray(), W1 = s.model.W1.toArray(), b1 = s.model.b1.toArray();
    const gain = s.model.bngain!.toArray(), bias = s.model.bnbias!.toArray();
    const h = new Float64Array(rows * H);
    for (let r = 0; r < rows; r++) for (let j = 0; j < H; j++) {
      let acc = b1[j];
      for (let k = 0; k < BS * E; k++) acc += C[X[r * BS + Math.floor(k / E)] * E + (k % E)] * W1[k * H + j];
      h[r * H + j] = acc;
    }
    let saturated = 0, sum = 0;
    for (let j = 0; j < H; j++) {
      const col = Array.from({ length: rows }, (_, r) => h[r * H + j]);
      const m = col.reduce((x, y) => x + y, 0) / rows;
      for (let r = 0; r < rows; r++) {
        const v = (gain[j] * (col[r] - m)) / std(col) + bias[j];
        sum += v;
        if (Math.abs(Math.tanh(v)) > 0.97) saturated++;
      }
    }
    const running = s.model.bnmeanRunning!.toArray();
    const ix = s.tensors.train.X.index(tensor(Int32Array.from({ length: rows }, (_, i) => i), { dtype: 'int32' }));
    const a = activationStats(s.model, ix);
    assert.equal(s.model.bnmeanRunning!.toArray(), running, 'running statistics untouched');
    assert.is(a.preact.counts.reduce((x, y) => x + y, 0), rows * H);
    assert.is(a.tanh.counts.reduce((x, y) => x + y, 0), rows * H);
    assert.ok(Math.abs(a.preact.mean - sum / (rows * H)) < 1e-5, `mean ${a.preact.mean} vs ${sum / (rows * H)}`);
    assert.ok(Math.abs(a.tanh.saturated - saturated / (rows * H)) <= 2 / (rows * H), `saturated ${a.tanh.saturated} vs ${saturated / (rows * H)}`);
  });

  test('diagnostics: histogram bins, mean and unbiased std', () => {
    const h = histogram([0, 1, 2, 3, 4, 5, 6, 7, 8, 10], 5);
    assert.equal(h.counts, [2, 2, 2, 2, 2]);
    assert.is(h.lo, 0); assert.is(h.hi, 10);
    assert.ok(Math.abs(h.mean - 4.6) < 1e-12);
    const dev = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10].reduce((x, v) => x + (v - 4.6) ** 2, 0);
    assert.ok(Math.abs(h.std - Math.sqrt(dev / 9)) < 1e-12, String(h.std));
    assert.equal(histogram([-1, 1], 4, -1, 1).counts, [1, 0, 0, 1]);
    assert.equal(histogram([5, 5, 5], 2).counts.reduce((x, y) => x + y, 0), 3);
  });
}

test.run();
