// Child process of threads.test.ts (init() happens once per process, so each build and thread
// setting gets its own): trains the notebook model on names.txt and prints one JSON line with
// every step's loss and the final parameters and running statistics, as hex of their bytes.
// argv: steps, then the thread counts to run in turn (each from a fresh model, same seed).
import { init, initInfo, Generator } from '../../src/index.ts';
import { makeSplits } from '../../src/makemore/data.ts';
import { datasetTensors } from '../../src/makemore/session.ts';
import { MLP } from '../../src/makemore/model.ts';
import { train } from '../../src/makemore/train.ts';
import { threadsAvailable } from '../../src/compile/pool.ts';
import { namesText } from '../helpers/names.ts';

const [stepsArg, ...runs] = process.argv.slice(2);
const steps = Number(stepsArg);
if (process.env.WASMGRAD_THREADS && !(await threadsAvailable())) {
  console.log(JSON.stringify({ skip: 'no worker_threads or shared memory' }));
  process.exit(0);
}
await init();
const s = makeSplits(namesText()!, { blockSize: 3, seed: 42 });
const { X, Y } = datasetTensors(s.train, 3);
const config = { vocabSize: 27, blockSize: 3, nEmbed: 10, nHidden: 200, batchnorm: true };
const hex = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

const out: Record<string, unknown> = { info: initInfo() };
for (const run of runs) {
  const g = new Generator().manualSeed(42);
  const m = new MLP(config, g);
  const r = await train(m, X, Y, g, { steps, batchSize: 32, schedule: { lr: 0.1, decayAt: steps / 2, lrAfter: 0.01 }, logEvery: 1, threads: Number(run), adaptiveThreads: false });
  const tensors = [m.C, m.W1, m.b1, m.W2, m.b2, m.bngain!, m.bnbias!, m.bnmeanRunning!, m.bnstdRunning!];
  out[`threads${run}`] = { losses: r.log.map(([, l]) => l), params: tensors.map((t) => hex(t.toArray() as Float32Array)), threadedSteps: r.threadedSteps };
}
console.log(JSON.stringify(out));
