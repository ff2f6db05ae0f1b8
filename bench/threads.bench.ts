// One thread against two on the notebook's compiled training step (src/makemore/train.ts), in one
// process on the same -threads build (init({ threads: 2 })), alternating chunks of 200 steps so both see the same machine load.
// The minimum chunk is the figure least disturbed by other processes, the median the typical one.
// Then long stretches of each (sustained training keeps both cores busy all the time, which a
// shared VM's host may not grant as readily as the chunks' half the time).
// Usage: npm run bench:threads [-- chunks=40 long=20000] ; WASMGRAD_BUILD picks the build (default: init()'s).
import { init, Generator, startThreads, stopThreads } from '../src/index.ts';
import { makeTrainStep } from '../src/makemore/train.ts';
import { makeSplits } from '../src/makemore/data.ts';
import { datasetTensors } from '../src/makemore/session.ts';
import { MLP } from '../src/makemore/model.ts';
import { namesText } from '../tests/helpers/names.ts';

const chunks = Number(process.argv[2] ?? 40), chunk = 200, long = Number(process.argv[3] ?? 20000);
const info = await init({ threads: 2 });
const text = namesText();
if (!text) throw new Error('needs names.txt in this folder (run `wasmgrad train` once to download it)');
const s = makeSplits(text, { blockSize: 3, seed: 42 });
const { X, Y } = datasetTensors(s.train, 3);
const config = { vocabSize: 27, blockSize: 3, nEmbed: 10, nHidden: 200, batchnorm: true };

async function runner(threads: 1 | 2): Promise<() => number> {
  const g = new Generator().manualSeed(42);
  const m = new MLP(config, g);
  // every step on the threads (no switching to one thread under load), or none
  const step = await makeTrainStep(m, X, Y, { batchSize: 32, threads, adaptiveThreads: false });
  return () => step.step(g, 0.1);
}

await startThreads();
const runners: Record<string, () => number> = { '1 thread': await runner(1), '2 threads': await runner(2) };
// Warm up (tier-up of the wasm code in both threads), and check both give the same losses.
const losses = Object.values(runners).map((fn) => Array.from({ length: 500 }, fn));
if (losses[0].some((l, i) => l !== losses[1][i])) throw new Error('1 and 2 threads gave different losses');
const times: Record<string, number[]> = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
for (let c = 0; c < chunks; c++) {
  for (const [name, fn] of Object.entries(runners)) {
    const t0 = performance.now();
    for (let i = 0; i < chunk; i++) fn();
    times[name].push(((performance.now() - t0) * 1000) / chunk);
  }
}
// Then long stretches, one after the other (A B A B): the pace of sustained training, where the
// second core is busy all the time rather than half of it as in the chunks above.
const sustained: Record<string, number[]> = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
for (let r = 0; r < 2; r++) {
  for (const [name, fn] of Object.entries(runners)) {
    const t0 = performance.now();
    for (let i = 0; i < long; i++) fn();
    sustained[name].push(((performance.now() - t0) * 1000) / long);
  }
}
await stopThreads();
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const q = (xs: number[], f: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor(f * xs.length))];
console.log(`build ${info.build}-threads, node ${process.versions.node}, ${chunks} alternating chunks of ${chunk} steps (µs/step)`);
console.log('| | min | 25% | median | 75% |\n|---|--:|--:|--:|--:|');
for (const [name, t] of Object.entries(times)) console.log(`| ${name} | ${Math.min(...t).toFixed(1)} | ${q(t, 0.25).toFixed(1)} | ${q(t, 0.5).toFixed(1)} | ${q(t, 0.75).toFixed(1)} |`);
const one = times['1 thread'], two = times['2 threads'];
console.log(`speed-up (1 thread ÷ 2 threads): median ${(q(one, 0.5) / q(two, 0.5)).toFixed(2)}×, min ${(Math.min(...one) / Math.min(...two)).toFixed(2)}×`);
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
console.log(`sustained, ${long} steps at a time (A B A B): 1 thread ${fmt(sustained['1 thread'])}; 2 threads ${fmt(sustained['2 threads'])} µs/step`);
