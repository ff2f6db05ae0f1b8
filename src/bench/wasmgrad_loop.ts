// One wasmgrad run for `wasmgrad bench`: the notebook's batch-norm loop through the library's own
// training path (makemore/train.ts), in a process of its own because init() loads one build per
// process (WASMGRAD_BUILD picks it; WASMGRAD_EAGER=1 takes train()'s per-op autograd path).
// Prints one JSON line; the timing is train()'s, loop only.
//
//   WASMGRAD_BUILD=simd node dist/bench/wasmgrad_loop.js names.txt 20000
import { readFileSync } from 'node:fs';
import { init, Generator, tensor } from '../index.ts';
import { makeSplits } from '../makemore/data.ts';
import { MLP } from '../makemore/model.ts';
import { train } from '../makemore/train.ts';

const [path, stepsArg] = process.argv.slice(2);
const steps = Number(stepsArg ?? 20000);
const info = await init();
const data = makeSplits(readFileSync(path, 'utf8'), { blockSize: 3, seed: 42 });
const X = tensor(data.train.X, { dtype: 'int32', shape: [data.train.n, 3] }).keep();
const Y = tensor(data.train.Y, { dtype: 'int32', shape: [data.train.n] }).keep();
const g = new Generator().manualSeed(42);
const model = new MLP({ vocabSize: data.vocab.itos.length, blockSize: 3, nEmbed: 10, nHidden: 200, batchnorm: true }, g);
// NOTE: progressEvery = steps: train() otherwise yields to the event loop every 1000 steps
// (about 1 ms each, for the CLI's progress bar), which is not the step's cost.
const result = await train(model, X, Y, g, {
  steps, batchSize: 32, schedule: { lr: 0.1, decayAt: Math.floor(steps / 2), lrAfter: 0.01 }, progressEvery: steps,
  eager: process.env.WASMGRAD_EAGER === '1',
});
const tail = result.lossi.slice(-1000).map((l) => 10 ** l);
console.log(JSON.stringify({
  usPerStep: (result.seconds * 1e6) / steps, loss: tail.reduce((a, b) => a + b, 0) / tail.length, steps,
  maxRSS: process.resourceUsage().maxRSS, build: info.build, threads: info.threads, threadedSteps: result.threadedSteps,
}));
