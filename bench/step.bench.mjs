// `npm run bench:step`: each bench/models.mjs model's training step compiled against the same step
// run eagerly, in one process, alternating chunks of 100 steps so both see the same machine load
// (median and minimum chunk, µs/step); and the compiled program's kernel calls by name.
//
//   npm run bench:step -- [chunks=15] [model ...]    (WASMGRAD_BUILD picks the build)
import { init, compile } from '../dist/index.js';
import { makeModel, notebookData, MODEL_NAMES } from './models.mjs';

const [chunksArg, ...names] = process.argv.slice(2);
const chunks = Number(chunksArg ?? 15), chunk = 100;
const info = await init();
const data = notebookData('names.txt');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`bench:step ${new Date().toISOString().slice(0, 10)}, build ${info.build}, node ${process.versions.node}, ${chunks} alternating chunks of ${chunk} steps (µs/step)\n`);
console.log('| model | compiled median | eager median | eager ÷ compiled | compiled min | eager min | commands |\n|---|--:|--:|--:|--:|--:|--:|');
for (const name of names.length ? names : MODEL_NAMES) {
  const compiled = compile(makeModel(name, data)), eager = makeModel(name, data);
  const runners = { compiled: () => compiled().item(), eager: () => eager().item() };
  const losses = { compiled: [], eager: [] };
  for (let i = 0; i < 50; i++) for (const [k, fn] of Object.entries(runners)) losses[k].push(fn());
  const times = { compiled: [], eager: [] };
  for (let c = 0; c < chunks; c++) {
    for (const [k, fn] of Object.entries(runners)) {
      const t0 = performance.now();
      for (let i = 0; i < chunk; i++) losses[k].push(fn());
      times[k].push(((performance.now() - t0) * 1000) / chunk);
    }
  }
  if (losses.compiled.some((l, i) => !Object.is(l, losses.eager[i]))) throw new Error(`${name}: compiled and eager losses differ`);
  const [mc, me] = [median(times.compiled), median(times.eager)];
  console.log(`| ${name} | ${mc.toFixed(1)} | ${me.toFixed(1)} | ${(me / mc).toFixed(2)}× | ${Math.min(...times.compiled).toFixed(1)} | ${Math.min(...times.eager).toFixed(1)} | ${compiled.info().programs[0].commands.length} |`);
}
