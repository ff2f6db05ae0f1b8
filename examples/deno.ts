// The notebook's model trained under Deno: a few thousand steps, the loss as it goes, the split
// losses and names sampled at the end. Needs ./names.txt.
// Run: npx deno run --allow-read examples/deno.ts [steps] [--json]
// (WASMGRAD_BUILD=simd with --allow-env=WASMGRAD_BUILD forces the strict build, and
// WASMGRAD_THREADS=2 with --allow-env=WASMGRAD_THREADS trains on two threads (Deno's Web Workers);
// without the permission a variable is simply not read.)
import { init } from '../src/index.ts';
import { Session, NOTEBOOK } from '../src/makemore/session.ts';

const json = Deno.args.includes('--json');
const steps = Number(Deno.args.find((a) => !a.startsWith('--')) ?? 5000);
if (!Number.isSafeInteger(steps) || steps < 1) {
  console.error(`usage: deno run --allow-read examples/deno.ts [steps] [--json]; steps must be a whole number >= 1`);
  Deno.exit(2);
}

let text: string;
try {
  text = await Deno.readTextFile('names.txt');
} catch (e) {
  console.error(`cannot read ./names.txt (${(e as Error).message}); put makemore's names.txt here and run with --allow-read`);
  Deno.exit(1);
}

const info = await init();
const session = new Session(text, { ...NOTEBOOK, steps });
if (!json) {
  console.log(`wasmgrad under Deno ${Deno.version.deno}: build ${info.build}, ${session.model.numParams()} parameters, ${steps} steps`);
}
const every = Math.max(1, Math.round(steps / 10));
await session.run({
  logEvery: json ? 10000 : every,
  onLog: (i, loss) => { if (!json) console.log(`${String(i).padStart(7)}/${String(steps).padStart(7)}: ${loss.toFixed(4)}`); },
});
const final = session.splitLosses();
const samples = session.sample(json ? 20 : 10);
if (json) {
  // The same fields as `wasmgrad train --json`, for the cross-runtime check in tools/test-deno.js.
  console.log(JSON.stringify({ log: session.log, final, samples, build: info.build, threads: info.threads, threadedSteps: session.threadedSteps }));
} else {
  console.log(`train ${final.train.toFixed(4)}  val ${final.val.toFixed(4)}  test ${final.test.toFixed(4)}`);
  console.log(samples.join(' '));
  console.log(`${((steps / session.seconds) | 0)} steps/s`);
}
