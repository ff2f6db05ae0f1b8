// The browser check's page for compiled programs on threads (tests/browser/run.js serves it
// cross-origin isolated): on the page's main thread, startThreads() must refuse (its threads may
// wait with Atomics.wait, which a page may not); in workers, the test models train compiled on 1
// and on 2 threads. Leaves everything in window.compileResults.
import { init, startThreads } from '../../src/index.ts';

const w = window as unknown as { compileResults?: Record<string, unknown> };
const results: Record<string, unknown> = { isolated: crossOriginIsolated };

function inWorker(threads: number, steps: number): Promise<unknown> {
  const worker = new Worker(new URL('./compile_worker.js', import.meta.url), { type: 'module' });
  return new Promise((resolve) => {
    worker.onmessage = (e) => { worker.terminate(); resolve(e.data); };
    worker.onerror = (e) => { worker.terminate(); resolve({ error: e.message }); };
    worker.postMessage({ threads, steps });
  });
}

const steps = Number(new URLSearchParams(location.search).get('steps') ?? 12);
try {
  await init({ build: 'simd', threads: 2, wasm: (_build, file) => new URL(`./${file}.wasm`, import.meta.url) });
  await startThreads();
  results.mainThread = 'no error';
} catch (e) {
  results.mainThread = (e as Error).message;
}
results.one = await inWorker(1, steps);
results.two = await inWorker(2, steps);
w.compileResults = results;
