// One wasmgrad run for `npm run bench:e2e`: the notebook's batch-norm run through the library as
// it ships (dist/, the run orchestrated by makemore's Session), in a process of its own because
// init() loads one build per process (WASMGRAD_BUILD picks it; WASMGRAD_EAGER=1 takes the per-op
// autograd path). Plain JavaScript, so no TypeScript loader adds to the process's memory.
// Prints one JSON line; the timing is the training loop's only.
//
//   WASMGRAD_BUILD=simd node bench/wasmgrad_loop.mjs names.txt 20000
import { readFileSync } from 'node:fs';
import { init } from '../dist/index.js';
import { Session, NOTEBOOK } from '../dist/makemore/index.js';

const [path, stepsArg] = process.argv.slice(2);
const steps = Number(stepsArg ?? 20000);
const info = await init();
const session = new Session(readFileSync(path, 'utf8'), { ...NOTEBOOK, steps }, { eager: process.env.WASMGRAD_EAGER === '1' });
let lossi = [];
// NOTE: progressEvery = steps: one progress call, at the end, with every step's loss. (Training
// still yields to the event loop every 50 ms, a few microseconds each.)
await session.run({ progressEvery: steps, onProgress: (_step, _loss, batch) => { lossi = lossi.concat(batch); } });
const tail = lossi.slice(-1000).map((l) => 10 ** l);
console.log(JSON.stringify({
  usPerStep: (session.seconds * 1e6) / steps, loss: tail.reduce((a, b) => a + b, 0) / tail.length, steps,
  maxRSS: process.resourceUsage().maxRSS, build: info.build, threads: info.threads, threadedSteps: info.threads > 1 ? session.threadedSteps : undefined,
}));
