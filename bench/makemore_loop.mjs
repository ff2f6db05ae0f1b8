// One `wasmgrad makemore` timing for `npm run bench:e2e`: TYPE's training steps at makemore.py's
// default flags through the library as it ships (dist/, ZooRun, a compiled step; WASMGRAD_EAGER=1
// for every op through autograd), in a process of its own (init() loads one build per process;
// WASMGRAD_BUILD picks it). A step is timed as makemore.py times it (the batch drawn, forward,
// backward, AdamW); the first min(10, steps / 2) are warm-up, not timed (the first captures the
// compiled step), as in bench/peers/makemore_loop.py. Prints one JSON line.
//
//   node bench/makemore_loop.mjs names.txt transformer 200
import { readFileSync } from 'node:fs';
import { init } from '../dist/index.js';
import { ZooRun, MAKEMORE_DEFAULTS } from '../dist/makemore/zoo/index.js';

const [path, type, stepsArg] = process.argv.slice(2);
const steps = Number(stepsArg ?? 200);
const info = await init();
const run = new ZooRun(readFileSync(path, 'utf8'), { ...MAKEMORE_DEFAULTS, type, maxSteps: steps }, { eager: process.env.WASMGRAD_EAGER === '1' });
const warmup = Math.min(10, Math.floor(steps / 2));
const losses = [];
let ms = 0;
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  losses.push(run.trainStep());
  if (i >= warmup) ms += performance.now() - t0;
}
const tail = losses.slice(-10);
console.log(JSON.stringify({
  usPerStep: (ms * 1000) / (steps - warmup), loss: tail.reduce((a, b) => a + b, 0) / tail.length, steps,
  maxRSS: process.resourceUsage().maxRSS, build: info.build,
}));
