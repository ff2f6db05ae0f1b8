// The page's runs (web/runs.ts), in Node, on a small word list made here: a makemore.py model
// trained in the page's chunks, with pauses, diagnostics and samples between them, ends in the
// state `ZooRun` reaches in one go (the state `wasmgrad makemore` saves); a run saved midway and
// loaded again continues to the same state; a loaded run on other names, or without names, can
// only sample and says why; bad settings are refused in the page's words; the update-to-data
// ratio of an AdamW step is the update it really made.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init } from '../src/index.ts';
import { ZooRun, MAKEMORE_DEFAULTS, type ZooSettings } from '../src/makemore/zoo/run.ts';
import { decodeState, decodeModel } from '../src/makemore/zoo/checkpoint.ts';
import { parameterValues, measuredUpdateRatios } from '../src/makemore/diagnostics.ts';
import { startRun, ZooPageRun, type PageRun, type Hooks } from '../web/runs.ts';
import { MODELS, fieldProblem, modelById } from '../web/models.ts';

await init();

function madeUpWords(seed: number, count: number): string {
  const syl = ['ka', 'ri', 'mo', 'an', 'el', 'ta', 'su', 'no', 'bi', 'le', 'ja', 'ro'];
  const out: string[] = [];
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648);
  for (let i = 0; i < count; i++) {
    let w = '';
    const n = 1 + (next() % 4);
    for (let k = 0; k < n; k++) w += syl[next() % syl.length];
    out.push(w);
  }
  return out.join('\n') + '\n';
}
const text = madeUpWords(7, 300);
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The page's fields for a small model of `type`. */
const fields = (steps: number, extra: Record<string, number> = {}) => ({ steps, batchSize: 8, learningRate: 1e-3, weightDecay: 0.01, seed: 11, nLayer: 1, nHead: 2, nEmbd: 12, nEmbd2: 20, ...extra });

/** The same run as ZooRun, straight (what `wasmgrad makemore --max-steps steps` trains). */
async function straight(type: ZooSettings['type'], steps: number): Promise<ZooRun> {
  const f = fields(steps);
  const run = new ZooRun(text, { ...MAKEMORE_DEFAULTS, type, nLayer: f.nLayer, nHead: f.nHead, nEmbd: f.nEmbd, nEmbd2: f.nEmbd2, seed: f.seed, batchSize: f.batchSize, learningRate: f.learningRate, weightDecay: f.weightDecay, maxSteps: steps });
  await run.train({ print: () => {} });
  return run;
}

/** Trains `run` as the worker does, pausing when it reaches `pauseAt` (if given); returns what the hooks saw. */
async function trainLikeThePage(run: PageRun, pauseAt = Infinity) {
  const seen = { progress: [] as [number, number][], heldOut: [] as [number, number][], snaps: 0, ratios: 0, steps: 0 };
  const hooks: Hooks = {
    progressEvery: 25,
    shouldStop: () => run.step >= pauseAt,
    onLog: () => {},
    onHeldOut: (step, loss) => seen.heldOut.push([step, loss]),
    onProgress: (step, loss, lossi) => {
      seen.progress.push([step, loss]);
      seen.steps += lossi.length;
      const snap = run.diagnose(step, false);
      if (snap) { seen.snaps++; if (Object.values(snap.ratios).some((r) => r !== null)) seen.ratios++; }
      run.sample({ count: 3, seed: step, temperature: 0.8 }); // the page samples between chunks
    },
  };
  await run.train(hooks);
  return seen;
}

for (const type of ['gru', 'transformer'] as const) {
  test(`page: a ${type} trained in chunks, with samples and diagnostics between them, ends in ZooRun's state`, async () => {
    const steps = 510;
    const page = startRun(type, text, fields(steps));
    const seen = await trainLikeThePage(page);
    const want = await straight(type, steps);
    assert.is(page.step, steps);
    assert.is(seen.steps, steps, 'every step\'s loss reached the chart');
    assert.equal(seen.progress.map(([s]) => s), [...Array.from({ length: 20 }, (_, i) => 25 * (i + 1)), 510]);
    assert.is(seen.heldOut.length, 1, 'makemore.py\'s evaluation at step 500');
    assert.is(seen.heldOut[0][0], 500);
    assert.is(seen.snaps, seen.progress.length, 'a diagnostics snapshot at every chunk end');
    assert.is(seen.ratios, seen.snaps, 'every chunk end has measured update ratios');
    assert.ok(sameBytes(page.save('run').bytes, want.stateBytes()), 'the saved run equals ZooRun\'s state byte for byte');
  });
}

test('page: a makemore.py run saved midway and loaded again continues to the same state', async () => {
  const steps = 140;
  const whole = startRun('rnn', text, fields(steps));
  await trainLikeThePage(whole);
  const first = startRun('rnn', text, fields(steps));
  const seen = await trainLikeThePage(first, 62);
  assert.is(first.step, 62, 'paused where asked');
  assert.is(seen.progress.at(-1)![0], 62, 'the pause flushes the losses so far');
  const saved = first.save('run');
  assert.match(saved.name, /^makemore-rnn-step62\.safetensors$/);
  const again = ZooPageRun.resume(text, decodeState(saved.bytes));
  assert.ok(again.canTrain);
  assert.is(again.step, 62);
  await trainLikeThePage(again);
  assert.ok(sameBytes(again.save('run').bytes, whole.save('run').bytes));
  // The weights alone: makemore.py's model file, the same tensors.
  const w = decodeModel(whole.save('weights').bytes);
  assert.is(w.info!.settings.type, 'rnn');
  assert.equal(Object.keys(w.tensors).sort(), Object.keys(decodeState(whole.save('run').bytes).model).sort());
});

test('page: a saved run without names, or on other names, can only sample, and says why', async () => {
  const run = startRun('bow', text, fields(30));
  await trainLikeThePage(run);
  const bytes = run.save('run').bytes;
  const names = run.sample({ count: 5, seed: 3, temperature: 1 });
  const noNames = ZooPageRun.resume(null, decodeState(bytes));
  assert.not.ok(noNames.canTrain);
  assert.match(noNames.info.why, /load the names it was trained on first/);
  assert.equal(noNames.sample({ count: 5, seed: 3, temperature: 1 }), names, 'the loaded model samples the same names');
  const other = ZooPageRun.resume(madeUpWords(8, 300), decodeState(bytes));
  assert.not.ok(other.canTrain);
  assert.match(other.info.why, /trained on other names \(300 of them\)/);
  const done = ZooPageRun.resume(text, decodeState(bytes));
  assert.not.ok(done.canTrain);
  assert.match(done.info.why, /Its 30 steps are done/);
  const weights = ZooPageRun.weights(decodeModel(run.save('weights').bytes));
  assert.not.ok(weights.canTrain);
  assert.equal(weights.sample({ count: 5, seed: 3, temperature: 1 }), names);
  assert.not.equal(weights.sample({ count: 5, seed: 3, temperature: 0.3 }), names, 'the temperature changes the names');
});

test('page: settings out of range, and a transformer whose heads do not divide its embedding, are refused in the page\'s words', () => {
  assert.throws(() => startRun('transformer', text, fields(10, { nEmbd: 30, nHead: 4 })), /^embedding 30 must be a multiple of heads 4/);
  assert.throws(() => startRun('gru', text, fields(0)), /^steps must be a whole number from 1 to 1000000, got 0$/);
  assert.throws(() => startRun('gru', text, fields(10, { learningRate: -1 })), /^learning rate must be a number of at least 0, got -1$/);
  assert.throws(() => startRun('mlp', text, fields(10, { nEmbd2: 2.5 })), /^hidden must be a whole number from 1 to 1024, got 2\.5$/);
  assert.throws(() => startRun('gpt5', text, fields(10)), /there is no model 'gpt5'/);
  assert.throws(() => startRun('bigram', 'ann\nbob\n', fields(10)), /needs at least 10/);
  assert.throws(() => startRun('mlp-bn', text, { steps: 10, batchSize: 8, lr: 0.1, lrAfter: 0.01, seed: 1, blockSize: 3, nEmbed: 10, nHidden: 0 }), /^hidden units must be a whole number from 1 to 4096, got 0$/);
  // Every model's defaults are in range.
  for (const m of MODELS) assert.is(fieldProblem(m, Object.fromEntries([...m.fields, ...m.training].map((f) => [f.key, f.value]))), null, m.id);
  assert.is(modelById('transformer')!.kind, 'zoo');
});

test('diagnostics: the update-to-data ratio of an AdamW step is log10(std(after - before) / std(after))', async () => {
  const run = new ZooRun(text, { ...MAKEMORE_DEFAULTS, type: 'mlp', nEmbd: 8, nEmbd2: 16, batchSize: 8, maxSteps: 3 });
  run.trainStep();
  const before = parameterValues(run.model);
  run.trainStep();
  const r = measuredUpdateRatios(run.model, before);
  const std = (a: ArrayLike<number>) => { const m = Array.from(a).reduce((x, y) => x + y, 0) / a.length; return Math.sqrt(Array.from(a).reduce((x, y) => x + (y - m) ** 2, 0) / (a.length - 1)); };
  for (const [name, p] of run.model.namedParameters()) {
    const now = p.toArray() as Float32Array;
    const want = Math.log10(std(now.map((v, i) => v - before[name][i])) / std(now));
    assert.ok(Math.abs(r[name]! - want) < 1e-9, `${name}: ${r[name]} vs ${want}`);
  }
  assert.equal(measuredUpdateRatios(run.model, {}), Object.fromEntries([...run.model.namedParameters()].map(([n]) => [n, null])), 'no values before: no ratios');
});


// The page's flow control: the worker returns a promise from onProgress while the page is behind,
// and a Pause the page sent before catching up must be seen before another step is trained.
const held = { 'mlp-bn': { blockSize: 3, nEmbed: 4, nHidden: 16, steps: 100, batchSize: 8, lr: 0.1, lrAfter: 0.01, seed: 3 }, bigram: fields(100) };
for (const [model, settings] of Object.entries(held)) {
  test(`page: a progress hook's promise holds the ${model} run until it resolves, and a pause asked meanwhile stops it there`, async () => {
    const run = startRun(model, text, settings);
    let release = () => {};
    let pause = false;
    const progress: number[] = [];
    const done = run.train({
      progressEvery: 25, shouldStop: () => pause, onLog: () => {}, onHeldOut: () => {},
      onProgress: (step) => { progress.push(step); if (step === 50) return new Promise<void>((r) => { release = r; }); },
    });
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5)); // (a run not held would go on meanwhile)
    assert.is(run.step, 50, 'held at the step whose progress is unanswered');
    assert.equal(progress, [25, 50]);
    pause = true;
    release();
    await done;
    assert.is(run.step, 50, 'no step after the hold ended with a pause asked');
    assert.ok(!run.done);
  });
}

test.run();
