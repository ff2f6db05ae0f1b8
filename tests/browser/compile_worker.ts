// A worker of the browser check's page (compile_page.ts, driven by tests/browser/run.js): loads
// the simd build with the threads asked for and trains the compiled-program tests' models
// (tests/helpers/thread_runs.ts), every compiled call on the helper threads (Web Workers it starts
// itself), then posts the results.
import { init } from '../../src/index.ts';
import { runModels } from '../helpers/thread_runs.ts';

self.onmessage = async (e: MessageEvent<{ threads: number; steps: number }>) => {
  try {
    await init({ build: 'simd', threads: e.data.threads, wasm: (_build, file) => new URL(`./${file}.wasm`, import.meta.url) });
    self.postMessage({ result: await runModels(e.data.steps) });
  } catch (err) {
    self.postMessage({ error: (err as Error).stack ?? String(err) });
  }
};
