// One run of a bench/models.mjs model for `npm run bench:e2e`, compiled (the default) or eager,
// in a process of its own (init() loads one build per process). Prints one JSON line; the timing
// is the training loop's only, after 20 warm-up steps (the first one captures the program).
//
//   node bench/models_loop.mjs names.txt deep compiled 2000
import { init, compile } from '../dist/index.js';
import { makeModel, notebookData } from './models.mjs';

const [path, model, mode = 'compiled', stepsArg] = process.argv.slice(2);
const steps = Number(stepsArg ?? 2000);
const info = await init();
const eager = makeModel(model, notebookData(path));
const step = mode === 'eager' ? eager : compile(eager);
for (let i = 0; i < 20; i++) step().item();
const losses = [];
const t0 = performance.now();
for (let i = 0; i < steps; i++) losses.push(step().item());
const us = ((performance.now() - t0) * 1000) / steps;
const tail = losses.slice(-Math.min(1000, steps));
console.log(JSON.stringify({ usPerStep: us, loss: tail.reduce((a, b) => a + b, 0) / tail.length, steps, maxRSS: process.resourceUsage().maxRSS, build: info.build }));
