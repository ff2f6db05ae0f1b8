// Session (session.ts), the one orchestrator of a run, as a library user drives it: chunked runs equal one
// run, a checkpoint resumes to the uninterrupted run's numbers with the settings resumeConfig
// restores, divergence stops training (and saving) in train() and in Session alike, and the
// loss curve stays bounded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { init, Generator } from '../../src/index.ts';
import { Session, NOTEBOOK, resumeConfig, ConfigError, datasetTensors, type RunConfig } from '../../src/makemore/session.ts';
import { decodeCheckpoint } from '../../src/makemore/checkpoint.ts';
import { train } from '../../src/makemore/train.ts';
import { DivergenceCheck, DivergenceError, NonFiniteLossError } from '../../src/makemore/divergence.ts';
import { MLP } from '../../src/makemore/model.ts';
import { makeSplits } from '../../src/makemore/data.ts';
import { LossCurve } from '../../src/makemore/loss_curve.ts';

await init();
const text = Array.from({ length: 300 }, (_, i) => ['ann', 'bob', 'cara', 'dave', 'emma', 'finn', 'gus', 'hana'][i % 8] + 'abcdefghij'[(i * 7) % 10]).join('\n');
const small: RunConfig = { ...NOTEBOOK, steps: 600, batchSize: 8, nEmbed: 4, nHidden: 16, decayAt: 350 };

test('session: a run cut into chunks (a paused page) ends bit for bit as one run', async () => {
  const whole = new Session(text, small);
  await whole.run();
  const chunked = new Session(text, small);
  let calls = 0;
  while (!chunked.done) await chunked.run({ progressEvery: 100, shouldStop: () => ++calls % 150 === 0 });
  assert.equal(chunked.splitLosses(), whole.splitLosses());
  assert.equal(chunked.sample(5), whole.sample(5));
  assert.is(chunked.curve.count, 600);
});

test('session: checkpoint() then resumeConfig() + new Session({ resume }) continues to the uninterrupted numbers', async () => {
  const whole = new Session(text, small);
  await whole.run();
  const half = new Session(text, small);
  await half.run({ shouldStop: () => half.step >= 250, progressEvery: 50 });
  assert.is(half.step, 250);
  const ckpt = decodeCheckpoint(half.checkpoint());
  const { config, notes } = resumeConfig(ckpt, {});
  assert.equal(notes, []);
  assert.equal({ ...config }, { ...small, batchnorm: true }, 'every setting comes back from the checkpoint');
  const resumed = new Session(text, config, { resume: ckpt });
  assert.is(resumed.startStep, 250);
  await resumed.run();
  assert.equal(resumed.splitLosses(), whole.splitLosses());
  assert.equal(resumed.sample(5), whole.sample(5));
});

test('session: resumeConfig keeps sizes and seed, says when lr or batch size override the checkpoint, keeps the schedule', async () => {
  const s = new Session(text, small);
  await s.run({ shouldStop: () => s.step >= 100, progressEvery: 50 });
  const ckpt = decodeCheckpoint(s.checkpoint());
  assert.throws(() => resumeConfig(ckpt, { nHidden: 32 }), (e: Error) => e instanceof ConfigError && /nHidden 32 does not match the checkpoint's 16/.test(e.message));
  assert.throws(() => resumeConfig(ckpt, { seed: 1 }, { seed: '--seed' }), /--seed 1 does not match the checkpoint's 42/);
  assert.throws(() => resumeConfig(ckpt, { steps: 100 }), /already at step 100/);
  const o = resumeConfig(ckpt, { lr: 0.05, batchSize: 8, steps: 2000 });
  assert.is(o.config.lr, 0.05);
  assert.is(o.config.decayAt, 350, 'the decay step stays the checkpoint\'s');
  assert.is(o.notes.length, 2, o.notes.join('; '));
  assert.match(o.notes[0], /lr 0\.05 overrides the checkpoint's 0\.1/);
  assert.match(o.notes[1], /keeping the checkpoint's learning-rate schedule \(0\.05 before step 350, then 0\.01\)/);
});

test('session: a loss that blows up stops training with DivergenceError, and the session will not save', async () => {
  const s = new Session(text, { ...small, lr: 1e9, steps: 5000 });
  try {
    await s.run();
    assert.unreachable('diverged run finished');
  } catch (e) {
    assert.instance(e, DivergenceError);
    assert.match((e as Error).message, /training diverged; try a lower --lr/);
  }
  assert.ok(s.diverged && s.step < 5000);
  assert.throws(() => s.checkpoint(), /training diverged at step/);
  await s.run().then(() => assert.unreachable('ran on'), (e) => assert.instance(e, DivergenceError));
});

test('train(): the library helper stops on a non-finite loss and on a sustained blow-up, not on a healthy run', async () => {
  const data = makeSplits(text, { blockSize: 3, seed: 42 });
  const { X, Y } = datasetTensors(data.train, 3);
  const run = async (lr: number, steps = 3000) => {
    const g = new Generator().manualSeed(42);
    const m = new MLP({ vocabSize: data.vocab.itos.length, blockSize: 3, nEmbed: 4, nHidden: 16, batchnorm: true }, g);
    return train(m, X, Y, g, { steps, batchSize: 8, schedule: { lr, decayAt: steps, lrAfter: lr } });
  };
  await run(1e30).then(() => assert.unreachable(), (e) => { assert.instance(e, NonFiniteLossError); assert.match(e.message, /loss became (NaN|Infinity)/); });
  await run(1e9).then(() => assert.unreachable(), (e) => { assert.instance(e, DivergenceError); assert.match(e.message, /loss averaged .* over the 250 steps to step \d+/); });
  const ok = await run(0.1);
  assert.is(ok.stepReached, 3000);
});

test('divergence check: a whole stretch far above the start is divergence, a spike is not', () => {
  const d = new DivergenceCheck(27, 5); // 5-step window; uniform guessing over 27 characters: ln 27 = 3.30
  d.check(0, 3);
  for (let i = 1; i < 100; i++) d.check(i, i % 5 === 0 ? 30 : 2); // one high loss in five: geometric mean 3.4
  for (let i = 100; i < 103; i++) d.check(i, 20); // 3 of the last 5 high: geometric mean 7.96, under 3 x 3
  assert.throws(() => d.check(103, 20), /loss averaged 12\.62 over the 5 steps to step 103, more than 3x the first loss, 3\.0000/);
  const u = new DivergenceCheck(27, 5);
  u.check(0, 1); // a good start: the line is then twice uniform guessing
  assert.throws(() => { for (let i = 1; i < 10; i++) u.check(i, 7); }, /more than twice the 3\.30 of a model that guesses every character alike/);
  assert.throws(() => new DivergenceCheck(27).check(0, NaN), (x: Error) => x instanceof NonFiniteLossError && /loss became NaN at step 0/.test(x.message));
});

test('loss curve: bounded whatever the run length, means exact', () => {
  const c = new LossCurve(0, 1000);
  for (let i = 0; i < 100_000; i++) c.add(i % 2);
  assert.ok(c.fine.length <= 8192 && c.fine.length >= 4096, `${c.fine.length} points`);
  assert.is(c.means.length, 100);
  assert.ok(c.means.every((m) => m === 0.5));
  const { values, steps } = c.coarse(60);
  assert.ok(values.length >= 60 && values.length <= 120, `${values.length}`);
  assert.is(steps % c.stride, 0);
  assert.ok(values.every((v) => v === 0.5));
  assert.is(LossCurve.groupFor(200000), 1000);
  assert.is(LossCurve.groupFor(1200), 120);
});

test('session: settings out of range are ConfigErrors naming the setting', () => {
  assert.throws(() => new Session(text, { ...small, nHidden: 0 }), /hidden units must be a whole number >= 1, got 0/);
  assert.throws(() => new Session(text, { ...small, nHidden: 1.5 }), /hidden units must be a whole number >= 1, got 1\.5/);
  assert.throws(() => new Session(text, { ...small, nHidden: 400000 }), /these sizes need about \d+\.\d GiB of wasm memory/);
  assert.throws(() => new Session(text, { ...small, batchSize: 1 }), /batch size 1: batch norm needs at least 2 rows per step/);
  assert.throws(() => new Session(text, { ...small, lr: -1 }), /learning rate must be a positive number/);
});

test.run();
